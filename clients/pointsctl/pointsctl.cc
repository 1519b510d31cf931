// pointsctl: the command line of the points ledger and the points supermarket. Every RPC of
// points.v1 is a subcommand; `pointsctl --help` and `pointsctl COMMAND --help` say how to use
// them. The commands live in pointsctl_*.cc, group by group; this file builds a CLI11 app from
// that command table (so the parser, the help and the bash completion cannot disagree about
// what a command takes), parses the command line with it and prints help.

#include <fstream>
#include <map>
#include <sstream>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "clients/pointsctl/pointsctl_cli.h"
#include "clients/pointsctl/pointsctl_completion.h"

namespace points::client {
namespace {

constexpr char kGlobalGroup[] = "Global flags (before or after the command)";
constexpr char kFlagsGroup[] = "Flags";
// The column where help texts start, after a flag's name and value.
constexpr size_t kHelpColumn = 28;

constexpr char kExitHelp[] =
    "Exit codes:\n"
    "  0  done: every event answered ok or exists, every id asked for was found\n"
    "  1  a call failed at the RPC level: server unreachable, deadline exceeded on every\n"
    "     attempt, or the request refused as a whole\n"
    "  2  usage error: unknown command or flag, a bad value, a file that cannot be read, a\n"
    "     malformed CSV line\n"
    "  3  the server answered but refused at least one event (a result other than ok or\n"
    "     exists), an id asked for was not found, or health is not SERVING\n";

constexpr char kDescription[] =
    "The command line of the points ledger and the points supermarket (points.v1, served by\n"
    "pointsd).\n";

constexpr char kOutputHelp[] =
    "Ids are UUID text, the 16 big-endian bytes in hex grouped 8-4-4-4-12\n"
    "(00000000-0000-0000-0000-00000000002a); a plain decimal integer (42) is accepted too.\n"
    "Ids are idempotency keys: running a create again with the same ids applies nothing twice;\n"
    "the server answers `exists`.\n"
    "\n"
    "Output is an aligned table by default. With --json it is JSON Lines: one object per line,\n"
    "one line per record or per event result. Field names are the proto's; ids are UUID\n"
    "strings, 64-bit numbers (balances, amounts, user_data_64, timestamps in nanoseconds) are\n"
    "decimal strings, as in protobuf's JSON mapping (JSON numbers lose precision above 2^53),\n"
    "32-bit numbers are numbers, flags are arrays of names. Errors go to stderr as text.\n"
    "\n"
    "Examples:\n"
    "  pointsctl accounts create --id 1 --id 2 --ledger 1 --code 10 \\\n"
    "      --flags debits_must_not_exceed_credits\n"
    "  pointsctl transfers create --id 100 --debit-account-id 1 --credit-account-id 2 \\\n"
    "      --amount 50 --ledger 1 --code 1\n"
    "  pointsctl accounts lookup 1 2\n"
    "  pointsctl --json history 2 --limit 10 --reverse\n"
    "  pointsctl transfers import awards.csv --batch 2000\n"
    "  source <(pointsctl completion bash)   # Tab completes commands and flags in bash\n";

// The app `pointsctl completion bash` describes; set before any command runs.
const CLI::App* app_for_completion = nullptr;

int RunCompletionBash(const Invocation&) {
  std::fputs(BashCompletion(*app_for_completion).c_str(), stdout);
  return kExitOk;
}

std::vector<Command> CompletionCommands() {
  return {{"completion",
           "bash",
           "",
           "print a bash completion script: source <(pointsctl completion bash)",
           "Prints a bash script that completes pointsctl's command groups, commands and flags\n"
           "(the command's own and the global ones) on Tab, and file names after a flag or for\n"
           "an argument that is a FILE. It is generated from the command table, so it knows\n"
           "every command of this pointsctl. Load it into the shell you are in:\n"
           "  source <(pointsctl completion bash)\n"
           "or for every shell, where bash-completion looks:\n"
           "  pointsctl completion bash > ~/.local/share/bash-completion/completions/pointsctl\n",
           {},
           RunCompletionBash}};
}

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = [] {
    std::vector<Command> all;
    for (std::vector<Command> (*group)() :
         {LedgerCommands, VillageCommands, TaskCommands, ShopCommands, BoardCommands,
          CommunityCommands, PrincipalCommands, AdminCommands, ReceiptCommands,
          CompletionCommands}) {
      std::vector<Command> part = group();
      all.insert(all.end(), std::make_move_iterator(part.begin()),
                 std::make_move_iterator(part.end()));
    }
    return all;
  }();
  return commands;
}

// --header NAME=VALUE as gRPC metadata. Checked here because gRPC refuses a bad key only when the
// call is made, with a message that does not name the flag. The name is lowercased: HTTP/2
// header names are lowercase, and a proxy matching x-points-shard sees it so either way.
std::pair<std::string, std::string> ParseHeader(const std::string& text) {
  const size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0) {
    Usage(absl::StrCat("--header must be NAME=VALUE, got '", text, "'"));
  }
  std::string name = absl::AsciiStrToLower(text.substr(0, equals));
  const std::string value = text.substr(equals + 1);
  if (!std::all_of(name.begin(), name.end(), [](char c) {
        return absl::ascii_isdigit(c) || absl::ascii_islower(c) || c == '-' || c == '_' || c == '.';
      })) {
    Usage(absl::StrCat("--header: the name '", name,
                       "' may hold only letters, digits, '-', '_' and '.'"));
  }
  if (absl::StartsWith(name, "grpc-")) {
    Usage(absl::StrCat("--header: names starting grpc- are gRPC's own, got '", name, "'"));
  }
  if (absl::EndsWith(name, "-bin")) {
    Usage(absl::StrCat("--header: names ending -bin carry binary values, got '", name, "'"));
  }
  if (!std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c < 0x7f; })) {
    Usage(absl::StrCat("--header: the value of ", name, " must be printable ASCII"));
  }
  return {std::move(name), value};
}

