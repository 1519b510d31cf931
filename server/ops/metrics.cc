#include "server/ops/metrics.h"

#include <atomic>
#include <chrono>
#include <exception>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/descriptor.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "server/gate/caller.h"

namespace points::server {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// RPC latencies from 100 µs (a lookup) to 10 s (a client's deadline).
const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
// Syncs: a fast SSD's 50 µs to a failing disk's seconds.
const prometheus::Histogram::BucketBoundaries kSyncBuckets = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5};
// Group sizes in powers of two up to a full group (kGroupEventsMax, 65,512 events).
prometheus::Histogram::BucketBoundaries PowersOfTwo(double largest) {
  prometheus::Histogram::BucketBoundaries buckets;
  for (double b = 1; b <= largest; b *= 2) buckets.push_back(b);
  return buckets;
}

// The method label: the methods pointsd serves by their full name, anything else "other".
std::string MethodLabel(const std::string& method) {
  if (method == "/grpc.health.v1.Health/Check" || method == "/grpc.health.v1.Health/Watch") {
    return method;
  }
  // "/points.v1.LedgerService/CreateTransfers" -> "points.v1.LedgerService.CreateTransfers"
  if (method.size() < 4 || method[0] != '/') return "other";
  const std::string full_name = absl::StrReplaceAll(method.substr(1), {{"/", "."}});
  return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full_name) != nullptr
             ? method
             : "other";
}

std::string CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int n = static_cast<int>(code);
  return n >= 0 && n < 17 ? kNames[n] : absl::StrCat(n);
}

// The engine's figures, read at each scrape.
class EngineCollector : public prometheus::Collectable {
 public:
  explicit EngineCollector(const Engine* engine) : engine_(engine) {}

  std::vector<MetricFamily> Collect() const override {
    const EngineStats s = engine_->Stats();
    std::vector<MetricFamily> families;
    auto add = [&](const char* name, const char* help, MetricType type, double value) {
      MetricFamily family{name, help, type, {}};
      ClientMetric metric;
      (type == MetricType::Counter ? metric.counter.value : metric.gauge.value) = value;
      family.metric.push_back(metric);
      families.push_back(std::move(family));
    };
    const auto gauge = MetricType::Gauge;
    const auto counter = MetricType::Counter;
    add("points_write_serving", "1 while the engine takes writes, 0 once it is read-only", gauge,
        engine_->WriteHealth().ok() ? 1 : 0);
    add("points_engine_queue_depth", "submissions waiting for the writer", gauge,
        double(s.queue_depth));
    add("points_engine_accounts", "accounts in the ledger", gauge, double(s.accounts));
    add("points_engine_transfers", "transfers in the ledger", gauge, double(s.transfers));
    add("points_engine_pending_open", "pending transfers not yet posted or voided", gauge,
        double(s.pending_open));
    add("points_engine_journal_records", "records in the journal", gauge,
        double(s.journal_records));
    add("points_engine_journal_appended_bytes_total", "journal bytes written since start", counter,
        double(s.journal_bytes));
    add("points_engine_groups_committed_total", "group commits (syncs) since start", counter,
        double(s.groups_committed));
    add("points_engine_events_committed_total", "events in those groups", counter,
        double(s.events_committed));
    add("points_engine_apply_seconds_total", "writer time validating and applying", counter,
        double(s.apply_us_total) / 1e6);
    add("points_engine_write_seconds_total", "writer time hashing, writing and syncing", counter,
        double(s.write_us_total) / 1e6);
    add("points_engine_recovery_seconds", "how long the last start took to rebuild state", gauge,
        double(s.recovery_ms) / 1e3);
    add("points_store_sst_bytes", "RocksDB: table files of the journal store", gauge,
        double(s.store_sst_bytes));
    add("points_store_memtable_bytes", "RocksDB: memtables of the journal store", gauge,
        double(s.store_memtable_bytes));
    add("points_store_pending_compaction_bytes", "RocksDB: estimated bytes compaction owes", gauge,
        double(s.store_pending_compaction_bytes));
    add("points_store_running_compactions", "RocksDB: compactions running", gauge,
        double(s.store_running_compactions));
    add("points_store_background_errors", "RocksDB: background errors since open", gauge,
        double(s.store_background_errors));
    add("points_store_block_cache_bytes", "RocksDB: the journal's block cache in use", gauge,
        double(s.store_block_cache_bytes));
    add("points_store_write_stopped", "RocksDB: 1 while it stops writes for compaction to catch up",
        gauge, s.store_write_stopped ? 1 : 0);
    return families;
  }

