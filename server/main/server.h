// pointsd's composition root: everything the server is made of, owned in dependency order, so
// that destruction (the reverse) is right by construction: the listeners and services go
// before the gate, the gate before the books, the books before the domain store, the store
// before the engine (whose destructor drains the submit queue, syncs and writes its snapshot),
// and the engine before the watch hub and metrics that hear its commits.
//
//   Open   checks the listening addresses and TLS files, opens the engine and the domain store,
//          seeds the demo (--demo), opens the books (books.h), makes the first admin, resumes
//          interrupted workflows. Nothing listens yet.
//   Start  listens: gRPC, HTTP (--http-listen), metrics (--metrics-listen); starts the timers.
//   Drain  (from io(), e.g. a signal handler): health NOT_SERVING, idle HTTP connections close,
//          watches end, gRPC stops accepting and waits for calls in flight up to
//          --drain-seconds; the timers stop.
//   Wait   runs the timers on the calling thread until drained, then stops what is left.
//
// Model: TensorFlow Serving's model_servers/server.h.
#ifndef POINTS_SERVER_MAIN_SERVER_H_
#define POINTS_SERVER_MAIN_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "boost/asio/io_context.hpp"
#include "server/main/pointsd_config.h"

namespace points::server {

class Server {
 public:
  static absl::StatusOr<std::unique_ptr<Server>> Open(const Config& config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  absl::Status Start();
  void Drain();
  void Wait();

  // The timers' and signals' loop: Wait runs it.
  boost::asio::io_context& io();
  // After Start: where each door listens ("127.0.0.1:50051"; HTTP with its scheme; empty when
  // not served).
  const std::string& address() const;
  const std::string& http_address() const;
  const std::string& metrics_address() const;

  struct Parts;  // server.cc

 private:
  explicit Server(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace points::server

#endif  // POINTS_SERVER_MAIN_SERVER_H_