// The contents of a PEM file named by `flag`; a usage error when it cannot be read.
std::string ReadPemFlag(absl::string_view flag, const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  if (file) text << file.rdbuf();
  if (!file || text.str().find("-----BEGIN ") == std::string::npos) {
    Usage(absl::StrCat(flag, ": cannot read a PEM file at '", path, "'"));
  }
  return text.str();
}

// The token in a file (pointsctl principals create > FILE); a usage error when it is not one.
std::string ReadTokenFile(const std::string& path) {
  std::ifstream file(path);
  std::string token;
  if (!file || !std::getline(file, token)) {
    Usage(absl::StrCat("--token-file: cannot read '", path, "'"));
  }
  token = std::string(absl::StripAsciiWhitespace(token));
  if (token.empty()) Usage(absl::StrCat("--token-file: '", path, "' holds no token"));
  return token;
}

// The global flags as given. They are checked and their files read once the whole line is
// parsed, so that a bad value is named in pointsctl's words and --help wins over it.
struct GlobalFlags {
  std::string target = kDefaultTarget;
  bool json = false;
  std::string deadline_seconds;
  std::string attempts;
  std::vector<std::string> headers;
  std::string token_file;
  bool tls = false;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
};

// A flag that takes one value each time it is given: the last one counts, or with
// `repeatable` every one (never the words after it, which are the command's).
CLI::Option* OneValue(CLI::Option* option, absl::string_view value_name, bool repeatable) {
  return option->type_name(std::string(value_name))
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(repeatable ? CLI::MultiOptionPolicy::TakeAll
                                       : CLI::MultiOptionPolicy::TakeLast);
}

