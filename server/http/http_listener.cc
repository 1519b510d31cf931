#include "server/http/http_listener.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/context.hpp"
#include "server/http/http_session.h"
#include "server/ops/log.h"

namespace points::server::http {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// IO threads: HTTP parsing and JSON conversion; the services run on gRPC's and the worker pool.
// Each thread runs an io_context of its own and each connection lives on one of them, so a
// connection's handlers never run at the same time without a strand: a strand's queue and
// locks on every completion were about a tenth of the IO threads' time (perf, Connect reads).
constexpr unsigned kHttpThreadsMax = 4;
// TCP keepalive on every connection: a stream's client that vanished (a phone off the network)
// is found within about idle + interval * count seconds.
constexpr int kKeepaliveIdleSeconds = 60;
constexpr int kKeepaliveIntervalSeconds = 10;
constexpr int kKeepaliveProbes = 3;
// At most one "connections full" log line per this many seconds.
constexpr auto kFullLogInterval = std::chrono::seconds(60);
// After the grace, how long closed connections and calls in flight get to wind down.
constexpr auto kWindDown = std::chrono::seconds(5);

constexpr char kConnectionsFull[] =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 34\r\n"
    "Connection: close\r\n\r\ntoo many connections: retry later\n";

std::string PeerOf(const tcp::endpoint& endpoint) {
  const net::ip::address address = endpoint.address();
  return address.is_v6() && !address.to_v6().is_v4_mapped()
             ? absl::StrCat("ipv6:[", address.to_string(), "]:", endpoint.port())
             : absl::StrCat(
                   "ipv4:",
                   address.is_v6() ? address.to_v6().to_v4().to_string() : address.to_string(), ":",
                   endpoint.port());
}

void SetKeepalive(tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.set_option(net::socket_base::keep_alive(true), ignored);
  const int fd = socket.native_handle();
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &kKeepaliveIdleSeconds, sizeof(int));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &kKeepaliveIntervalSeconds, sizeof(int));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &kKeepaliveProbes, sizeof(int));
  socket.set_option(tcp::no_delay(true), ignored);
}

absl::StatusOr<std::unique_ptr<net::ssl::context>> TlsContext(const TlsFiles& files) {
  auto context = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
  boost::system::error_code ec;
  context->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                           net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                           net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use,
                       ec);
  if (!ec) context->use_certificate_chain_file(files.cert_file, ec);
  if (!ec) context->use_private_key_file(files.key_file, net::ssl::context::pem, ec);
  if (!ec && !files.client_ca_file.empty()) {
    // As for gRPC (tls.h): a client may present a certificate, and one the CA did not sign is
    // refused; a client without one is still served.
    context->load_verify_file(files.client_ca_file, ec);
    if (!ec) context->set_verify_mode(net::ssl::verify_peer, ec);
  }
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat("HTTP TLS from ", files.cert_file, " and ",
                                                   files.key_file, ": ", ec.message()));
  }
  return context;
}

