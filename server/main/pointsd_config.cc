#include "server/main/pointsd_config.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"

namespace points::server {
namespace {

constexpr char kDescription[] =
    "Serves the points ledger and the points supermarket over gRPC (points.v1: LedgerService,\n"
    "VillageService, AwardService, TaskService, ShopService, BoardService, CommunityService,\n"
    "AdminService, ReceiptService;\n"
    "grpc.health.v1.Health and server reflection) from an embedded RocksDB store (the\n"
    "domain's records in DIR/domain).\n"
    "\n"
    "`pointsd verify --data-dir DIR` checks a stopped server's data directory (or a backup) in\n"
    "full: every journal record's hash and the hash chain, balances and indexes rebuilt from the\n"
    "journal, the domain store's records, the Merkle tree over the journal and every signed\n"
    "checkpoint; a summary, and exit code 1 on any mismatch. It changes\n"
    "no file in DIR (both stores are opened read-only): work a crash interrupted is reported,\n"
    "and resumed only by the next start of pointsd. Refused while a pointsd has DIR open.\n";

constexpr char kFooter[] =
    "Callers: every call but health checks and reflection carries a principal's token as gRPC\n"
    "metadata `authorization: Bearer TOKEN` (pointsctl --token-file FILE); who may call what is\n"
    "in server/AUTHZ.md. At its first start pointsd makes the principal \"admin\" (the whole\n"
    "county) and writes its token to DIR/admin.token (mode 0600): make the other principals\n"
    "with it (pointsctl principals create), then keep the file offline.\n"
    "\n"
    "Health (grpc.health.v1): the service \"\" is SERVING while pointsd answers; the service\n"
    "\"points.write\" turns NOT_SERVING when the engine stops taking writes (a failed sync, a\n"
    "full disk): reads go on; free the space and restart. The metric points_write_serving says\n"
    "the same.\n"
    "\n"
    "Over HTTP the token goes in the header `Authorization: Bearer TOKEN`, e.g.\n"
    "  curl -H \"Authorization: Bearer $(cat DIR/admin.token)\" -H 'Content-Type: "
    "application/json'\n"
    "       -d '{}' http://127.0.0.1:8080/points.v1.VillageService/ListTowns\n"
    "Errors come as Connect's JSON: {\"code\":\"permission_denied\",\"message\":\"...\"}.\n"
    "\n"
    "Messages are limited to 4 MiB; a request holds at most 8189 events or ids.\n"
    "Without --tls-cert, gRPC and HTTP are plaintext: pointsd serves them on loopback\n"
    "(127.0.0.0/8, ::1, localhost) only, unless --allow-plaintext.";

constexpr char kFlagsGroup[] = "Flags";
// The column where a flag's help starts, and the width the usage lines wrap at.
constexpr size_t kHelpColumn = 24;
constexpr size_t kUsageWidth = 92;

// pointsd's help, made from its app: the usage lines list every flag, and each flag's text
// follows its name as pointsd has always printed it.
class HelpFormatter : public CLI::Formatter {
 public:
  HelpFormatter() { column_width(kHelpColumn); }

  std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode) const override {
    std::string help = absl::StrCat(make_usage(app, name), "\n", make_description(app));
    absl::StrAppend(&help, make_groups(app, CLI::AppFormatMode::Normal),
                    make_subcommands(app, CLI::AppFormatMode::Normal));
    const std::string footer = make_footer(app);
    if (!footer.empty()) absl::StrAppend(&help, "\n", footer);
    return help;
  }

  // "usage: pointsd [--listen HOST:PORT] ...", and a line for each subcommand.
  std::string make_usage(const CLI::App* app, std::string name) const override {
    std::string usage = absl::StrCat("usage: ", Synopsis(*app, name), "\n");
    for (const CLI::App* sub : app->get_subcommands({})) {
      absl::StrAppend(&usage, "       ", Synopsis(*sub, absl::StrCat(name, " ", sub->get_name())),
                      "\n");
    }
    return usage;
  }

