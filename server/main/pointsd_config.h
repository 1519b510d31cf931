// pointsd's command line, parsed with CLI11: flags, their POINTS_* environment variables, the
// subcommand `pointsd verify`, and the help text made from them.
#ifndef POINTS_SERVER_MAIN_POINTSD_CONFIG_H_
#define POINTS_SERVER_MAIN_POINTSD_CONFIG_H_

#include <cstdint>
#include <string>

#include "server/gate/rate_limiter.h"
#include "server/gate/tls.h"
#include "server/http/http_options.h"
#include "server/ops/log.h"

namespace points::server {

inline constexpr int kWorkerThreadsDefault = 64;
inline constexpr int kWorkerThreadsMax = 256;

struct Config {
  std::string listen = "127.0.0.1:50051";
  std::string data_dir = "./var/pointsd";
  std::string receipts_origin =
      "pointsd.local/ledger";  // the checkpoints' key name, at first start
  // The pool every blocking call waits in (a read, a domain write waiting for its syncs): a
  // call waiting for a sync uses no CPU, and the store and the ledger group the syncs of calls
  // that wait together, so many threads, not one per core: with two, 64 baskets in flight made
  // two syncs at a time (issue 15).
  int worker_threads = kWorkerThreadsDefault;
  int drain_seconds = 10;
  int stats_seconds = 60;
  int disk_reserve_mb = 256;
  int notice_seconds = 3 * 86400;
  uint64_t review_threshold = 0;
  bool demo = false;
  std::string metrics_listen;  // empty: no metrics endpoint
  LogFormat log_format = LogFormat::kText;
  TlsFiles tls;                    // no certificate: plaintext
  bool allow_plaintext = false;    // plaintext beyond loopback
  RateLimit rate_limit{100, 200};  // per principal: calls per second, burst
  http::HttpOptions http;          // browsers and curl: Connect and the web app (server/http/)
};

// What the command line asks for: serving with `config`, or `pointsd verify --data-dir DIR`.
struct CommandLine {
  Config config;
  std::string verify_dir;  // empty: serve
};

// Prints `error` and the help on stderr and exits with code 2.
[[noreturn]] void Usage(const std::string& error);

// The flags, each over its environment variable when not given; --help prints the help and
// exits 0, a bad value exits through Usage.
CommandLine ParseCommandLine(int argc, char** argv);

}  // namespace points::server

#endif  // POINTS_SERVER_MAIN_POINTSD_CONFIG_H_