void AddGlobalFlags(CLI::App& app, GlobalFlags& flags) {
  auto value = [&](const char* name, std::string* text, const char* value_name, const char* help) {
    return OneValue(app.add_option(name, *text, help), value_name, false)->group(kGlobalGroup);
  };
  value("--target", &flags.target, "HOST:PORT",
        "the pointsd to talk to (default 127.0.0.1:50051;\nenv POINTS_TARGET)")
      ->envname("POINTS_TARGET");
  app.add_flag("--json", flags.json, "JSON Lines output, one object per line (`pointsctl --help`)")
      ->group(kGlobalGroup);
  value("--deadline-seconds", &flags.deadline_seconds, "S",
        "deadline of each attempt of a call, may be fractional\n(default 10)");
  value("--attempts", &flags.attempts, "N",
        "attempts per call: UNAVAILABLE and DEADLINE_EXCEEDED are\nretried with backoff, "
        "resending the same ids (default 5;\n1 = no retry)");
  OneValue(app.add_option("--header", flags.headers,
                          "gRPC metadata sent with every call, e.g.\nx-points-shard=2 for a "
                          "proxy that routes villages to shards\n(deploy/SCALING.md); repeatable"),
           "NAME=VALUE", true)
      ->group(kGlobalGroup);
  app.add_flag("--tls", flags.tls, "talk TLS, trusting the system's roots (pointsd --tls-cert)")
      ->group(kGlobalGroup);
  value("--tls-ca", &flags.tls_ca, "FILE",
        "talk TLS, trusting the PEM CA that signed pointsd's certificate");
  value("--tls-cert", &flags.tls_cert, "FILE",
        "present this PEM client certificate (a terminal pinned by\npointsd --tls-client-ca)");
  value("--tls-key", &flags.tls_key, "FILE", "... and its PEM private key");
  value("--token-file", &flags.token_file, "FILE",
        "the principal's token (server/AUTHZ.md), sent with every call;\nenv "
        "POINTS_TOKEN_FILE, or the token itself in POINTS_TOKEN\n(pointsd's first admin token "
        "is in its DATA_DIR/admin.token)")
      ->envname("POINTS_TOKEN_FILE");
}

// The global flags' values, checked; a usage error names the flag.
GlobalOptions ReadGlobalFlags(const GlobalFlags& flags) {
  GlobalOptions global;
  global.target = flags.target;
  if (global.target.empty()) Usage("--target must not be empty");
  global.json = flags.json;
  if (!flags.deadline_seconds.empty()) {
    double seconds = 0;
    if (!absl::SimpleAtod(flags.deadline_seconds, &seconds) || !(seconds > 0) || seconds > 3600) {
      Usage(absl::StrCat(
          "--deadline-seconds must be a number of seconds above 0 and at most 3600, got '",
          flags.deadline_seconds, "'"));
    }
    global.deadline = absl::Seconds(seconds);
  }
  if (!flags.attempts.empty()) {
    absl::StatusOr<uint64_t> attempts = ParseUnsigned(flags.attempts, 100);
    if (!attempts.ok() || *attempts == 0) {
      Usage(absl::StrCat("--attempts must be a whole number from 1 to 100, got '", flags.attempts,
                         "'"));
    }
    global.attempts = static_cast<int>(*attempts);
  }
  for (const std::string& header : flags.headers) global.headers.push_back(ParseHeader(header));
  if (!flags.token_file.empty()) {
    global.token = ReadTokenFile(flags.token_file);
  } else if (const char* token = std::getenv("POINTS_TOKEN"); token != nullptr) {
    global.token = token;
  }
  global.tls.enabled =
      flags.tls || !flags.tls_ca.empty() || !flags.tls_cert.empty() || !flags.tls_key.empty();
  if (!flags.tls_ca.empty()) global.tls.root_certs_pem = ReadPemFlag("--tls-ca", flags.tls_ca);
  if (!flags.tls_cert.empty()) {
    global.tls.client_cert_pem = ReadPemFlag("--tls-cert", flags.tls_cert);
  }
  if (!flags.tls_key.empty()) global.tls.client_key_pem = ReadPemFlag("--tls-key", flags.tls_key);
  if (flags.tls_cert.empty() != flags.tls_key.empty()) {
    Usage("--tls-cert and --tls-key go together");
  }
  return global;
}

