// pointsd: the gRPC service in front of the ledger engine.
//
// Serves points.v1 (the ledger and the points supermarket), standard health checking
// (grpc.health.v1) and server reflection on one port, and HTTP beside it; the Server
// (server.h) is everything it is made of. This file is the binary: flags, the listening line,
// the signals. SIGTERM or SIGINT drains gracefully: stop accepting, finish the calls in flight,
// let the engine commit what it accepted, write its snapshot, exit 0.
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "boost/asio/signal_set.hpp"
#include "server/gate/call_guard.h"
#include "server/main/pointsd_config.h"
#include "server/main/server.h"
#include "server/main/verify_command.h"
#include "server/ops/log.h"

namespace points::server {
namespace {

// A failure that stops pointsd before it serves: logged, exit code 1.
int StartFailed(const absl::Status& status) {
  Log(LogLevel::kError, "start_failed", absl::StrCat("cannot ", status.message()),
      {{"status", status.ToString()}});
  return 1;
}

int Run(const Config& config) {
  SetLogFormat(config.log_format);
  InstallProtobufLogHandler();
  absl::StatusOr<std::unique_ptr<Server>> opened = Server::Open(config);
  if (!opened.ok()) return StartFailed(opened.status());
  Server& server = **opened;
  // Signals are caught from before the server starts listening: a SIGTERM that comes as soon
  // as the listening line is printed is queued for the drain below, not fatal.
  boost::asio::signal_set signals(server.io(), SIGINT, SIGTERM);
  if (absl::Status s = server.Start(); !s.ok()) return StartFailed(s);
  const std::string& metrics = server.metrics_address();
  const std::string& http = server.http_address();
  // The first stdout line says where pointsd listens (tests and scripts read the port from it).
  std::printf(
      "pointsd listening on %s, data in %s%s%s\n", server.address().c_str(),
      config.data_dir.c_str(),
      metrics.empty() ? "" : absl::StrCat(", metrics on http://", metrics, "/metrics").c_str(),
      http.empty() ? "" : absl::StrCat(", http on ", http).c_str());
  std::fflush(stdout);
  Log(LogLevel::kInfo, "listening", "listening",
      {{"address", server.address()},
       {"data_dir", config.data_dir},
       {"metrics", metrics},
       {"http", http}});
  signals.async_wait([&server](const boost::system::error_code& error, int signal) {
    if (error) return;
    Log(LogLevel::kInfo, "draining", absl::StrCat("signal ", signal, ": draining"),
        {{"signal", signal}});
    server.Drain();
  });
  server.Wait();
  opened->reset();  // the engine drains its submit queue, syncs and writes its snapshot
  Log(LogLevel::kInfo, "stopped", "stopped cleanly");
  return 0;
}

}  // namespace
}  // namespace points::server

int main(int argc, char** argv) {
  // Debian's Abseil is built with mutex deadlock detection on, which costs a graph update on
  // every lock: measurable on the hot path, and the engine's lock order is fixed by design.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const points::server::CommandLine line = points::server::ParseCommandLine(argc, argv);
  if (!line.verify_dir.empty()) return points::server::RunVerify(line.verify_dir);
  return points::server::Run(line.config);
}