absl::StatusOr<tcp::endpoint> EndpointOf(const std::string& listen) {
  const std::string host = HostOf(listen);
  int port = 0;
  if (!absl::SimpleAtoi(listen.substr(listen.rfind(':') + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--http-listen ", listen, ": bad port"));
  }
  boost::system::error_code ec;
  const net::ip::address address =
      net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http-listen ", listen, ": not an IP address (", ec.message(), ")"));
  }
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

}  // namespace

struct HttpListener::State {
  State(const HttpOptions& options, std::unique_ptr<net::ssl::context> tls,
        std::shared_ptr<grpc::Channel> channel, std::unique_ptr<StaticFiles> files,
        Metrics* metrics)
      : tls_context(std::move(tls)),
        routes(options, tls_context != nullptr, std::move(channel), std::move(files), metrics),
        registry(metrics),
        threads_wanted(std::clamp(std::thread::hardware_concurrency(), 1u, kHttpThreadsMax)),
        ios(MakeContexts(threads_wanted)),
        acceptor(*ios.front()) {
    for (const std::unique_ptr<net::io_context>& io : ios)
      work.push_back(net::make_work_guard(*io));
  }

  static std::vector<std::unique_ptr<net::io_context>> MakeContexts(unsigned count) {
    std::vector<std::unique_ptr<net::io_context>> contexts;
    for (unsigned i = 0; i < count; ++i) contexts.push_back(std::make_unique<net::io_context>(1));
    return contexts;
  }

  void Accept();
  void OnAccept(boost::system::error_code ec, tcp::socket socket);

  // Before the io_context: handlers it still holds when it is destroyed hold sessions, which
  // use these until they are gone.
  std::unique_ptr<net::ssl::context> tls_context;
  Routes routes;
  SessionRegistry registry;
  const unsigned threads_wanted;
  std::vector<std::unique_ptr<net::io_context>> ios;  // one per thread
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work;
  tcp::acceptor acceptor;  // on the first
  size_t next_io = 0;      // the next connection's, in turn
  std::vector<std::thread> threads;
  int port = 0;
  bool stopped = false;
  std::chrono::steady_clock::time_point full_logged;
};

void HttpListener::State::Accept() {
  net::io_context& io = *ios[next_io++ % ios.size()];
  acceptor.async_accept(io, [this](boost::system::error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void HttpListener::State::OnAccept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor.is_open()) return;  // the drain
  if (!ec) {
    if (registry.size() >= size_t(routes.options.connections_max)) {
      // Refused at once, with a word when it is plaintext (a TLS client gets only the close).
      boost::system::error_code ignored;
      if (tls_context == nullptr) {
        socket.non_blocking(true, ignored);
        socket.write_some(net::buffer(kConnectionsFull, sizeof kConnectionsFull - 1), ignored);
      }
      socket.close(ignored);
      routes.metrics->OnHttpResponse(Metrics::HttpRoute::kRefused, 503);
      const auto now = std::chrono::steady_clock::now();
      if (now - full_logged >= kFullLogInterval) {
        full_logged = now;
        Log(LogLevel::kWarning, "http_connections_full",
            "HTTP connections at --http-max-connections: new ones refused",
            {{"max", routes.options.connections_max}, {"protocol", "http"}});
      }
    } else {
      boost::system::error_code endpoint_error;
      const tcp::endpoint remote = socket.remote_endpoint(endpoint_error);
      if (!endpoint_error) {
        SetKeepalive(socket);
        MakeSession({&routes, &registry, tls_context.get()}, std::move(socket), PeerOf(remote))
            ->Start();
      }
    }
  }
  Accept();  // a failed accept (out of descriptors) does not stop the listener
}

HttpListener::HttpListener(std::unique_ptr<State> state) : state_(std::move(state)) {}

HttpListener::~HttpListener() { Stop(std::chrono::milliseconds(0)); }

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(
    const HttpOptions& options, const TlsFiles& tls, std::shared_ptr<grpc::Channel> channel,
    Metrics* metrics) {
  std::unique_ptr<net::ssl::context> tls_context;
  if (!tls.cert_file.empty()) {
    absl::StatusOr<std::unique_ptr<net::ssl::context>> context = TlsContext(tls);
    if (!context.ok()) return context.status();
    tls_context = *std::move(context);
  }
  std::unique_ptr<StaticFiles> files;
  if (!options.web_root.empty()) {
    absl::StatusOr<std::unique_ptr<StaticFiles>> opened = StaticFiles::Open(options.web_root);
    if (!opened.ok()) return opened.status();
    files = *std::move(opened);
  }
  absl::StatusOr<tcp::endpoint> endpoint = EndpointOf(options.listen);
  if (!endpoint.ok()) return endpoint.status();
  auto state = std::make_unique<State>(options, std::move(tls_context), std::move(channel),
                                       std::move(files), metrics);
  boost::system::error_code ec;
  state->acceptor.open(endpoint->protocol(), ec);
  if (!ec) state->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) state->acceptor.bind(*endpoint, ec);
  if (!ec) state->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for HTTP on ", options.listen, ": ", ec.message()));
  }
  state->port = state->acceptor.local_endpoint().port();
  state->Accept();
  for (const std::unique_ptr<net::io_context>& io : state->ios) {
    state->threads.emplace_back([io = io.get()] { io->run(); });
  }
  return std::unique_ptr<HttpListener>(new HttpListener(std::move(state)));
}

int HttpListener::port() const { return state_->port; }
bool HttpListener::tls() const { return state_->routes.tls; }

void HttpListener::BeginDrain() {
  if (state_->routes.draining.exchange(true)) return;
  net::post(state_->acceptor.get_executor(), [state = state_.get()] {
    boost::system::error_code ignored;
    state->acceptor.close(ignored);
  });
  state_->registry.ForEach([](Session& session) { session.Drain(); });
}

void HttpListener::Stop(std::chrono::milliseconds grace) {
  if (state_->stopped) return;
  state_->stopped = true;
  BeginDrain();
  const auto now = std::chrono::steady_clock::now();
  if (!state_->registry.WaitEmpty(now + grace)) {
    state_->registry.ForEach([](Session& session) { session.Close(); });
  }
  // Closed connections end their calls; each call's answer is posted here before it counts
  // down, so none is posted to a stopped io_context.
  const auto wind_down = std::chrono::steady_clock::now() + kWindDown;
  while (state_->routes.calls_in_flight > 0 && std::chrono::steady_clock::now() < wind_down) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  state_->registry.WaitEmpty(wind_down);
  state_->work.clear();
  if (state_->registry.size() > 0 || state_->routes.calls_in_flight > 0) {
    for (const std::unique_ptr<net::io_context>& io : state_->ios) io->stop();
  }
  for (std::thread& thread : state_->threads) thread.join();
  state_->threads.clear();
}

}  // namespace points::server::http