// pointsctl's help, made from the app: the command table's texts and the flags CLI11 holds,
// laid out as pointsctl has always printed them.
class HelpFormatter : public CLI::Formatter {
 public:
  using CommandOf = std::map<const CLI::App*, const Command*>;

  explicit HelpFormatter(const CommandOf& commands) : commands_(commands) {
    column_width(kHelpColumn);
  }

  std::string make_help(const CLI::App* app, std::string, CLI::AppFormatMode) const override {
    const CLI::App* root = app;
    while (root->get_parent() != nullptr) root = root->get_parent();
    if (auto it = commands_.find(app); it != commands_.end()) {
      return CommandHelp(*app, *it->second, *root);
    }
    return app == root ? MainHelp(*root) : GroupHelp(*app);
  }

  // A name too long for the column is followed by two spaces, the text's later lines indented
  // to the column.
  std::string make_option(const CLI::Option* option, bool positional) const override {
    return Line(make_option_name(option, positional) + make_option_opts(option),
                absl::StrReplaceAll(make_option_desc(option),
                                    {{"\n", "\n" + std::string(kHelpColumn, ' ')}}),
                kHelpColumn);
  }

  // "--help, -h": the long name first, as pointsctl has always written it.
  std::string make_option_name(const CLI::Option* option, bool positional) const override {
    if (positional) return CLI::Formatter::make_option_name(option, positional);
    std::vector<std::string> names;
    for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
    for (const std::string& name : option->get_snames()) names.push_back("-" + name);
    return absl::StrJoin(names, ", ");
  }

  // Only the value's name: the help text says the default and the environment variable.
  std::string make_option_opts(const CLI::Option* option) const override {
    return option->get_items_expected_max() == 0 ? "" : " " + option->get_type_name();
  }

  // The command table indents a help text's later lines to the column itself; make_option
  // does, so the indentation is dropped here.
  std::string make_option_desc(const CLI::Option* option) const override {
    std::string text = option->get_description();
    for (size_t i = text.find('\n'); i != std::string::npos; i = text.find('\n', i + 1)) {
      const size_t end = text.find_first_not_of(' ', i + 1);
      text.erase(i + 1, (end == std::string::npos ? text.size() : end) - i - 1);
    }
    return text;
  }

 private:
  // A line of a list of commands: a name too long for the column is followed by two spaces.
  static std::string Line(const std::string& name, absl::string_view summary, size_t column) {
    std::string left = absl::StrCat("  ", name);
    left.resize(std::max(left.size() + 2, column), ' ');
    return absl::StrCat(left, summary, "\n");
  }

  std::string GlobalFlagsHelp(const CLI::App& root) const {
    return make_group(kGlobalGroup, false, root.get_options([](const CLI::Option* option) {
      return option->get_group() == kGlobalGroup;
    }));
  }

  std::string MainHelp(const CLI::App& root) const {
    std::string help = absl::StrCat("usage: pointsctl [GLOBAL FLAGS] COMMAND [FLAGS] [ARGS]\n\n",
                                    root.get_description(), "\nCommands:\n");
    for (const CLI::App* sub : root.get_subcommands({})) {
      if (auto it = commands_.find(sub); it != commands_.end()) {
        absl::StrAppend(&help, Line(CommandName(*it->second), it->second->summary, 22));
      }
      for (const CLI::App* leaf : sub->get_subcommands({})) {
        const Command& command = *commands_.at(leaf);
        absl::StrAppend(&help, Line(CommandName(command), command.summary, 22));
      }
    }
    absl::StrAppend(&help, "\n", root.get_footer(), GlobalFlagsHelp(root), "\n", kExitHelp);
    return help;
  }