 private:
  const Engine* engine_;
};

}  // namespace

struct Metrics::State {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& rpcs =
      prometheus::BuildCounter()
          .Name("points_rpc_requests_total")
          .Help("RPCs finished, by method and status code")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& denied =
      prometheus::BuildCounter()
          .Name("points_rpc_denied_total")
          .Help("calls refused by authentication, authorization or rate limit, by method and code")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& workflows_resumed =
      prometheus::BuildCounter()
          .Name("points_workflows_resumed_total")
          .Help("workflow steps a crash interrupted that the start resumed, by book")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& workflow_resume_errors =
      prometheus::BuildCounter()
          .Name("points_workflow_resume_errors_total")
          .Help("interrupted workflow steps the start could not resume (they stay interrupted)")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& rpc_latency =
      prometheus::BuildHistogram()
          .Name("points_rpc_latency_seconds")
          .Help("RPC latency from the call's start to its status, by method and status code")
          .Register(*registry);
  prometheus::Histogram& group_events = prometheus::BuildHistogram()
                                            .Name("points_engine_group_events")
                                            .Help("events per group commit")
                                            .Register(*registry)
                                            .Add({}, PowersOfTwo(65536));
  prometheus::Histogram& group_batches = prometheus::BuildHistogram()
                                             .Name("points_engine_group_batches")
                                             .Help("batches (requests) per group commit")
                                             .Register(*registry)
                                             .Add({}, PowersOfTwo(1024));
  prometheus::Histogram& sync_latency =
      prometheus::BuildHistogram()
          .Name("points_engine_sync_seconds")
          .Help("time to hash, write and sync one group to the journal")
          .Register(*registry)
          .Add({}, kSyncBuckets);
  prometheus::Family<prometheus::Counter>& http_responses =
      prometheus::BuildCounter()
          .Name("points_http_responses_total")
          .Help(
              "HTTP responses of the HTTP listener (--http-listen), by route (connect: the "
              "Connect protocol; static: the web app's files; refused: no route, e.g. malformed "
              "or too large) and status")
          .Register(*registry);
  prometheus::Gauge& http_connections = prometheus::BuildGauge()
                                            .Name("points_http_connections")
                                            .Help("open connections of the HTTP listener")
                                            .Register(*registry)
                                            .Add({});
  // The counter of each (route, status) seen: a call costs a load, not a family lookup.
  std::atomic<prometheus::Counter*> http_cells[kHttpRouteCount][kHttpStatusSpan] = {};
  std::shared_ptr<EngineCollector> engine;
  // The counter and histogram of each (method, code) seen, so that a call costs a lookup under a
  // reader lock instead of building labels and searching the families.
  struct RpcCells {
    prometheus::Counter* count;
    prometheus::Histogram* latency;
  };
  absl::Mutex cells_mu;
  absl::flat_hash_map<std::pair<std::string, int>, RpcCells> cells ABSL_GUARDED_BY(cells_mu);
  std::unique_ptr<prometheus::Exposer> exposer;
};

Metrics::Metrics() : state_(std::make_unique<State>()) {}
Metrics::~Metrics() { Stop(); }

void Metrics::OnGroupCommitted(const GroupCommitted& group) {
  state_->group_events.Observe(double(group.events));
  state_->group_batches.Observe(double(group.batches));
  state_->sync_latency.Observe(double(group.write_us) / 1e6);
}

void Metrics::OnDenied(const std::string& method, int code) {
  // Rare, and the label set is bounded by the methods and codes: Add finds the existing cell.
  state_->denied
      .Add({{"method", MethodLabel(method)},
            {"code", CodeName(static_cast<grpc::StatusCode>(code))}})
      .Increment();
}

void Metrics::OnWorkflowsResumed(const std::string& book, uint64_t resumed, uint64_t failed) {
  // Added even at 0, so that the series exist from the start and a rate or an alert sees them.
  state_->workflows_resumed.Add({{"book", book}}).Increment(double(resumed));
  state_->workflow_resume_errors.Add({{"book", book}}).Increment(double(failed));
}

