#include "server/http/http_session.h"

#include <limits>
#include <optional>
#include <type_traits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/dispatch.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/ssl.hpp"
#include "server/http/connect_protocol.h"
#include "server/http/first_paint.h"

namespace points::server::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using Route = Metrics::HttpRoute;

// Bytes asked of the socket at a time while waiting for a request, and while watching a
// streaming client for its going away.
constexpr size_t kReadChunkBytes = 4096;
// After an answer that closes the connection, what the client still sends is read and dropped
// for this long, so that closing does not reset the connection before it has read the answer.
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";

template <bool kTls>
class SessionImpl final : public Session, public std::enable_shared_from_this<SessionImpl<kTls>> {
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

 public:
  SessionImpl(const SessionContext& context, tcp::socket socket, std::string peer)
      : routes_(*context.routes),
        registry_(*context.registry),
        stream_(MakeStream(context, std::move(socket))),
        peer_(std::move(peer)) {}
  ~SessionImpl() override { registry_.Remove(this); }

  void Start() override {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->Begin(); });
  }
  void Drain() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->idle_) self->Shutdown();
    });
  }
  void Close() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->Shutdown(); });
  }

 private:
  static Stream MakeStream(const SessionContext& context, tcp::socket socket) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *context.tls);
    } else {
      return Stream(std::move(socket));
    }
  }
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }
  std::chrono::seconds ReadTimeout() const {
    return std::chrono::seconds(routes_.options.read_seconds);
  }

  void Begin() {
    if constexpr (kTls) {
      Lowest().expires_after(ReadTimeout());
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->Shutdown();
                                self->WaitForRequest();
                              });
    } else {
      WaitForRequest();
    }
  }

  // Waits for a request's first bytes (an idle connection closes after kHttpIdleTimeout), then
  // gives the whole request --http-read-seconds to arrive: a client sending a byte a second
  // is cut off.
  void WaitForRequest() {
    if (routes_.draining) return Shutdown();
    if (buffer_.size() > 0) return ReadHeader();  // pipelined
    idle_ = reading_ = true;
    Lowest().expires_after(kHttpIdleTimeout);
    stream_.async_read_some(buffer_.prepare(kReadChunkBytes),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              self->idle_ = self->reading_ = false;
                              if (ec) return self->Shutdown();
                              self->buffer_.commit(n);
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(kHttpHeaderBytesMax);
    // The body's limit is checked in OnHeader, where the answer can name the route; the
    // parser's own check is set there too, before the body is read. (Not boost::none: Beast
    // 1.74 compares a length with an empty limit as "over it".)
    parser_->body_limit(std::numeric_limits<uint64_t>::max());
    deadline_ = std::chrono::steady_clock::now() + ReadTimeout();
    Lowest().expires_at(deadline_);
    reading_ = true;
    beast_http::async_read_header(stream_, buffer_, *parser_,
                                  [self = this->shared_from_this()](beast::error_code ec, size_t) {
                                    self->reading_ = false;
                                    self->OnHeader(ec);
                                  });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    const Request& request = parser_->get();
    route_ = IsConnectTarget(request.target()) ? Route::kConnect : Route::kStatic;
    if (size_t(std::distance(request.begin(), request.end())) > kHttpHeaderCountMax) {
      return Refuse(431, absl::StrCat("more than ", kHttpHeaderCountMax, " header fields"));
    }
    if (parser_->content_length().value_or(0) > kHttpBodyBytesMax) {
      return Refuse(413, absl::StrCat("the request body exceeds ", kHttpBodyBytesMax,
                                      " bytes (4 MiB, as over gRPC)"));
    }
    parser_->body_limit(kHttpBodyBytesMax);  // a chunked body may still grow past it
    const bool expects_continue =
        absl::EqualsIgnoreCase(A(request[beast_http::field::expect]), "100-continue");
    if (expects_continue && !parser_->is_done()) {
      Lowest().expires_after(kHttpWriteTimeout);
      net::async_write(stream_, net::buffer(kContinue, sizeof kContinue - 1),
                       [self = this->shared_from_this()](beast::error_code ec, size_t) {
                         if (ec) return self->Shutdown();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return OnRequest({});
    Lowest().expires_at(deadline_);
    reading_ = true;
    beast_http::async_read(stream_, buffer_, *parser_,
                           [self = this->shared_from_this()](beast::error_code ec, size_t) {
                             self->reading_ = false;
                             self->OnRequest(ec);
                           });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == beast_http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::ssl::error::stream_truncated ||
        ec == net::error::operation_aborted) {
      return Shutdown();
    }
    if (ec == beast::error::timeout) {  // the socket is closed already: nothing can be said
      routes_.metrics->OnHttpResponse(Route::kRefused, 408);
      return Shutdown();
    }
    if (ec == beast_http::error::header_limit) {
      return Refuse(431,
                    absl::StrCat("the request's headers exceed ", kHttpHeaderBytesMax, " bytes"));
    }
    if (ec == beast_http::error::body_limit) {
      return Refuse(413, absl::StrCat("the request body exceeds ", kHttpBodyBytesMax,
                                      " bytes (4 MiB, as over gRPC)"));
    }
    Refuse(400, absl::StrCat("malformed HTTP request: ", ec.message()));
  }

  // Answers a request that goes no further, and closes the connection: in Connect's JSON when
  // it was meant for the API (as far as it was read), else as text. Counted as refused.
  void Refuse(unsigned status, absl::string_view text) {
    const bool connect = parser_ && IsConnectTarget(parser_->get().target());
    const unsigned version = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
    Response response =
        connect ? ConnectError(version, status,
                               status == 413 || status == 431 ? grpc::StatusCode::RESOURCE_EXHAUSTED
                                                              : grpc::StatusCode::INVALID_ARGUMENT,
                               text)
                : PlainAnswer(version, status, absl::StrCat(text, "\n"));
    response.keep_alive(false);
    route_ = Route::kRefused;
    Write(std::move(response));
  }

  void OnRequest(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    request_ = parser_->release();
    parser_.reset();
    if (route_ != Route::kConnect) {
      // A page may wait for its first paint's reads (first_paint.h); its answer comes posted.
      return PageAnswer(routes_, request_, peer_, [self = this->shared_from_this()](Response r) {
        net::post(self->stream_.get_executor(),
                  [self, r = std::move(r)]() mutable { self->Write(std::move(r)); });
      });
    }
    std::variant<Response, ConnectPlan> prepared = PrepareConnect(routes_, request_, peer_);
    if (Response* answer = std::get_if<Response>(&prepared)) return Write(std::move(*answer));
    plan_ = std::get<ConnectPlan>(std::move(prepared));
    if (plan_.method->server_streaming) return StartStream();
    ++routes_.calls_in_flight;
    routes_.bridge.Unary(
        *plan_.method, plan_.headers, std::move(plan_.request),
        [self = this->shared_from_this()](UnaryResult result) {
          net::post(self->stream_.get_executor(), [self, result = std::move(result)]() mutable {
            self->Write(UnaryAnswer(self->routes_, self->plan_, std::move(result)));
          });
          --self->routes_.calls_in_flight;
        });
  }

  void Write(Response response) {
    if (closed_) return;
    response_ = std::move(response);
    routes_.metrics->OnHttpResponse(route_, response_.result_int());
    const bool keep_alive = response_.keep_alive() && !routes_.draining;
    response_.keep_alive(keep_alive);
    Lowest().expires_after(kHttpWriteTimeout);
    beast_http::async_write(
        stream_, response_,
        [self = this->shared_from_this(), keep_alive](beast::error_code ec, size_t) {
          if (ec || !keep_alive) return self->Shutdown();
          self->WaitForRequest();
        });
  }

  // --- server streams: the head and each frame as a chunk, then the end-of-stream frame ---

  void StartStream() {
    ++routes_.calls_in_flight;
    auto self = this->shared_from_this();
    StreamHandlers handlers{.on_message =
                                [self](std::string message) {
                                  net::post(self->stream_.get_executor(),
                                            [self, message = std::move(message)]() mutable {
                                              self->OnStreamMessage(std::move(message));
                                            });
                                },
                            .on_done =
                                [self](grpc::Status status, HeaderList, std::string end_json) {
                                  net::post(self->stream_.get_executor(),
                                            [self, status = std::move(status),
                                             end_json = std::move(end_json)]() mutable {
                                              self->OnStreamDone(status, std::move(end_json));
                                            });
                                  --self->routes_.calls_in_flight;
                                }};
    call_ = routes_.bridge.Stream(*plan_.method, plan_.headers, std::move(plan_.request),
                                  std::move(handlers));
    Lowest().expires_never();  // the watch below waits as long as the stream lasts
    WatchPeer();
  }

  // A streaming client sends nothing more: a read that ends means it went away.
  void WatchPeer() {
    reading_ = true;
    stream_.async_read_some(net::buffer(watch_buffer_),
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              self->reading_ = false;
                              if (!ec) return self->WatchPeer();
                              self->peer_gone_ = true;
                              if (self->call_) self->call_->Cancel();
                            });
  }

  void OnStreamMessage(std::string message) {
    if (peer_gone_ || closed_) return call_->Stop();
    absl::StatusOr<std::string> encoded =
        routes_.bridge.EncodeResponse(*plan_.method, plan_.codec, std::move(message));
    if (!encoded.ok()) {
      encode_error_ = std::string(encoded.status().message());
      return call_->Stop();
    }
    frame_ = Envelope(0, *encoded);
    WriteFrame([self = this->shared_from_this()](bool ok) {
      if (ok) return self->call_->Next();
      self->peer_gone_ = true;
      self->call_->Stop();
    });
  }

  void OnStreamDone(const grpc::Status& status, std::string end_json) {
    call_.reset();
    if (peer_gone_ || closed_) return Shutdown();
    if (!encode_error_.empty()) {
      end_json = EndStreamJson(grpc::Status(grpc::StatusCode::INTERNAL, encode_error_), {});
    }
    (void)status;
    frame_ = Envelope(kEnvelopeEndStream, end_json);
    WriteFrame([self = this->shared_from_this()](bool ok) {
      if (!ok) return self->Shutdown();
      self->Lowest().expires_after(kHttpWriteTimeout);
      net::async_write(self->stream_, beast_http::make_chunk_last(),
                       [self](beast::error_code, size_t) { self->Shutdown(); });
    });
  }

  // Writes frame_ as a chunk, after the head when it is the first; `done(ok)`.
  template <typename Done>
  void WriteFrame(Done done) {
    auto self = this->shared_from_this();
    auto write_chunk = [self, done](beast::error_code ec, size_t) mutable {
      if (ec) return done(false);
      self->Lowest().expires_after(kHttpWriteTimeout);
      net::async_write(self->stream_, beast_http::make_chunk(net::buffer(self->frame_)),
                       [done](beast::error_code ec, size_t) mutable { done(!ec); });
    };
    if (head_) return write_chunk({}, 0);
    head_.emplace(StreamHead(routes_, plan_));
    head_serializer_.emplace(*head_);
    routes_.metrics->OnHttpResponse(Route::kConnect, 200);
    Lowest().expires_after(kHttpWriteTimeout);
    beast_http::async_write_header(stream_, *head_serializer_, std::move(write_chunk));
  }

  // Closes the connection: stops sending, drops what still comes for a moment, then closes.
  // With a read of ours in progress (a drain of an idle connection, a stream's watch), at once.
  void Shutdown() {
    if (closed_) return;
    closed_ = true;
    if (call_) call_->Cancel();
    beast::error_code ignored;
    if (reading_) {
      Lowest().socket().close(ignored);
      return;
    }
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Linger();
  }
  void Linger() {
    Lowest().expires_after(kLingerTimeout);
    Lowest().async_read_some(net::buffer(watch_buffer_),
                             [self = this->shared_from_this()](beast::error_code ec, size_t) {
                               if (!ec) return self->Linger();
                               beast::error_code ignored;
                               self->Lowest().socket().close(ignored);
                             });
  }

  Routes& routes_;
  SessionRegistry& registry_;
  Stream stream_;
  const std::string peer_;
  beast::flat_buffer buffer_;
  std::optional<beast_http::request_parser<beast_http::string_body>> parser_;
  std::chrono::steady_clock::time_point deadline_;
  Request request_;
  Response response_;
  Route route_ = Route::kRefused;
  ConnectPlan plan_;
  bool idle_ = false;     // waiting for a request's first bytes
  bool reading_ = false;  // a read of ours is in progress
  bool closed_ = false;
  // A stream in progress.
  std::shared_ptr<ServerStream> call_;
  std::optional<beast_http::response<beast_http::empty_body>> head_;
  std::optional<beast_http::response_serializer<beast_http::empty_body>> head_serializer_;
  std::string frame_;
  std::string encode_error_;
  bool peer_gone_ = false;
  char watch_buffer_[kReadChunkBytes];
};

}  // namespace

void SessionRegistry::Add(Session* session, std::weak_ptr<Session> weak) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    sessions_.emplace(session, std::move(weak));
  }
  metrics_->OnHttpConnections(+1);
}

void SessionRegistry::Remove(Session* session) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    sessions_.erase(session);
  }
  metrics_->OnHttpConnections(-1);
  changed_.notify_all();
}

size_t SessionRegistry::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

bool SessionRegistry::WaitEmpty(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_until(lock, deadline, [this] { return sessions_.empty(); });
}

std::shared_ptr<Session> MakeSession(const SessionContext& context, tcp::socket socket,
                                     std::string peer) {
  std::shared_ptr<Session> session;
  if (context.tls != nullptr) {
    session = std::make_shared<SessionImpl<true>>(context, std::move(socket), std::move(peer));
  } else {
    session = std::make_shared<SessionImpl<false>>(context, std::move(socket), std::move(peer));
  }
  context.registry->Add(session.get(), session);
  return session;
}

}  // namespace points::server::http
