// service_load: closed-loop load on a running pointsd, with the ceiling of a trivial RPC (the
// standard health check) measured in the same run, so that results read as a ratio of it.
//
//   service_load --target 127.0.0.1:50051 --token-file DATA_DIR/admin.token
//       --inflight 64 --channels 4 --transfers-per-rpc 1
//
// It creates the accounts it needs (ids chosen at random per run, so it can run against any
// server), then keeps `--inflight` CreateTransfers calls outstanding across `--channels`
// channels for `--seconds`, each completion sending the next call. pointsd serves the raw
// ledger to an admin only (server/AUTHZ.md): every call carries the token of --token-file, the
// first admin's from pointsd's data directory, and pointsd must run with --rate-limit 0 (its
// default limit, per principal, is far below a load test's rate).
#include <algorithm>
#include <atomic>
#include <chrono>
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
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"
#include "points/v1/ledger.grpc.pb.h"

namespace points::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct Flags {
  std::string target = "127.0.0.1:50051";
  int inflight = 64;
  int channels = 4;
  int transfers_per_rpc = 1;
  double seconds = 10;
  int accounts = 10000;
  bool json = false;
  std::string token;  // from --token-file; empty: calls carry none
};

// The token in `path`'s first line (pointsd's admin.token, or `pointsctl principals create`'s
// output); a usage error when there is none.
std::string ReadTokenFile(const std::string& path) {
  std::ifstream file(path);
  std::string token;
  if (!file || !std::getline(file, token)) {
    throw CLI::ValidationError("--token-file", "cannot read '" + path + "'");
  }
  token = std::string(absl::StripAsciiWhitespace(token));
  if (token.empty()) throw CLI::ValidationError("--token-file", "'" + path + "' holds no token");
  return token;
}

// The flags (CLI11: `service_load --help` is generated from them); a bad one exits 2 with the
// reason, --help exits 0.
Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  CLI::App app(
      "Loads pointsd's CreateTransfers through the contract, after measuring the health-check "
      "ceiling of the same channels; the health checks carry the same token (pointsd does not "
      "check it there), so both phases put the same bytes on the wire",
      "service_load");
  app.add_option("--target", flags.target, "pointsd to load (HOST:PORT)")->capture_default_str();
  std::string token_file;
  app.add_option("--token-file", token_file,
                 "an admin's token, sent with every call as `authorization: Bearer` (the raw "
                 "ledger is an admin's, server/AUTHZ.md); pointsd's first admin token is in "
                 "DATA_DIR/admin.token. Run pointsd with --rate-limit 0: its default "
                 "per-principal limit refuses a load test's rate. Without it calls carry no "
                 "token (enough for null_ledger, refused UNAUTHENTICATED by pointsd)");
  app.add_option("--inflight", flags.inflight, "calls kept outstanding")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--channels", flags.channels, "gRPC channels they are spread over")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--transfers-per-rpc", flags.transfers_per_rpc,
                 "transfers in each CreateTransfers call")
      ->check(CLI::Range(1, 8189))
      ->capture_default_str();
  app.add_option("--seconds", flags.seconds, "length of each measured phase")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--accounts", flags.accounts, "accounts created for the run")
      ->check(CLI::Range(2, 1000000))
      ->capture_default_str();
  app.add_flag("--json", flags.json, "one JSON object instead of text");
  try {
    app.parse(argc, argv);
    if (!token_file.empty()) flags.token = ReadTokenFile(token_file);
  } catch (const CLI::ParseError& error) {
    std::exit(app.exit(error) == 0 ? 0 : 2);
  }
  return flags;
}

// The token on a call, as every principal sends it.
void AddToken(const Flags& flags, grpc::ClientContext* context) {
  if (!flags.token.empty()) context->AddMetadata("authorization", "Bearer " + flags.token);
}

// The first failed call's status, for the report: a count of errors alone does not say why.
class FirstError {
 public:
  void Note(const grpc::Status& status) {
    if (status.ok()) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (text_.empty()) {
      text_ = absl::StrFormat("code %d: %s", static_cast<int>(status.error_code()),
                              status.error_message());
    }
  }
  std::string text() {
    std::lock_guard<std::mutex> lock(mu_);
    return text_;
  }

 private:
  std::mutex mu_;
  std::string text_;
};

std::string IdBytes(uint64_t high, uint64_t low) {
  std::string bytes(16, '\0');
  for (int i = 7; i >= 0; --i, high >>= 8) bytes[i] = static_cast<char>(high & 0xff);
  for (int i = 15; i >= 8; --i, low >>= 8) bytes[i] = static_cast<char>(low & 0xff);
  return bytes;
}