  // `pointsctl accounts --help`: the group's commands.
  std::string GroupHelp(const CLI::App& group) const {
    std::string help = absl::StrCat("usage: pointsctl ", group.get_name(),
                                    " COMMAND [FLAGS] [ARGS]\n\nCommands:\n");
    for (const CLI::App* leaf : group.get_subcommands({})) {
      const Command& command = *commands_.at(leaf);
      absl::StrAppend(&help, Line(absl::StrCat(CommandName(command), " ", command.args_usage),
                                  command.summary, 30));
    }
    absl::StrAppend(&help, "\nRun `pointsctl ", group.get_name(),
                    " COMMAND --help` for its flags.\n");
    return help;
  }

  std::string CommandHelp(const CLI::App& app, const Command& command, const CLI::App& root) const {
    std::string help = absl::StrCat("usage: pointsctl ", CommandName(command), " [FLAGS]",
                                    command.args_usage.empty() ? "" : " ", command.args_usage,
                                    "\n\n", command.description);
    std::vector<const CLI::Option*> flags = app.get_options(
        [](const CLI::Option* option) { return option->get_group() == kFlagsGroup; });
    if (!flags.empty()) absl::StrAppend(&help, make_group(kFlagsGroup, false, flags));
    absl::StrAppend(&help, GlobalFlagsHelp(root), "\n", kExitHelp);
    return help;
  }

  const CommandOf& commands_;
};

void AddCommandFlags(CLI::App& app, const Command& command, std::vector<std::string>& args) {
  for (const FlagSpec& flag : command.flags) {
    const std::string name(flag.name);
    CLI::Option* option = flag.value_name.empty()
                              ? app.add_flag(name)
                              : OneValue(app.add_option(name), flag.value_name, flag.repeatable);
    option->description(absl::StrCat(flag.help, flag.repeatable ? " (repeatable)" : ""))
        ->group(kFlagsGroup);
  }
  // The command's arguments, as many as given: the command checks them. Named as its usage
  // names them (ID..., FILE), for the completion.
  app.add_option("args", args)->group("")->type_name(std::string(command.args_usage));
}

// The app: the global flags, and a subcommand for each group and command of the table.
void BuildApp(CLI::App& app, GlobalFlags& flags, std::vector<std::string>& args,
              HelpFormatter::CommandOf& commands) {
  // Set first: subcommands take these from their parent as they are made.
  app.formatter(std::make_shared<HelpFormatter>(commands));
  AddGlobalFlags(app, flags);
  app.set_help_flag("--help,-h", "help for pointsctl or for the command")->group(kGlobalGroup);
  // Global flags may come after the command (fallthrough); words that are no command or flag
  // are left for Main to name (allow_extras); one command per line.
  app.fallthrough()->allow_extras()->require_subcommand(0, 1);
  app.footer(kOutputHelp);
  std::map<std::string, CLI::App*, std::less<>> groups;
  for (const Command& command : Commands()) {
    CLI::App* parent = &app;
    if (!command.group.empty()) {
      CLI::App*& group = groups[std::string(command.group)];
      if (group == nullptr) group = app.add_subcommand(std::string(command.group));
      parent = group;
    }
    CLI::App* sub = parent->add_subcommand(std::string(command.name), std::string(command.summary));
    AddCommandFlags(*sub, command, args);
    commands[sub] = &command;
  }
}

// How far the line got: the group it names, and the command.
struct Selected {
  const CLI::App* group = nullptr;
  const CLI::App* app = nullptr;
  const Command* command = nullptr;
};

Selected Select(const CLI::App& root, const HelpFormatter::CommandOf& commands) {
  Selected selected;
  for (const CLI::App* app = &root; !app->get_subcommands().empty();) {
    app = app->get_subcommands().front();
    if (auto it = commands.find(app); it != commands.end()) {
      selected.app = app;
      selected.command = it->second;
      break;
    }
    selected.group = app;
  }
  return selected;
}

