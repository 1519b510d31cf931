// One HTTP connection (plaintext or TLS), its IO and its limits; internal to server/http/.
#ifndef POINTS_SERVER_HTTP_HTTP_SESSION_H_
#define POINTS_SERVER_HTTP_HTTP_SESSION_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/context.hpp"
#include "server/http/http_routes.h"

namespace points::server::http {

// Headers: their bytes (the request line too) and their number.
inline constexpr uint32_t kHttpHeaderBytesMax = 16 << 10;
inline constexpr size_t kHttpHeaderCountMax = 64;
// A kept-alive connection with no request is closed after this.
inline constexpr std::chrono::seconds kHttpIdleTimeout{60};
// An answer (or one frame of a stream) the client does not take within this is dropped.
inline constexpr std::chrono::seconds kHttpWriteTimeout{30};

class Session {
 public:
  virtual ~Session() = default;
  virtual void Start() = 0;
  // From any thread: close if idle (a drain), or close now.
  virtual void Drain() = 0;
  virtual void Close() = 0;
};

// The connections of a listener: counted against the cap, and reachable for a drain.
class SessionRegistry {
 public:
  explicit SessionRegistry(Metrics* metrics) : metrics_(metrics) {}
  void Add(Session* session, std::weak_ptr<Session> weak);
  void Remove(Session* session);
  size_t size();
  // Calls `f` on each live session.
  template <typename F>
  void ForEach(F f) {
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [_, weak] : sessions_) {
        if (auto session = weak.lock()) live.push_back(std::move(session));
      }
    }
    for (auto& session : live) f(*session);
  }
  // Waits until no session is left, up to `deadline`; true when none is.
  bool WaitEmpty(std::chrono::steady_clock::time_point deadline);

 private:
  Metrics* const metrics_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
};

struct SessionContext {
  Routes* routes;
  SessionRegistry* registry;
  boost::asio::ssl::context* tls;  // null: plaintext
};

// A session for an accepted `socket` (on an io_context one thread runs), registered with the
// registry.
std::shared_ptr<Session> MakeSession(const SessionContext& context,
                                     boost::asio::ip::tcp::socket socket, std::string peer);

}  // namespace points::server::http

#endif  // POINTS_SERVER_HTTP_HTTP_SESSION_H_
