// http_load: the same call over gRPC, Connect+proto and Connect+JSON against one running pointsd
// (--demo, --http-listen, --rate-limit 0), closed loop with `--inflight` calls outstanding, so the
// three read as ratios of each other.
//
//   http_load --grpc 127.0.0.1:50051 --http 127.0.0.1:8080 --data-dir DIR
//       --protocol grpc|connect-proto|connect-json|static --call read|write --inflight 64
//
// read: VillageService.GetHousehold of the demo's household 1, as committee-li; write: one
// CreateTransfers of a single transfer on the demo's raw ledger (issuer 1 to household 101, a
// fresh id each call), as the first admin; static: GET / from the web root (no token). HTTP/1.1
// has one call per connection at a time: `--inflight` connections. gRPC: `--inflight` calls over
// --channels channels. Prints one JSON line: calls/s, p50 and p99 latency, errors.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "points/v1/awards.pb.h"
#include "points/v1/ledger.pb.h"

namespace points::bench {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Flags {
  std::string grpc = "127.0.0.1:50051";
  std::string http = "127.0.0.1:8080";
  std::string data_dir = "./var/pointsd";
  std::string protocol = "grpc";
  std::string call = "read";
  int inflight = 64;
  int channels = 4;
  double seconds = 5;
  double warmup = 1;
};

[[noreturn]] void Usage(const std::string& error) {
  std::fprintf(stderr, "http_load: %s\nRun with --help for more information.\n", error.c_str());
  std::exit(2);
}

std::string ReadToken(const std::string& path) {
  std::ifstream file(path);
  std::string token;
  if (!file || !std::getline(file, token)) Usage("cannot read a token from " + path);
  return std::string(absl::StripAsciiWhitespace(token));
}

// The flags (CLI11: `http_load --help` is generated from them); a bad one exits 2 with the
// reason, --help exits 0.
Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  CLI::App app(
      "The same call over gRPC, Connect+proto and Connect+JSON against one pointsd, or "
      "its static index.html; one JSON line of calls/s and latencies",
      "http_load");
  app.add_option("--grpc", flags.grpc, "pointsd's gRPC address")->capture_default_str();
  app.add_option("--http", flags.http, "pointsd's HTTP address (--http-listen)")
      ->capture_default_str();
  app.add_option("--data-dir", flags.data_dir,
                 "pointsd's data directory: the demo's tokens are read from it")
      ->capture_default_str();
  app.add_option("--protocol", flags.protocol, "what carries the call")
      ->check(CLI::IsMember({"grpc", "connect-proto", "connect-json", "static"}))
      ->capture_default_str();
  app.add_option("--call", flags.call, "read: GetHousehold; write: one CreateTransfers transfer")
      ->check(CLI::IsMember({"read", "write"}))
      ->capture_default_str();
  app.add_option("--inflight", flags.inflight, "calls kept outstanding")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option(
         "--channels", flags.channels,
         "gRPC channels the calls are spread over (HTTP: one connection per call in flight)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--seconds", flags.seconds, "length of the measured window")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--warmup", flags.warmup, "seconds of calls before the window")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    std::exit(app.exit(error) == 0 ? 0 : 2);
  }
  return flags;
}

// Latencies of the measured window, and the calls and errors in it.
class Recorder {
 public:
  explicit Recorder(Clock::time_point start, Clock::time_point end) : start_(start), end_(end) {}
  // Records a call that began at `began`; false once the run is over (send no more).
  bool Done(Clock::time_point began, bool ok) {
    const Clock::time_point now = Clock::now();
    if (began >= start_ && now <= end_) {
      std::lock_guard<std::mutex> lock(mu_);
      latencies_us_.push_back(
          std::chrono::duration_cast<std::chrono::microseconds>(now - began).count());
      errors_ += ok ? 0 : 1;
    }
    return now < end_;
  }
  std::string Report(const Flags& flags, double seconds) {
    std::lock_guard<std::mutex> lock(mu_);
    std::sort(latencies_us_.begin(), latencies_us_.end());
    auto at = [&](double q) {
      return latencies_us_.empty() ? 0 : latencies_us_[size_t(q * (latencies_us_.size() - 1))];
    };
    return absl::StrFormat(
        R"({"protocol":"%s","call":"%s","inflight":%d,"calls_per_s":%.0f,"p50_us":%d,)"
        R"("p99_us":%d,"errors":%d})",
        flags.protocol, flags.call, flags.inflight, latencies_us_.size() / seconds, at(0.5),
        at(0.99), errors_);
  }

