#include "server/main/pointsd_config.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace points::server {
const char kUsage[] =
    "usage: pointsd [--listen HOST:PORT] [--data-dir DIR] [--reader-threads N]\n"
    "               [--drain-seconds N] [--stats-seconds N] [--notice-seconds N]\n"
    "               [--disk-reserve-mb N] [--metrics-listen HOST:PORT]\n"
    "               [--log-format text|json] [--tls-cert FILE --tls-key FILE\n"
    "               [--tls-client-ca FILE]] [--allow-plaintext]\n"
    "               [--rate-limit N[/BURST]] [--review-threshold N] [--demo]\n"
    "               [--http-listen HOST:PORT [--web-root DIR] [--http-allow-origin ORIGIN]...\n"
    "               [--http-read-seconds N] [--http-max-connections N]]\n"
    "               [--receipts-origin NAME]\n"
    "       pointsd verify --data-dir DIR\n"
    "\n"
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
    "and resumed only by the next start of pointsd. Refused while a pointsd has DIR open.\n"
    "\n"
    "  --listen HOST:PORT    address to listen on; port 0 picks a free one and prints it\n"
    "                        (default 127.0.0.1:50051; env POINTS_LISTEN)\n"
    "  --data-dir DIR        the store, created if missing (default ./var/pointsd;\n"
    "                        env POINTS_DATA_DIR)\n"
    "  --reader-threads N    threads serving reads, 1..64 (default 2; env POINTS_READER_THREADS)\n"
    "  --drain-seconds N     on SIGTERM/SIGINT, how long calls in flight may take to finish\n"
    "                        (default 10; env POINTS_DRAIN_SECONDS)\n"
    "  --stats-seconds N     log engine statistics every N seconds, 0 = never (default 60;\n"
    "                        env POINTS_STATS_SECONDS)\n"
    "  --disk-reserve-mb N   free space (MiB) the data directory's disk must keep: below it\n"
    "                        pointsd turns read-only instead of filling the disk; 0 = no\n"
    "                        check (default 256; env POINTS_DISK_RESERVE_MB)\n"
    "  --receipts-origin NAME  the name of the journal's Merkle tree in its signed checkpoints,\n"
    "                        fixed at the first start, when pointsd makes its Ed25519 key in\n"
    "                        DIR/receipts.key and prints the public key (default\n"
    "                        pointsd.local/ledger; env POINTS_RECEIPTS_ORIGIN)\n"
    "  --notice-seconds N    how long an approved award, or a project's payout from the\n"
    "                        micro-fund, stays on the notice board before the server posts it\n"
    "                        (default 259200 = 3 days; env POINTS_NOTICE_SECONDS)\n"
    "  --review-threshold N  awards of more points need a second person's approval; 0 = all do\n"
    "                        (default 0; env POINTS_REVIEW_THRESHOLD)\n"
    "  --metrics-listen HOST:PORT  serve Prometheus metrics on http://HOST:PORT/metrics; port 0\n"
    "                        picks a free one and prints it (default: none;\n"
    "                        env POINTS_METRICS_LISTEN)\n"
    "  --log-format FORMAT   text (default) or json: one JSON object per line on stderr\n"
    "                        (env POINTS_LOG_FORMAT)\n"
    "  --tls-cert FILE       serve gRPC (and HTTP) over TLS with this PEM certificate chain\n"
    "  --tls-key FILE        ... and its PEM private key (env POINTS_TLS_CERT, POINTS_TLS_KEY)\n"
    "  --tls-client-ca FILE  clients (shop terminals) may present a certificate; one this PEM CA\n"
    "                        did not sign is refused (env POINTS_TLS_CLIENT_CA)\n"
    "  --allow-plaintext     serve plaintext gRPC, HTTP and metrics on an address other\n"
    "                        machines can reach; without it pointsd refuses to start so (a\n"
    "                        network you trust, or a TLS proxy in front)\n"
    "  --rate-limit N[/BURST]  calls per second each principal may make, with bursts of BURST\n"
    "                        (default 100/200; BURST defaults to 2N; 0 = no limit;\n"
    "                        env POINTS_RATE_LIMIT); a call over it gets RESOURCE_EXHAUSTED\n"
    "  --http-listen HOST:PORT  also serve HTTP/1.1 for browsers and curl: the Connect\n"
    "                        protocol for every RPC (POST /points.v1.<Service>/<Method> with\n"
    "                        application/json or application/proto; GET for reads; streams as\n"
    "                        application/connect+json or +proto) and the web app's files; TLS\n"
    "                        and the plaintext rule as for gRPC; port 0 picks a free one and\n"
    "                        prints it (default: none; env POINTS_HTTP_LISTEN)\n"
    "  --web-root DIR        the web app's built files, served at / (index.html for paths of\n"
    "                        the app, names under assets/ cached for a year; env\n"
    "                        POINTS_WEB_ROOT)\n"
    "  --http-allow-origin ORIGIN  pages of ORIGIN (https://app.example.org) may call the API\n"
    "                        too (CORS); repeatable; none by default: only pointsd's own pages\n"
    "                        (env POINTS_HTTP_ALLOW_ORIGINS, comma-separated)\n"
    "  --http-read-seconds N  a request's headers and body must arrive within N seconds of its\n"
    "                        first byte, or the connection is closed (default 30;\n"
    "                        env POINTS_HTTP_READ_SECONDS)\n"
    "  --http-max-connections N  open HTTP connections; more are refused (default 512;\n"
    "                        env POINTS_HTTP_MAX_CONNECTIONS)\n"
    "  --demo                seed a demo village first (issuer 1, households 101-103,\n"
    "                        supermarket 201; and village 1 of the points supermarket: its\n"
    "                        town and grids, rules 1-6, households 1-3, shops 1 and 2, award\n"
    "                        9001); seeding again changes nothing\n"
    "  --help                this text\n"
    "\n"
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
    "(127.0.0.0/8, ::1, localhost) only, unless --allow-plaintext.\n";