void Metrics::OnRpcDone(const std::string& method, const char* protocol, grpc::StatusCode code,
                        double seconds) {
  // The protocol is one of two constant strings (caller.h): its first letter tells them apart.
  const int connect = protocol[0] == kProtocolConnect[0] ? 1 : 0;
  std::pair<std::string, int> key(method, static_cast<int>(code) * 2 + connect);
  State::RpcCells cells{nullptr, nullptr};
  {
    absl::ReaderMutexLock lock(&state_->cells_mu);
    const auto it = state_->cells.find(key);
    if (it != state_->cells.end()) cells = it->second;
  }
  if (cells.count == nullptr) {
    const std::map<std::string, std::string> labels = {
        {"method", MethodLabel(method)},
        {"code", CodeName(code)},
        {"protocol", connect ? kProtocolConnect : kProtocolGrpc}};
    cells = {&state_->rpcs.Add(labels), &state_->rpc_latency.Add(labels, kLatencyBuckets)};
    absl::MutexLock lock(&state_->cells_mu);
    // Unknown methods all share the "other" cells, but each name would be a key here: keep
    // only the methods pointsd serves, so a client cannot grow this map either.
    if (MethodLabel(method) != "other") state_->cells.emplace(std::move(key), cells);
  }
  cells.count->Increment();
  cells.latency->Observe(seconds);
}

void Metrics::OnHttpResponse(HttpRoute route, unsigned status) {
  if (status < kHttpStatusMin || status >= kHttpStatusMin + kHttpStatusSpan) status = 500;
  std::atomic<prometheus::Counter*>& cell =
      state_->http_cells[static_cast<int>(route)][status - kHttpStatusMin];
  prometheus::Counter* counter = cell.load(std::memory_order_acquire);
  if (counter == nullptr) {
    static constexpr const char* kRouteNames[kHttpRouteCount] = {"connect", "static", "refused"};
    counter = &state_->http_responses.Add(
        {{"route", kRouteNames[static_cast<int>(route)]}, {"status", std::to_string(status)}});
    cell.store(counter, std::memory_order_release);  // Add finds the same cell for a racer
  }
  counter->Increment();
}

void Metrics::OnHttpConnections(int delta) { state_->http_connections.Increment(delta); }

void Metrics::WatchEngine(const Engine* engine) {
  state_->engine = std::make_shared<EngineCollector>(engine);
}

absl::StatusOr<int> Metrics::Serve(const std::string& listen) {
  // prometheus-cpp's HTTP server (civetweb) reports a port it cannot bind by throwing; no
  // exception leaves this module.
  try {
    state_->exposer = std::make_unique<prometheus::Exposer>(listen, 1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", listen, ": ", e.what()));
  }
  state_->exposer->RegisterCollectable(state_->registry);
  if (state_->engine != nullptr) state_->exposer->RegisterCollectable(state_->engine);
  const std::vector<int> ports = state_->exposer->GetListeningPorts();
  if (ports.empty()) return absl::UnavailableError("metrics endpoint has no port");
  return ports.front();
}

void Metrics::Stop() { state_->exposer.reset(); }

namespace {

// Times one call from its creation to the status it sends (or to its end, when none is sent:
// a cancelled call).
class RpcTimer : public grpc::experimental::Interceptor {
 public:
  RpcTimer(Metrics* metrics, std::string method)
      : metrics_(metrics), method_(std::move(method)), started_(std::chrono::steady_clock::now()) {}
  ~RpcTimer() override {
    if (!reported_) Report(grpc::StatusCode::CANCELLED);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using Hook = grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(Hook::POST_RECV_INITIAL_METADATA)) {
      protocol_ = OriginOf(*methods->GetRecvInitialMetadata(), "").protocol;
    }
    if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_STATUS)) {
      Report(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void Report(grpc::StatusCode code) {
    reported_ = true;
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started_;
    metrics_->OnRpcDone(method_, protocol_, code, elapsed.count());
  }

  Metrics* metrics_;
  std::string method_;
  const char* protocol_ = kProtocolGrpc;  // or Connect, through the HTTP bridge
  std::chrono::steady_clock::time_point started_;
  bool reported_ = false;
};

class RpcTimerFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcTimerFactory(Metrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RpcTimer(metrics_, info->method() != nullptr ? info->method() : "");
  }

 private:
  Metrics* metrics_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
Metrics::InterceptorFactory() {
  return std::make_unique<RpcTimerFactory>(this);
}

}  // namespace points::server