 private:
  const Clock::time_point start_, end_;
  std::mutex mu_;
  std::vector<int64_t> latencies_us_;
  int errors_ = 0;
};

// Each call's request, binary: a read is always the same; a write has a fresh transfer id.
class Requests {
 public:
  explicit Requests(const Flags& flags) : write_(flags.call == "write") {
    std::random_device random;
    run_ = (uint64_t(random()) << 32) | random();
    read_.set_village(1);
    read_.set_household(1);
  }
  bool write() const { return write_; }
  std::string Binary() {
    if (!write_) return read_.SerializeAsString();
    v1::CreateTransfersRequest request;
    v1::Transfer* t = request.add_transfers();
    t->set_id(Id(run_, ++sequence_));
    t->set_debit_account_id(Id(0, 1));
    t->set_credit_account_id(Id(0, 101));
    t->set_amount(1);
    t->set_ledger(1);
    t->set_code(10);
    return request.SerializeAsString();
  }
  std::string Json() {
    if (!write_) return R"({"village":1,"household":1})";
    return absl::StrCat(R"({"transfers":[{"id":")", absl::Base64Escape(Id(run_, ++sequence_)),
                        R"(","debitAccountId":"AAAAAAAAAAAAAAAAAAAAAQ==",)",
                        R"("creditAccountId":"AAAAAAAAAAAAAAAAAAAAZQ==","amount":"1",)",
                        R"("ledger":1,"code":10}]})");
  }
  const char* path() const {
    return write_ ? "/points.v1.LedgerService/CreateTransfers"
                  : "/points.v1.VillageService/GetHousehold";
  }

 private:
  static std::string Id(uint64_t high, uint64_t low) {
    std::string bytes(16, '\0');
    for (int i = 0; i < 8; ++i) {
      bytes[7 - i] = char(high >> (8 * i));
      bytes[15 - i] = char(low >> (8 * i));
    }
    return bytes;
  }
  const bool write_;
  uint64_t run_;
  std::atomic<uint64_t> sequence_{0};
  v1::GetHouseholdRequest read_;
};

// gRPC: each completion sends the next call, `inflight` times over.
class GrpcLoad {
 public:
  GrpcLoad(const Flags& flags, const std::string& token, Requests& requests, Recorder& recorder)
      : token_(token), requests_(requests), recorder_(recorder), left_(flags.inflight) {
    for (int i = 0; i < flags.channels; ++i) {
      grpc::ChannelArguments args;
      args.SetInt("grpc.channel_id", i);  // separate connections, as separate clients have
      stubs_.push_back(std::make_unique<grpc::GenericStub>(
          grpc::CreateCustomChannel(flags.grpc, grpc::InsecureChannelCredentials(), args)));
    }
    for (int i = 0; i < flags.inflight; ++i) Send(*stubs_[i % stubs_.size()]);
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [this] { return left_ == 0; });
  }

 private:
  struct Call {
    grpc::ClientContext context;
    grpc::ByteBuffer request, response;
    Clock::time_point began;
  };
  void Send(grpc::GenericStub& stub) {
    auto call = std::make_shared<Call>();
    call->context.AddMetadata("authorization", "Bearer " + token_);
    const std::string bytes = requests_.Binary();
    grpc::Slice slice(bytes);
    call->request = grpc::ByteBuffer(&slice, 1);
    call->began = Clock::now();
    stub.UnaryCall(&call->context, requests_.path(), grpc::StubOptions(), &call->request,
                   &call->response, [this, call, &stub](grpc::Status status) {
                     if (recorder_.Done(call->began, status.ok())) return Send(stub);
                     std::lock_guard<std::mutex> lock(mu_);
                     if (--left_ == 0) done_.notify_all();
                   });
  }

  const std::string token_;
  Requests& requests_;
  Recorder& recorder_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  std::mutex mu_;
  std::condition_variable done_;
  int left_;
};

