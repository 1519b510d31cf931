// `pointsd verify --data-dir DIR`: the offline check of a stopped server's data directory (or
// a backup), with a progress bar while the journal is walked.
#ifndef POINTS_SERVER_MAIN_VERIFY_COMMAND_H_
#define POINTS_SERVER_MAIN_VERIFY_COMMAND_H_

namespace points::server {

// argv[1] is "verify". Returns the exit code: 0 when everything checks out, 1 on any mismatch.
int RunVerify(int argc, char** argv);

}  // namespace points::server

#endif  // POINTS_SERVER_MAIN_VERIFY_COMMAND_H_