  // A name too long for the column is followed by two spaces, the text's later lines indented
  // to the column.
  std::string make_option(const CLI::Option* option, bool positional) const override {
    std::string left =
        absl::StrCat("  ", make_option_name(option, positional), make_option_opts(option));
    left.resize(std::max(left.size() + 2, kHelpColumn), ' ');
    return absl::StrCat(left,
                        absl::StrReplaceAll(make_option_desc(option),
                                            {{"\n", "\n" + std::string(kHelpColumn, ' ')}}),
                        "\n");
  }

  // "--help, -h": the long name first.
  std::string make_option_name(const CLI::Option* option, bool positional) const override {
    if (positional) return CLI::Formatter::make_option_name(option, positional);
    std::vector<std::string> names;
    for (const std::string& n : option->get_lnames()) names.push_back("--" + n);
    for (const std::string& n : option->get_snames()) names.push_back("-" + n);
    return absl::StrJoin(names, ", ");
  }

  // Only the value's name: the help text says the default and the environment variable.
  std::string make_option_opts(const CLI::Option* option) const override {
    return option->get_items_expected_max() == 0 ? "" : " " + option->get_type_name();
  }

 private:
  // `name` and its flags, [optional] ones in brackets, wrapped under the first.
  static std::string Synopsis(const CLI::App& app, const std::string& name) {
    const size_t indent = std::string("usage: ").size() + name.size() + 1;
    std::string text = name;
    size_t line_start = 0;
    for (const CLI::Option* option : app.get_options()) {
      if (!option->nonpositional() || option == app.get_help_ptr()) continue;
      std::string word = "--" + option->get_lnames().front();
      if (option->get_items_expected_max() != 0)
        absl::StrAppend(&word, " ", option->get_type_name());
      if (!option->get_required()) word = absl::StrCat("[", word, "]");
      if (text.size() - line_start + 1 + word.size() + indent > kUsageWidth) {
        absl::StrAppend(&text, "\n", std::string(indent - 1, ' '));
        line_start = text.size() - indent + 1;
      }
      absl::StrAppend(&text, " ", word);
    }
    return text;
  }
};

// A whole number from `min` to `max`, in the words pointsd has always used.
CLI::Validator WholeNumber(int64_t min, int64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        int64_t value = 0;
        if (absl::SimpleAtoi(text, &value) && value >= min && value <= max) return "";
        return absl::StrCat("must be a whole number from ", min, " to ", max, ", got '", text, "'");
      },
      "");
}

// "scheme://host[:port]", as a browser sends it in Origin: no path, no trailing '/'.
CLI::Validator Origin() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const size_t scheme_end = text.find("://");
        const bool ok = (text.rfind("http://", 0) == 0 || text.rfind("https://", 0) == 0) &&
                        text.size() > scheme_end + 3 &&
                        text.find('/', scheme_end + 3) == std::string::npos;
        return ok ? ""
                  : absl::StrCat("must be an origin such as https://app.example.org, got '", text,
                                 "'");
      },
      "");
}

template <typename Int>
void AddNumber(CLI::App& app, const char* name, Int& value, int64_t min, int64_t max,
               const char* env, const char* help) {
  app.add_option(name, value, help)
      ->type_name("N")
      ->check(WholeNumber(min, max))
      ->envname(env)
      ->group(kFlagsGroup);
}

CLI::Option* AddText(CLI::App& app, const char* name, std::string& value, const char* type_name,
                     const char* help) {
  return app.add_option(name, value, help)->type_name(type_name)->group(kFlagsGroup);
}