struct PhaseResult {
  double rpcs_per_second = 0;
  double latency_us_p50 = 0;
  double latency_us_p99 = 0;
  double latency_us_p999 = 0;
  uint64_t rpcs = 0;
  uint64_t errors = 0;
  uint64_t refused_events = 0;  // results other than ok
};

double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  const size_t k = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[k];
}

// Keeps `inflight` calls outstanding for `seconds`: `start_call(slot, done)` issues one call and
// runs done(ok, refused_events) when it completes.
template <typename StartCall>
PhaseResult RunClosedLoop(const Flags& flags, StartCall start_call) {
  std::mutex mu;
  std::vector<double> latencies_us;
  std::atomic<bool> stop{false};
  std::atomic<int> outstanding{flags.inflight};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> refused{0};
  absl::Notification drained;
  std::function<void(int)> issue = [&](int slot) {
    const auto sent = SteadyClock::now();
    start_call(slot, [&, slot, sent](bool ok, uint64_t refused_events) {
      const double us =
          std::chrono::duration<double, std::micro>(SteadyClock::now() - sent).count();
      if (!ok) ++errors;
      refused += refused_events;
      {
        std::lock_guard<std::mutex> lock(mu);
        latencies_us.push_back(us);
      }
      if (stop.load()) {
        if (--outstanding == 0) drained.Notify();
      } else {
        issue(slot);
      }
    });
  };
  const auto start = SteadyClock::now();
  for (int slot = 0; slot < flags.inflight; ++slot) issue(slot);
  std::this_thread::sleep_for(std::chrono::duration<double>(flags.seconds));
  stop = true;
  drained.WaitForNotification();
  const double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  PhaseResult result;
  result.rpcs = latencies_us.size();
  result.rpcs_per_second = result.rpcs / elapsed;
  result.latency_us_p50 = Percentile(latencies_us, 0.50);
  result.latency_us_p99 = Percentile(latencies_us, 0.99);
  result.latency_us_p999 = Percentile(latencies_us, 0.999);
  result.errors = errors;
  result.refused_events = refused;
  return result;
}

