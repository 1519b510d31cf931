// pointsctl: the command line of the points ledger and the points supermarket. Every RPC of
// points.v1 is a subcommand; `pointsctl --help` and `pointsctl COMMAND --help` say how to use
// them. The commands live in pointsctl_*.cc, group by group; this file parses the command line
// and prints help.

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "clients/pointsctl/pointsctl_cli.h"

namespace points::client {
namespace {

constexpr char kGlobalHelp[] =
    "Global flags (before or after the command):\n"
    "  --target HOST:PORT        the pointsd to talk to (default 127.0.0.1:50051;\n"
    "                            env POINTS_TARGET)\n"
    "  --json                    JSON Lines output, one object per line (`pointsctl --help`)\n"
    "  --deadline-seconds S      deadline of each attempt of a call, may be fractional\n"
    "                            (default 10)\n"
    "  --attempts N              attempts per call: UNAVAILABLE and DEADLINE_EXCEEDED are\n"
    "                            retried with backoff, resending the same ids (default 5;\n"
    "                            1 = no retry)\n"
    "  --header NAME=VALUE       gRPC metadata sent with every call, e.g.\n"
    "                            x-points-shard=2 for a proxy that routes villages to shards\n"
    "                            (deploy/SCALING.md); repeatable\n"
    "  --tls                     talk TLS, trusting the system's roots (pointsd --tls-cert)\n"
    "  --tls-ca FILE             talk TLS, trusting the PEM CA that signed pointsd's certificate\n"
    "  --tls-cert FILE, --tls-key FILE  present this PEM client certificate and key (a terminal\n"
    "                            pinned by pointsd --tls-client-ca)\n"
    "  --token-file FILE         the principal's token (server/AUTHZ.md), sent with every call;\n"
    "                            env POINTS_TOKEN_FILE, or the token itself in POINTS_TOKEN\n"
    "                            (pointsd's first admin token is in its DATA_DIR/admin.token)\n"
    "  --help, -h                help for pointsctl or for the command\n";

constexpr char kExitHelp[] =
    "Exit codes:\n"
    "  0  done: every event answered ok or exists, every id asked for was found\n"
    "  1  a call failed at the RPC level: server unreachable, deadline exceeded on every\n"
    "     attempt, or the request refused as a whole\n"
    "  2  usage error: unknown command or flag, a bad value, a file that cannot be read, a\n"
    "     malformed CSV line\n"
    "  3  the server answered but refused at least one event (a result other than ok or\n"
    "     exists), an id asked for was not found, or health is not SERVING\n";

constexpr char kMainHelp[] =
    "usage: pointsctl [GLOBAL FLAGS] COMMAND [FLAGS] [ARGS]\n"
    "\n"
    "The command line of the points ledger and the points supermarket (points.v1, served by\n"
    "pointsd).\n"
    "\n";

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
    "\n";

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = [] {
    std::vector<Command> all;
    for (std::vector<Command> (*group)() :
         {LedgerCommands, VillageCommands, TaskCommands, ShopCommands, BoardCommands,
          CommunityCommands, PrincipalCommands, AdminCommands, ReceiptCommands}) {
      std::vector<Command> part = group();
      all.insert(all.end(), std::make_move_iterator(part.begin()),
                 std::make_move_iterator(part.end()));
    }
    return all;
  }();
  return commands;
}

std::string CommandHelp(const Command& command) {
  std::string help = absl::StrCat("usage: pointsctl ", CommandName(command), " [FLAGS]",
                                  command.args_usage.empty() ? "" : " ", command.args_usage, "\n\n",
                                  command.description, "\n");
  if (!command.flags.empty()) {
    absl::StrAppend(&help, "Flags:\n");
    for (const FlagSpec& flag : command.flags) {
      std::string left = absl::StrCat("  ", flag.name);
      if (!flag.value_name.empty()) absl::StrAppend(&left, " ", flag.value_name);
      left.resize(std::max<size_t>(left.size() + 2, 28), ' ');
      absl::StrAppend(&help, left, flag.help, flag.repeatable ? " (repeatable)" : "", "\n");
    }
    absl::StrAppend(&help, "\n");
  }
  absl::StrAppend(&help, kGlobalHelp, "\n", kExitHelp);
  return help;
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

// Reads a global flag at argv[*i] into `global`; false if it is not one.
bool ParseGlobalFlag(int argc, char** argv, int* i, GlobalOptions* global) {
  absl::string_view arg = argv[*i];
  absl::string_view name = arg.substr(0, arg.find('='));
  auto value = [&]() -> std::string {
    if (name.size() < arg.size()) return std::string(arg.substr(name.size() + 1));
    if (*i + 1 >= argc) Usage(absl::StrCat(name, " needs a value"));
    return argv[++*i];
  };
  if (name == "--target") {
    global->target = value();
    if (global->target.empty()) Usage("--target must not be empty");
  } else if (name == "--json") {
    global->json = true;
  } else if (name == "--deadline-seconds") {
    const std::string text = value();
    double seconds = 0;
    if (!absl::SimpleAtod(text, &seconds) || !(seconds > 0) || seconds > 3600) {
      Usage(
          absl::StrCat("--deadline-seconds must be a number of seconds above 0 and at most "
                       "3600, got '",
                       text, "'"));
    }
    global->deadline = absl::Seconds(seconds);
  } else if (name == "--attempts") {
    const std::string text = value();
    absl::StatusOr<uint64_t> attempts = ParseUnsigned(text, 100);
    if (!attempts.ok() || *attempts == 0) {
      Usage(absl::StrCat("--attempts must be a whole number from 1 to 100, got '", text, "'"));
    }
    global->attempts = static_cast<int>(*attempts);
  } else if (name == "--header") {
    global->headers.push_back(ParseHeader(value()));
  } else if (name == "--token-file") {
    global->token = ReadTokenFile(value());
  } else if (name == "--tls") {
    global->tls.enabled = true;
  } else if (name == "--tls-ca") {
    global->tls.enabled = true;
    global->tls.root_certs_pem = ReadPemFlag(name, value());
  } else if (name == "--tls-cert") {
    global->tls.enabled = true;
    global->tls.client_cert_pem = ReadPemFlag(name, value());
  } else if (name == "--tls-key") {
    global->tls.enabled = true;
    global->tls.client_key_pem = ReadPemFlag(name, value());
  } else {
    return false;
  }
  return true;
}

bool IsHelp(absl::string_view arg) { return arg == "--help" || arg == "-h"; }

bool AnyHelp(int from, int argc, char** argv) {
  for (int i = from; i < argc; ++i) {
    if (IsHelp(argv[i])) return true;
  }
  return false;
}

// `pointsctl --help`, or for a group, `pointsctl accounts --help`.
void PrintHelp(const std::string& group) {
  if (group.empty()) {
    std::string commands = "Commands:\n";
    for (const Command& c : Commands()) {
      std::string name = absl::StrCat("  ", CommandName(c));
      name.resize(std::max<size_t>(name.size() + 2, 22), ' ');
      absl::StrAppend(&commands, name, c.summary, "\n");
    }
    std::printf("%s%s\n%s%s\n%s", kMainHelp, commands.c_str(), kOutputHelp, kGlobalHelp, kExitHelp);
    return;
  }
  std::string text =
      absl::StrCat("usage: pointsctl ", group, " COMMAND [FLAGS] [ARGS]\n\nCommands:\n");
  for (const Command& c : Commands()) {
    if (c.group != group) continue;
    std::string left = absl::StrCat("  ", CommandName(c), " ", c.args_usage);
    left.resize(std::max<size_t>(left.size() + 2, 30), ' ');
    absl::StrAppend(&text, left, c.summary, "\n");
  }
  absl::StrAppend(&text, "\nRun `pointsctl ", group, " COMMAND --help` for its flags.\n");
  std::fputs(text.c_str(), stdout);
}

// Reads the command's flags and arguments from argv[i..]; global flags may be among them.
Invocation ParseInvocation(const Command& command, int i, int argc, char** argv,
                           GlobalOptions global) {
  Invocation in;
  for (; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (!absl::StartsWith(arg, "--")) {
      in.args.emplace_back(arg);
      continue;
    }
    if (ParseGlobalFlag(argc, argv, &i, &global)) continue;
    const absl::string_view name = arg.substr(0, arg.find('='));
    auto spec = std::find_if(command.flags.begin(), command.flags.end(),
                             [&](const FlagSpec& f) { return f.name == name; });
    if (spec == command.flags.end()) {
      Usage(absl::StrCat("unknown flag ", name, " for ", CommandName(command)));
    }
    std::vector<std::string>& values = in.flags[std::string(name)];
    if (!values.empty() && !spec->repeatable) Usage(absl::StrCat(name, " given twice"));
    if (spec->value_name.empty()) {
      if (name.size() < arg.size()) Usage(absl::StrCat(name, " takes no value"));
      values.emplace_back();
    } else if (name.size() < arg.size()) {
      values.emplace_back(arg.substr(name.size() + 1));
    } else if (i + 1 < argc) {
      values.emplace_back(argv[++i]);
    } else {
      Usage(absl::StrCat(name, " needs a value"));
    }
  }
  if (global.tls.client_cert_pem.empty() != global.tls.client_key_pem.empty()) {
    Usage("--tls-cert and --tls-key go together");
  }
  in.global = std::move(global);
  return in;
}

int Main(int argc, char** argv) {
  GlobalOptions global;
  if (const char* target = std::getenv("POINTS_TARGET"); target != nullptr && *target != '\0') {
    global.target = target;
  }
  if (const char* token = std::getenv("POINTS_TOKEN"); token != nullptr && *token != '\0') {
    global.token = token;
  }
  if (const char* file = std::getenv("POINTS_TOKEN_FILE"); file != nullptr && *file != '\0') {
    global.token = ReadTokenFile(file);
  }
  // Global flags, then the command's one or two words.
  int i = 1;
  bool help = false;
  for (; i < argc && absl::StartsWith(argv[i], "-"); ++i) {
    if (IsHelp(argv[i])) {
      help = true;
    } else if (!ParseGlobalFlag(argc, argv, &i, &global)) {
      Usage(absl::StrCat("unknown global flag ", argv[i]));
    }
  }
  const Command* command = nullptr;
  std::string group;  // a group named without its command, as in `pointsctl accounts --help`
  if (i < argc) {
    const absl::string_view first = argv[i++];
    for (const Command& c : Commands()) {
      if (c.group.empty() && c.name == first) command = &c;
      if (!c.group.empty() && c.group == first) group = std::string(first);
    }
    if (command == nullptr && group.empty()) {
      Usage(absl::StrCat("unknown command '", first, "'"));
    }
    if (!group.empty() && i < argc && !absl::StartsWith(argv[i], "-")) {
      const absl::string_view second = argv[i++];
      for (const Command& c : Commands()) {
        if (c.group == group && c.name == second) command = &c;
      }
      if (command == nullptr) Usage(absl::StrCat("unknown command '", group, " ", second, "'"));
    }
  }
  // Help wins over whatever else is wrong on the line: it is what the user is asking for.
  help |= AnyHelp(i, argc, argv);
  if (command == nullptr) {
    if (!help) {
      Usage(group.empty() ? "no command given" : absl::StrCat("'", group, "' needs a command"));
    }
    PrintHelp(group);
    return kExitOk;
  }
  current_command = command;
  if (help) {
    std::fputs(CommandHelp(*command).c_str(), stdout);
    return kExitOk;
  }
  return command->run(ParseInvocation(*command, i, argc, argv, global));
}

}  // namespace
}  // namespace points::client

int main(int argc, char** argv) { return points::client::Main(argc, argv); }