void AddStoreFlags(CLI::App& app, Config& config) {
  AddText(app, "--listen", config.listen, "HOST:PORT",
          "address to listen on; port 0 picks a free one and prints it\n"
          "(default 127.0.0.1:50051; env POINTS_LISTEN)")
      ->envname("POINTS_LISTEN");
  AddText(app, "--data-dir", config.data_dir, "DIR",
          "the store, created if missing (default ./var/pointsd;\nenv POINTS_DATA_DIR)")
      ->envname("POINTS_DATA_DIR");
  AddNumber(app, "--worker-threads", config.worker_threads, 1, kWorkerThreadsMax,
            "POINTS_WORKER_THREADS",
            "threads for calls that wait: reads, and writes waiting for\n"
            "their syncs, which are grouped across the calls waiting\n"
            "together; 1..256 (default 64; env POINTS_WORKER_THREADS)");
  AddNumber(app, "--drain-seconds", config.drain_seconds, 0, 3600, "POINTS_DRAIN_SECONDS",
            "on SIGTERM/SIGINT, how long calls in flight may take to finish\n"
            "(default 10; env POINTS_DRAIN_SECONDS)");
  AddNumber(app, "--stats-seconds", config.stats_seconds, 0, 86400, "POINTS_STATS_SECONDS",
            "log engine statistics every N seconds, 0 = never (default 60;\n"
            "env POINTS_STATS_SECONDS)");
  AddNumber(app, "--disk-reserve-mb", config.disk_reserve_mb, 0, 1 << 20, "POINTS_DISK_RESERVE_MB",
            "free space (MiB) the data directory's disk must keep: below it\n"
            "pointsd turns read-only instead of filling the disk; 0 = no\n"
            "check (default 256; env POINTS_DISK_RESERVE_MB)");
  AddText(app, "--receipts-origin", config.receipts_origin, "NAME",
          "the name of the journal's Merkle tree in its signed checkpoints,\n"
          "fixed at the first start, when pointsd makes its Ed25519 key in\n"
          "DIR/receipts.key and prints the public key (default\n"
          "pointsd.local/ledger; env POINTS_RECEIPTS_ORIGIN)")
      ->envname("POINTS_RECEIPTS_ORIGIN");
  AddNumber(app, "--notice-seconds", config.notice_seconds, 1, 90 * 86400, "POINTS_NOTICE_SECONDS",
            "how long an approved award, or a project's payout from the\n"
            "micro-fund, stays on the notice board before the server posts it\n"
            "(default 259200 = 3 days; env POINTS_NOTICE_SECONDS)");
  AddNumber(app, "--review-threshold", config.review_threshold, 0, 1'000'000,
            "POINTS_REVIEW_THRESHOLD",
            "awards of more points need a second person's approval; 0 = all do\n"
            "(default 0; env POINTS_REVIEW_THRESHOLD)");
  AddText(app, "--metrics-listen", config.metrics_listen, "HOST:PORT",
          "serve Prometheus metrics on http://HOST:PORT/metrics; port 0\n"
          "picks a free one and prints it (default: none;\nenv POINTS_METRICS_LISTEN)")
      ->envname("POINTS_METRICS_LISTEN");
  app.add_option_function<std::string>(
         "--log-format",
         [&config](const std::string& text) {
           config.log_format = text == "json" ? LogFormat::kJson : LogFormat::kText;
         },
         "text (default) or json: one JSON object per line on stderr\n(env POINTS_LOG_FORMAT)")
      ->type_name("FORMAT")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return text == "text" || text == "json"
                       ? ""
                       : absl::StrCat("must be text or json, got '", text, "'");
          },
          ""))
      ->envname("POINTS_LOG_FORMAT")
      ->group(kFlagsGroup);
}