// HTTP/1.1 keep-alive: one connection per call in flight, each sending its next request when
// the answer is in.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(net::io_context& io, const Flags& flags, const std::string& token,
                 Requests& requests, Recorder& recorder)
      : stream_(io), flags_(flags), token_(token), requests_(requests), recorder_(recorder) {}

  void Start(const tcp::endpoint& endpoint) {
    stream_.socket().connect(endpoint);
    stream_.socket().set_option(tcp::no_delay(true));
    Send();
  }

 private:
  void Send() {
    request_ = {};
    request_.version(11);
    request_.set(http::field::host, "127.0.0.1");
    if (flags_.protocol == "static") {
      request_.method(http::verb::get);
      request_.target("/");
    } else {
      const bool json = flags_.protocol == "connect-json";
      request_.method(http::verb::post);
      request_.target(requests_.path());
      request_.set(http::field::content_type, json ? "application/json" : "application/proto");
      request_.set(http::field::authorization, "Bearer " + token_);
      request_.set("Connect-Protocol-Version", "1");
      request_.body() = json ? requests_.Json() : requests_.Binary();
    }
    request_.prepare_payload();
    response_ = {};
    began_ = Clock::now();
    http::async_write(stream_, request_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Fail();
      http::async_read(
          self->stream_, self->buffer_, self->response_, [self](beast::error_code ec, size_t) {
            if (ec) return self->Fail();
            if (self->recorder_.Done(self->began_, self->response_.result_int() == 200)) {
              self->Send();
            }
          });
    });
  }
  void Fail() { recorder_.Done(began_, false); }

  beast::tcp_stream stream_;
  const Flags& flags_;
  const std::string& token_;
  Requests& requests_;
  Recorder& recorder_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  Clock::time_point began_;
};

tcp::endpoint EndpointOf(const std::string& address) {
  const size_t colon = address.rfind(':');
  return tcp::endpoint(net::ip::make_address(address.substr(0, colon)),
                       uint16_t(std::atoi(address.c_str() + colon + 1)));
}

int Run(const Flags& flags) {
  const bool write = flags.call == "write";
  const std::string token = ReadToken(write ? flags.data_dir + "/admin.token"
                                            : flags.data_dir + "/demo-tokens/committee-li");
  Requests requests(flags);
  const Clock::time_point start =
      Clock::now() + std::chrono::milliseconds(int64_t(flags.warmup * 1000));
  Recorder recorder(start, start + std::chrono::milliseconds(int64_t(flags.seconds * 1000)));
  if (flags.protocol == "grpc") {
    GrpcLoad load(flags, token, requests, recorder);
    load.Wait();
  } else {
    net::io_context io(1);
    const tcp::endpoint endpoint = EndpointOf(flags.http);
    for (int i = 0; i < flags.inflight; ++i) {
      std::make_shared<HttpConnection>(io, flags, token, requests, recorder)->Start(endpoint);
    }
    io.run();  // until every connection has sent its last call
  }
  std::printf("%s\n", recorder.Report(flags, flags.seconds).c_str());
  return 0;
}

}  // namespace
}  // namespace points::bench

int main(int argc, char** argv) {
  const points::bench::Flags flags = points::bench::ParseFlags(argc, argv);
  if (flags.protocol != "grpc" && flags.protocol != "connect-proto" &&
      flags.protocol != "connect-json" && flags.protocol != "static") {
    points::bench::Usage("--protocol must be grpc, connect-proto, connect-json or static");
  }
  if (flags.call != "read" && flags.call != "write") points::bench::Usage("--call read|write");
  return points::bench::Run(flags);
}
