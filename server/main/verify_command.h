// `pointsd verify --data-dir DIR`: the offline check of a stopped server's data directory (or
// a backup), with a progress bar while the journal is walked.
#ifndef POINTS_SERVER_MAIN_VERIFY_COMMAND_H_
#define POINTS_SERVER_MAIN_VERIFY_COMMAND_H_

#include <string>

namespace points::server {

// Checks the data directory `dir` (pointsd_config.h reads it from the command line). Returns
// the exit code: 0 when everything checks out, 1 on any mismatch.
int RunVerify(const std::string& dir);

}  // namespace points::server

#endif  // POINTS_SERVER_MAIN_VERIFY_COMMAND_H_
