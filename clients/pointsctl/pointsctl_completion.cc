#include "clients/pointsctl/pointsctl_completion.h"

#include <algorithm>
#include <set>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace points::client {
namespace {

// The script's frame. Bash splits the line into COMP_WORDS (a flag's `=VALUE` and a
// HOST:PORT become words of their own, which are never a command, so they do no harm); the
// loop finds the command named so far, skipping flags and the values of flags that take one.
constexpr char kScript[] =
    R"(# bash completion for pointsctl, made by `pointsctl completion bash` from its command table.
# Load it with: source <(pointsctl completion bash)
_pointsctl() {
  local cur="${COMP_WORDS[COMP_CWORD]}" prev="" path="" word next i
  if ((COMP_CWORD > 1)); then prev="${COMP_WORDS[COMP_CWORD - 1]}"; fi
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="${COMP_WORDS[i]}"
    case "$word" in
      @VALUE_FLAGS@) ((i++)) ;;
      -*) ;;
      *)
        next="${path:+$path }$word"
        case "$next" in
          @COMMANDS@) path="$next" ;;
        esac
        ;;
    esac
  done
  case "$prev" in
    @FILE_FLAGS@)
      COMPREPLY=($(compgen -f -- "$cur"))
      return
      ;;
    @VALUE_FLAGS@)
      COMPREPLY=()
      return
      ;;
  esac
  local words="" files=""
  case "$path" in
@CASES@  esac
  if [[ -n "$files" && "$cur" != -* ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  fi
}
complete -F _pointsctl pointsctl
)";

// Every name of an app's flags: --long and -s.
std::vector<std::string> FlagNames(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* option : app.get_options()) {
    if (!option->nonpositional()) continue;
    for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
    for (const std::string& name : option->get_snames()) names.push_back("-" + name);
  }
  return names;
}

// A file is what follows a flag whose value is a FILE or a DIR.
bool TakesFile(absl::string_view value_name) {
  return absl::StrContains(value_name, "FILE") || absl::StrContains(value_name, "DIR");
}

struct Words {
  std::set<std::string> value_flags;  // flags that take a value, whose value is skipped
  std::set<std::string> file_flags;   // ... a file's name
  std::vector<std::string> commands;  // "accounts", "accounts create", "history"
  std::string cases;                  // the words for each command named so far
};

void AddFlags(const CLI::App& app, Words& words) {
  for (const CLI::Option* option : app.get_options()) {
    if (!option->nonpositional() || option->get_items_expected_max() == 0) continue;
    for (const std::string& name : option->get_lnames()) {
      words.value_flags.insert("--" + name);
      if (TakesFile(option->get_type_name())) words.file_flags.insert("--" + name);
    }
  }
}

// The words to offer after `path`, each once (a command's --help is also the global one).
void AddCase(const std::string& path, const std::vector<std::string>& choices, bool files,
             Words& words) {
  std::vector<std::string> once;
  for (const std::string& choice : choices) {
    if (std::find(once.begin(), once.end(), choice) == once.end()) once.push_back(choice);
  }
  absl::StrAppend(&words.cases, "    \"", path, "\") words=\"", absl::StrJoin(once, " "), "\"",
                  files ? " files=1" : "", " ;;\n");
}

// A command's words: its flags and the global ones; a file for an argument that is a FILE.
void AddCommand(const CLI::App& app, const std::string& path,
                const std::vector<std::string>& global, Words& words) {
  AddFlags(app, words);
  words.commands.push_back(path);
  std::vector<std::string> choices = FlagNames(app);
  choices.insert(choices.end(), global.begin(), global.end());
  bool files = false;
  for (const CLI::Option* option : app.get_options()) {
    files = files || (option->get_positional() && TakesFile(option->get_type_name()));
  }
  AddCase(path, choices, files, words);
}

std::string Alternatives(const std::set<std::string>& names) { return absl::StrJoin(names, "|"); }

}  // namespace

std::string BashCompletion(const CLI::App& root) {
  Words words;
  AddFlags(root, words);
  const std::vector<std::string> global = FlagNames(root);
  std::vector<std::string> top;
  for (const CLI::App* sub : root.get_subcommands({})) {
    top.push_back(sub->get_name());
    const std::vector<const CLI::App*> leaves = sub->get_subcommands({});
    if (leaves.empty()) {
      AddCommand(*sub, sub->get_name(), global, words);
      continue;
    }
    words.commands.push_back(sub->get_name());
    std::vector<std::string> names;
    for (const CLI::App* leaf : leaves) {
      names.push_back(leaf->get_name());
      AddCommand(*leaf, absl::StrCat(sub->get_name(), " ", leaf->get_name()), global, words);
    }
    names.push_back("--help");
    AddCase(sub->get_name(), names, false, words);
  }
  top.insert(top.end(), global.begin(), global.end());
  AddCase("", top, false, words);
  std::vector<std::string> quoted;
  for (const std::string& command : words.commands) quoted.push_back("\"" + command + "\"");
  return absl::StrReplaceAll(kScript, {{"@VALUE_FLAGS@", Alternatives(words.value_flags)},
                                       {"@FILE_FLAGS@", Alternatives(words.file_flags)},
                                       {"@COMMANDS@", absl::StrJoin(quoted, "|")},
                                       {"@CASES@", words.cases}});
}

}  // namespace points::client