void AddGateFlags(CLI::App& app, Config& config) {
  AddText(app, "--tls-cert", config.tls.cert_file, "FILE",
          "serve gRPC (and HTTP) over TLS with this PEM certificate chain")
      ->envname("POINTS_TLS_CERT");
  AddText(app, "--tls-key", config.tls.key_file, "FILE",
          "... and its PEM private key (env POINTS_TLS_CERT, POINTS_TLS_KEY)")
      ->envname("POINTS_TLS_KEY");
  AddText(app, "--tls-client-ca", config.tls.client_ca_file, "FILE",
          "clients (shop terminals) may present a certificate; one this PEM CA\n"
          "did not sign is refused (env POINTS_TLS_CLIENT_CA)")
      ->envname("POINTS_TLS_CLIENT_CA");
  app.add_flag("--allow-plaintext", config.allow_plaintext,
               "serve plaintext gRPC, HTTP and metrics on an address other\n"
               "machines can reach; without it pointsd refuses to start so (a\n"
               "network you trust, or a TLS proxy in front)")
      ->group(kFlagsGroup);
  app.add_option_function<std::string>(
         "--rate-limit",
         [&config](const std::string& text) { config.rate_limit = *ParseRateLimit(text); },
         "calls per second each principal may make, with bursts of BURST\n"
         "(default 100/200; BURST defaults to 2N; 0 = no limit;\n"
         "env POINTS_RATE_LIMIT); a call over it gets RESOURCE_EXHAUSTED")
      ->type_name("N[/BURST]")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            absl::StatusOr<RateLimit> limit = ParseRateLimit(text);
            // CLI11 names the flag before the message, which names it too.
            return limit.ok()
                       ? ""
                       : std::string(absl::StripPrefix(limit.status().message(), "--rate-limit: "));
          },
          ""))
      ->envname("POINTS_RATE_LIMIT")
      ->group(kFlagsGroup);
}

void AddHttpFlags(CLI::App& app, Config& config) {
  AddText(app, "--http-listen", config.http.listen, "HOST:PORT",
          "also serve HTTP/1.1 for browsers and curl: the Connect\n"
          "protocol for every RPC (POST /points.v1.<Service>/<Method> with\n"
          "application/json or application/proto; GET for reads; streams as\n"
          "application/connect+json or +proto) and the web app's files; TLS\n"
          "and the plaintext rule as for gRPC; port 0 picks a free one and\n"
          "prints it (default: none; env POINTS_HTTP_LISTEN)")
      ->envname("POINTS_HTTP_LISTEN");
  AddText(app, "--web-root", config.http.web_root, "DIR",
          "the web app's built files, served at / (index.html for paths of\n"
          "the app, names under assets/ cached for a year; env\nPOINTS_WEB_ROOT)")
      ->envname("POINTS_WEB_ROOT");
  // One origin each time the flag is given; the environment's list is comma-separated.
  app.add_option("--http-allow-origin", config.http.allow_origins,
                 "pages of ORIGIN (https://app.example.org) may call the API\n"
                 "too (CORS); repeatable; none by default: only pointsd's own pages\n"
                 "(env POINTS_HTTP_ALLOW_ORIGINS, comma-separated)")
      ->type_name("ORIGIN")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->delimiter(',')
      ->check(Origin())
      ->envname("POINTS_HTTP_ALLOW_ORIGINS")
      ->group(kFlagsGroup);
  AddNumber(app, "--http-read-seconds", config.http.read_seconds, 1, 600,
            "POINTS_HTTP_READ_SECONDS",
            "a request's headers and body must arrive within N seconds of its\n"
            "first byte, or the connection is closed (default 30;\n"
            "env POINTS_HTTP_READ_SECONDS)");
  AddNumber(app, "--http-max-connections", config.http.connections_max, 1, 65536,
            "POINTS_HTTP_MAX_CONNECTIONS",
            "open HTTP connections; more are refused (default 512;\n"
            "env POINTS_HTTP_MAX_CONNECTIONS)");
}