int Run(const Flags& flags) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int c = 0; c < flags.channels; ++c) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", c);  // distinct arguments: distinct connections
    args.SetMaxReceiveMessageSize(4 << 20);
    channels.push_back(
        grpc::CreateCustomChannel(flags.target, grpc::InsecureChannelCredentials(), args));
  }
  std::vector<std::unique_ptr<v1::LedgerService::Stub>> stubs;
  std::vector<std::unique_ptr<grpc::GenericStub>> generic;
  for (auto& channel : channels) {
    stubs.push_back(v1::LedgerService::NewStub(channel));
    generic.push_back(std::make_unique<grpc::GenericStub>(channel));
  }

  // Accounts for this run: random high id half, so runs never collide.
  std::mt19937_64 random(std::random_device{}());
  const uint64_t run_id = random() | 1;
  for (int first = 0; first < flags.accounts; first += 8189) {
    v1::CreateAccountsRequest request;
    for (int n = first; n < std::min(flags.accounts, first + 8189); ++n) {
      v1::Account* a = request.add_accounts();
      a->set_id(IdBytes(run_id, n + 1));
      a->set_ledger(1);
      a->set_code(1);
    }
    v1::CreateAccountsResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    AddToken(flags, &context);
    grpc::Status status = stubs[0]->CreateAccounts(&context, request, &response);
    if (!status.ok()) {
      std::fprintf(stderr, "service_load: cannot create accounts on %s: %s\n", flags.target.c_str(),
                   status.error_message().c_str());
      if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
          status.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
        std::fprintf(stderr,
                     "service_load: pass an admin's token with --token-file "
                     "(pointsd's first is in DATA_DIR/admin.token)\n");
      }
      return 1;
    }
  }

  // Phase 1, the ceiling: the standard health check, an empty request, nothing behind it.
  // HealthCheckRequest{service: ""} encodes to zero bytes; a ByteBuffer needs one slice of them.
  grpc::Slice no_bytes("", 0);
  const grpc::ByteBuffer empty_request(&no_bytes, 1);
  FirstError first_error;
  PhaseResult ceiling = RunClosedLoop(flags, [&](int slot, auto done) {
    auto* context = new grpc::ClientContext();
    AddToken(flags, context);  // not checked on health, but the same bytes as the load's calls
    auto* response = new grpc::ByteBuffer();
    generic[slot % generic.size()]->UnaryCall(
        context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &empty_request, response,
        [context, response, done, &first_error](grpc::Status status) {
          first_error.Note(status);
          // Free first: the last done() lets the phase end.
          delete response;
          delete context;
          done(status.ok(), 0);
        });
  });

  // Phase 2: CreateTransfers, fresh ids every call.
  std::atomic<uint64_t> next_id{1};
  std::vector<std::mt19937_64> picks;
  for (int slot = 0; slot < flags.inflight; ++slot) picks.emplace_back(run_id + slot);
  PhaseResult load = RunClosedLoop(flags, [&](int slot, auto done) {
    struct Call {
      grpc::ClientContext context;
      v1::CreateTransfersRequest request;
      v1::CreateTransfersResponse response;
    };
    auto* call = new Call();
    AddToken(flags, &call->context);
    std::uniform_int_distribution<int> account(1, flags.accounts);
    for (int i = 0; i < flags.transfers_per_rpc; ++i) {
      v1::Transfer* t = call->request.add_transfers();
      t->set_id(IdBytes(run_id, next_id++));
      const int debit = account(picks[slot]);
      int credit = account(picks[slot]);
      if (credit == debit) credit = debit % flags.accounts + 1;
      t->set_debit_account_id(IdBytes(run_id, debit));
      t->set_credit_account_id(IdBytes(run_id, credit));
      t->set_amount(1);
      t->set_ledger(1);
      t->set_code(1);
    }
    stubs[slot % stubs.size()]->async()->CreateTransfers(
        &call->context, &call->request, &call->response,
        [call, done, &first_error](grpc::Status status) {
          first_error.Note(status);
          uint64_t refused = 0;
          for (const auto& r : call->response.results()) {
            if (r.result() != v1::CREATE_TRANSFER_RESULT_OK) ++refused;
          }
          delete call;  // first: the last done() lets the phase, and the program, end
          done(status.ok(), refused);
        });
  });

  const double transfers_per_second = load.rpcs_per_second * flags.transfers_per_rpc;
  const double ratio =
      ceiling.rpcs_per_second > 0 ? load.rpcs_per_second / ceiling.rpcs_per_second : 0;
  if (flags.json) {
    std::printf(
        "{\"target\":\"%s\",\"inflight\":%d,\"channels\":%d,\"transfers_per_rpc\":%d,"
        "\"seconds\":%.1f,\"rpcs_per_second\":%.0f,\"transfers_per_second\":%.0f,"
        "\"latency_us_p50\":%.0f,\"latency_us_p99\":%.0f,\"latency_us_p999\":%.0f,"
        "\"ceiling_rpcs_per_second\":%.0f,\"ceiling_latency_us_p50\":%.0f,"
        "\"ratio_to_ceiling\":%.3f,\"errors\":%llu,\"refused_events\":%llu}\n",
        flags.target.c_str(), flags.inflight, flags.channels, flags.transfers_per_rpc,
        flags.seconds, load.rpcs_per_second, transfers_per_second, load.latency_us_p50,
        load.latency_us_p99, load.latency_us_p999, ceiling.rpcs_per_second, ceiling.latency_us_p50,
        ratio, (unsigned long long)(load.errors + ceiling.errors),
        (unsigned long long)load.refused_events);
  } else {
    std::printf("ceiling:   %.0f health-check RPCs/s, p50 %.0f us\n", ceiling.rpcs_per_second,
                ceiling.latency_us_p50);
    std::printf("load:      %.0f RPCs/s = %.0f transfers/s (%.0f%% of the ceiling)\n",
                load.rpcs_per_second, transfers_per_second, 100 * ratio);
    std::printf("latency:   p50 %.0f us, p99 %.0f us, p999 %.0f us\n", load.latency_us_p50,
                load.latency_us_p99, load.latency_us_p999);
    std::printf("errors:    %llu RPC errors, %llu refused events\n",
                (unsigned long long)(load.errors + ceiling.errors),
                (unsigned long long)load.refused_events);
  }
  if (load.errors + ceiling.errors != 0) {
    std::fprintf(stderr, "service_load: first RPC error: %s\n", first_error.text().c_str());
  }
  return load.errors + ceiling.errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace points::bench

int main(int argc, char** argv) {
  return points::bench::Run(points::bench::ParseFlags(argc, argv));
}