// Words the app could not place are an unknown command or flag: a usage error naming it.
void RefuseLeftovers(const CLI::App& root, const Selected& selected) {
  std::vector<std::string> left = root.remaining();
  for (const CLI::App* app : {selected.group, selected.app}) {
    if (app == nullptr) continue;
    const std::vector<std::string> more = app->remaining();
    left.insert(left.end(), more.begin(), more.end());
  }
  if (left.empty()) return;
  const std::string word = left.front().substr(0, left.front().find('='));
  const bool flag = absl::StartsWith(word, "-");
  const std::string group = selected.group != nullptr ? selected.group->get_name() : "";
  if (selected.command != nullptr) {
    Usage(flag ? absl::StrCat("unknown flag ", word, " for ", CommandName(*selected.command))
               : absl::StrCat("unexpected argument '", left.front(), "'"));
  }
  if (!group.empty()) {
    Usage(flag ? absl::StrCat("'", group, "' needs a command")
               : absl::StrCat("unknown command '", group, " ", word, "'"));
  }
  Usage(flag ? absl::StrCat("unknown global flag ", word)
             : absl::StrCat("unknown command '", word, "'"));
}

// The command's flags and arguments as the commands read them; global flags may be among them.
Invocation ReadInvocation(const CLI::App& app, const Command& command, GlobalOptions global,
                          std::vector<std::string> args) {
  Invocation in;
  in.global = std::move(global);
  in.args = std::move(args);
  for (const FlagSpec& flag : command.flags) {
    const CLI::Option* option = app.get_option(std::string(flag.name));
    if (option->count() == 0) continue;
    // A switch's value is empty; CLI11 keeps "true" for it.
    std::vector<std::string> values =
        flag.value_name.empty() ? std::vector<std::string>(option->count()) : option->results();
    if (values.size() > 1 && !flag.repeatable) Usage(absl::StrCat(flag.name, " given twice"));
    if (flag.value_name.empty() &&
        option->results() != std::vector<std::string>(values.size(), "true")) {
      Usage(absl::StrCat(flag.name, " takes no value"));
    }
    in.flags[std::string(flag.name)] = std::move(values);
  }
  return in;
}

// CLI11's message for a flag given without its value ("--id: 1 required ID missing"), in
// pointsctl's words; others as CLI11 words them, naming the flag.
std::string UsageMessage(const CLI::ParseError& error) {
  const std::string message = error.what();
  if (error.get_name() == "ArgumentMismatch" && absl::EndsWith(message, " missing")) {
    return absl::StrCat(message.substr(0, message.find(':')), " needs a value");
  }
  return message;
}

int Main(int argc, char** argv) {
  CLI::App app(kDescription, "pointsctl");
  GlobalFlags flags;
  std::vector<std::string> args;
  HelpFormatter::CommandOf commands;
  BuildApp(app, flags, args, commands);
  app_for_completion = &app;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    // Help wins over whatever else is wrong on the line: it is what the user is asking for.
    std::fputs(app.help().c_str(), stdout);
    return kExitOk;
  } catch (const CLI::ParseError& error) {
    current_command = Select(app, commands).command;
    Usage(UsageMessage(error));
  }
  const Selected selected = Select(app, commands);
  current_command = selected.command;
  RefuseLeftovers(app, selected);
  if (selected.command == nullptr) {
    Usage(selected.group == nullptr
              ? "no command given"
              : absl::StrCat("'", selected.group->get_name(), "' needs a command"));
  }
  GlobalOptions global = ReadGlobalFlags(flags);
  return selected.command->run(
      ReadInvocation(*selected.app, *selected.command, std::move(global), std::move(args)));
}

}  // namespace
}  // namespace points::client

int main(int argc, char** argv) { return points::client::Main(argc, argv); }