// What the flags mean together.
void CheckConfig(const Config& config) {
  if (config.listen.find(':') == std::string::npos) Usage("--listen must be HOST:PORT");
  if (config.tls.cert_file.empty() != config.tls.key_file.empty()) {
    Usage("--tls-cert and --tls-key go together");
  }
  if (!config.tls.client_ca_file.empty() && config.tls.cert_file.empty()) {
    Usage("--tls-client-ca needs --tls-cert and --tls-key");
  }
  if (!config.metrics_listen.empty() && config.metrics_listen.find(':') == std::string::npos) {
    Usage("--metrics-listen must be HOST:PORT");
  }
  if (!config.http.listen.empty() && config.http.listen.find(':') == std::string::npos) {
    Usage("--http-listen must be HOST:PORT");
  }
  if (config.http.listen.empty() &&
      (!config.http.web_root.empty() || !config.http.allow_origins.empty())) {
    Usage("--web-root and --http-allow-origin need --http-listen");
  }
}

// pointsd's command line: its flags over the POINTS_* environment (CLI11 reads a variable for
// a flag not given), and the subcommand verify. `config` and `verify_dir` hold what it reads.
void BuildApp(CLI::App& app, Config& config, std::string& verify_dir) {
  app.formatter(std::make_shared<HelpFormatter>());  // first: subcommands take it as made
  app.footer(kFooter);
  // A flag given twice takes its last value, so a script can override what it put first.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  AddStoreFlags(app, config);
  AddGateFlags(app, config);
  AddHttpFlags(app, config);
  app.add_flag("--demo", config.demo,
               "seed a demo village first (issuer 1, households 101-103,\n"
               "supermarket 201; and village 1 of the points supermarket: its\n"
               "town and grids, rules 1-6, households 1-3, shops 1 and 2, award\n"
               "9001); seeding again changes nothing")
      ->group(kFlagsGroup);
  app.set_help_flag("--help,-h", "this text")->group(kFlagsGroup);
  // Words that are no flag are named by ParseCommandLine, in its words.
  app.allow_extras()->require_subcommand(0, 1);
  CLI::App* verify = app.add_subcommand(
      "verify", "check a stopped server's data directory (or a backup) in full, as above");
  verify->group("Commands");
  verify->footer("");
  verify
      ->add_option("--data-dir", verify_dir,
                   "the data directory, of a stopped pointsd or a\nbackup")
      ->type_name("DIR")
      ->required()
      ->group(kFlagsGroup);
  verify->set_help_flag("--help,-h", "this text")->group(kFlagsGroup);  // after --data-dir
}

// CLI11's message names the flag ("--listen: ..."). For a flag given without its value, in
// pointsd's words; for a bad value CLI11 took from the environment, naming the variable, which
// is where the operator has to look.
std::string UsageMessage(const CLI::App& app, const CLI::ParseError& error, int argc, char** argv) {
  const std::string message = error.what();
  const std::string flag = message.substr(0, message.find(':'));
  if (error.get_name() == "ArgumentMismatch" && absl::EndsWith(message, " missing")) {
    return absl::StrCat(flag, " needs a value");
  }
  const CLI::Option* option = app.get_option_no_throw(flag);
  if (option == nullptr || option->get_envname().empty()) return message;
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == flag || absl::StartsWith(argv[i], flag + "=")) return message;
  }
  return absl::StrCat(option->get_envname(), " (", message.substr(0, flag.size()), ")",
                      message.substr(flag.size()));
}

}  // namespace

void Usage(const std::string& error) {
  Config config;
  std::string verify_dir;
  CLI::App app(kDescription, "pointsd");
  BuildApp(app, config, verify_dir);
  std::fprintf(stderr, "pointsd: %s\n\n%s", error.c_str(), app.help().c_str());
  std::exit(2);
}

CommandLine ParseCommandLine(int argc, char** argv) {
  CommandLine line;
  CLI::App app(kDescription, "pointsd");
  BuildApp(app, line.config, line.verify_dir);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    std::exit(0);
  } catch (const CLI::ParseError& error) {
    Usage(UsageMessage(app, error, argc, argv));
  }
  std::vector<std::string> left = app.remaining(true);
  if (!left.empty()) Usage("unknown option " + left.front());
  if (line.verify_dir.empty()) CheckConfig(line.config);
  return line;
}

}  // namespace points::server