void Usage(const std::string& error) {
  std::fprintf(stderr, "pointsd: %s\n\n%s", error.c_str(), kUsage);
  std::exit(2);
}

namespace {

int ParseInt(const std::string& flag, const std::string& text, int min, int max) {
  int value;
  if (!absl::SimpleAtoi(text, &value) || value < min || value > max) {
    Usage(absl::StrCat(flag, " must be a whole number from ", min, " to ", max, ", got '", text,
                       "'"));
  }
  return value;
}

// "scheme://host[:port]", as a browser sends it in Origin: no path, no trailing '/'.
std::string ParseOrigin(const std::string& flag, const std::string& text) {
  const size_t scheme_end = text.find("://");
  const bool ok = (text.rfind("http://", 0) == 0 || text.rfind("https://", 0) == 0) &&
                  text.size() > scheme_end + 3 &&
                  text.find('/', scheme_end + 3) == std::string::npos;
  if (!ok)
    Usage(
        absl::StrCat(flag, " must be an origin such as https://app.example.org, got '", text, "'"));
  return text;
}

RateLimit ParseRateLimitFlag(const std::string& flag, const std::string& text) {
  absl::StatusOr<RateLimit> limit = ParseRateLimit(text);
  if (!limit.ok()) Usage(absl::StrCat(flag, ": ", limit.status().message()));
  return *limit;
}

LogFormat ParseLogFormat(const std::string& flag, const std::string& text) {
  if (text == "text") return LogFormat::kText;
  if (text == "json") return LogFormat::kJson;
  Usage(absl::StrCat(flag, " must be text or json, got '", text, "'"));
}

}  // namespace

