// `pointsctl completion bash`: shell completion made from the CLI11 app pointsctl parses its
// command line with (pointsctl.cc builds it from the command table), so it completes exactly
// the command groups, commands and flags the parser takes.
#ifndef POINTS_CLIENTS_POINTSCTL_POINTSCTL_COMPLETION_H_
#define POINTS_CLIENTS_POINTSCTL_POINTSCTL_COMPLETION_H_

#include <string>

namespace CLI {
class App;
}  // namespace CLI

namespace points::client {

// A bash script defining the completion of `pointsctl` for `complete -F`.
std::string BashCompletion(const CLI::App& app);

}  // namespace points::client

#endif  // POINTS_CLIENTS_POINTSCTL_POINTSCTL_COMPLETION_H_