namespace {

// The POINTS_* environment variables, read before the flags (which override them).
void ReadEnvironment(Config& config) {
  if (const char* v = std::getenv("POINTS_LISTEN")) config.listen = v;
  if (const char* v = std::getenv("POINTS_DATA_DIR")) config.data_dir = v;
  if (const char* v = std::getenv("POINTS_RECEIPTS_ORIGIN")) config.receipts_origin = v;
  if (const char* v = std::getenv("POINTS_READER_THREADS")) {
    config.reader_threads = ParseInt("POINTS_READER_THREADS", v, 1, 64);
  }
  if (const char* v = std::getenv("POINTS_DRAIN_SECONDS")) {
    config.drain_seconds = ParseInt("POINTS_DRAIN_SECONDS", v, 0, 3600);
  }
  if (const char* v = std::getenv("POINTS_DISK_RESERVE_MB")) {
    config.disk_reserve_mb = ParseInt("POINTS_DISK_RESERVE_MB", v, 0, 1 << 20);
  }
  if (const char* v = std::getenv("POINTS_STATS_SECONDS")) {
    config.stats_seconds = ParseInt("POINTS_STATS_SECONDS", v, 0, 86400);
  }
  if (const char* v = std::getenv("POINTS_NOTICE_SECONDS")) {
    config.notice_seconds = ParseInt("POINTS_NOTICE_SECONDS", v, 1, 90 * 86400);
  }
  if (const char* v = std::getenv("POINTS_METRICS_LISTEN")) config.metrics_listen = v;
  if (const char* v = std::getenv("POINTS_TLS_CERT")) config.tls.cert_file = v;
  if (const char* v = std::getenv("POINTS_TLS_KEY")) config.tls.key_file = v;
  if (const char* v = std::getenv("POINTS_TLS_CLIENT_CA")) config.tls.client_ca_file = v;
  if (const char* v = std::getenv("POINTS_LOG_FORMAT")) {
    config.log_format = ParseLogFormat("POINTS_LOG_FORMAT", v);
  }
  if (const char* v = std::getenv("POINTS_REVIEW_THRESHOLD")) {
    config.review_threshold = ParseInt("POINTS_REVIEW_THRESHOLD", v, 0, 1'000'000);
  }
  if (const char* v = std::getenv("POINTS_RATE_LIMIT")) {
    config.rate_limit = ParseRateLimitFlag("POINTS_RATE_LIMIT", v);
  }
  if (const char* v = std::getenv("POINTS_HTTP_LISTEN")) config.http.listen = v;
  if (const char* v = std::getenv("POINTS_WEB_ROOT")) config.http.web_root = v;
  if (const char* v = std::getenv("POINTS_HTTP_ALLOW_ORIGINS")) {
    for (absl::string_view origin : absl::StrSplit(v, ',', absl::SkipEmpty())) {
      config.http.allow_origins.push_back(
          ParseOrigin("POINTS_HTTP_ALLOW_ORIGINS", std::string(origin)));
    }
  }
  if (const char* v = std::getenv("POINTS_HTTP_READ_SECONDS")) {
    config.http.read_seconds = ParseInt("POINTS_HTTP_READ_SECONDS", v, 1, 600);
  }
  if (const char* v = std::getenv("POINTS_HTTP_MAX_CONNECTIONS")) {
    config.http.connections_max = ParseInt("POINTS_HTTP_MAX_CONNECTIONS", v, 1, 65536);
  }
}

void ReadFlags(int argc, char** argv, Config& config) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--listen") {
      config.listen = value();
    } else if (arg == "--data-dir") {
      config.data_dir = value();
    } else if (arg == "--receipts-origin") {
      config.receipts_origin = value();
    } else if (arg == "--reader-threads") {
      config.reader_threads = ParseInt(arg, value(), 1, 64);
    } else if (arg == "--drain-seconds") {
      config.drain_seconds = ParseInt(arg, value(), 0, 3600);
    } else if (arg == "--demo") {
      config.demo = true;
    } else if (arg == "--stats-seconds") {
      config.stats_seconds = ParseInt(arg, value(), 0, 86400);
    } else if (arg == "--disk-reserve-mb") {
      config.disk_reserve_mb = ParseInt(arg, value(), 0, 1 << 20);
    } else if (arg == "--notice-seconds") {
      config.notice_seconds = ParseInt(arg, value(), 1, 90 * 86400);
    } else if (arg == "--metrics-listen") {
      config.metrics_listen = value();
    } else if (arg == "--tls-cert") {
      config.tls.cert_file = value();
    } else if (arg == "--tls-key") {
      config.tls.key_file = value();
    } else if (arg == "--tls-client-ca") {
      config.tls.client_ca_file = value();
    } else if (arg == "--allow-plaintext") {
      config.allow_plaintext = true;
    } else if (arg == "--log-format") {
      config.log_format = ParseLogFormat(arg, value());
    } else if (arg == "--rate-limit") {
      config.rate_limit = ParseRateLimitFlag(arg, value());
    } else if (arg == "--http-listen") {
      config.http.listen = value();
    } else if (arg == "--web-root") {
      config.http.web_root = value();
    } else if (arg == "--http-allow-origin") {
      config.http.allow_origins.push_back(ParseOrigin(arg, value()));
    } else if (arg == "--http-read-seconds") {
      config.http.read_seconds = ParseInt(arg, value(), 1, 600);
    } else if (arg == "--http-max-connections") {
      config.http.connections_max = ParseInt(arg, value(), 1, 65536);
    } else if (arg == "--review-threshold") {
      config.review_threshold = ParseInt(arg, value(), 0, 1'000'000);
    } else {
      Usage("unknown option " + arg);
    }
  }
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

}  // namespace

Config ParseConfig(int argc, char** argv) {
  Config config;
  ReadEnvironment(config);
  ReadFlags(argc, argv, config);
  CheckConfig(config);
  return config;
}

}  // namespace points::server
