#include "server/main/server.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/thread_pool.hpp"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "server/convert/wire_limits.h"
#include "server/gate/authz.h"
#include "server/gate/call_guard.h"
#include "server/gate/rate_limiter.h"
#include "server/gate/tls.h"
#include "server/gate/token_file.h"
#include "server/http/http_listener.h"
#include "server/main/books.h"
#include "server/main/demo_village.h"
#include "server/ops/log.h"
#include "server/ops/metrics.h"
#include "server/receipts/receipts_key.h"
#include "server/receipts/tree_keeper.h"
#include "server/services/admin_service.h"
#include "server/services/award_service.h"
#include "server/services/board_service.h"
#include "server/services/community_service.h"
#include "server/services/ledger_service.h"
#include "server/services/receipt_service.h"
#include "server/services/shop_service.h"
#include "server/services/task_service.h"
#include "server/services/watch.h"

namespace points::server {
namespace {

// After the gRPC drain, how long HTTP connections get to write their last answers.
constexpr std::chrono::milliseconds kHttpWindDown{2000};
// The health service name that says whether writes are taken: SERVING normally, NOT_SERVING
// once the engine has stopped taking writes (a failed sync, a full disk) while reads go on.
// The empty service name stays SERVING as long as pointsd answers at all.
constexpr char kWriteHealthService[] = "points.write";

absl::Status Failed(const std::string& what, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(what, ": ", status.message()));
}

void LogStats(const Engine& engine) {
  const EngineStats s = engine.Stats();
  const uint64_t events_per_group_x10 =
      s.groups_committed ? s.events_committed * 10 / s.groups_committed : 0;
  Log(LogLevel::kInfo, "stats", "engine statistics",
      {{"accounts", s.accounts},
       {"transfers", s.transfers},
       {"pending_open", s.pending_open},
       {"groups", s.groups_committed},
       {"events_per_group",
        absl::StrCat(events_per_group_x10 / 10, ".", events_per_group_x10 % 10)},
       {"queue_depth", s.queue_depth}});
}

// A once-a-second job on a Boost.Asio timer whose work waits for the ledger, so it runs on the
// worker pool; a tick is skipped while the previous run is still going.
struct PeriodicJob {
  explicit PeriodicJob(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
  std::atomic<bool> busy{false};
  std::function<void()> work;
};

void Schedule(PeriodicJob& job, boost::asio::thread_pool& workers) {
  job.timer.expires_after(std::chrono::seconds(1));
  job.timer.async_wait([&job, &workers](const boost::system::error_code& error) {
    if (error) return;  // cancelled at shutdown
    if (!job.busy.exchange(true)) {
      boost::asio::post(workers, [&job] {
        job.work();
        job.busy = false;
      });
    }
    Schedule(job, workers);
  });
}

void ScheduleStats(boost::asio::steady_timer& timer, const Engine& engine, int seconds) {
  timer.expires_after(std::chrono::seconds(seconds));
  timer.async_wait([&timer, &engine, seconds](const boost::system::error_code& error) {
    if (error) return;  // cancelled at shutdown
    LogStats(engine);
    ScheduleStats(timer, engine, seconds);
  });
}

// The workflow timer, with nobody pressing a button: posts the awards whose notice window has
// ended, pays the projects whose payout's notice ended, closes tasks whose deadline passed (their
// unclaimed slots lapse), and at a year end lets points lapse in villages with expiry.
void RunDueWorkflows(Books& books) {
  absl::StatusOr<size_t> posted = books.awards->PostDue();
  if (!posted.ok()) {
    Log(LogLevel::kWarning, "awards_post_failed",
        absl::StrCat("posting awards whose notice ended: ", posted.status().ToString()));
  } else if (*posted > 0) {
    Log(LogLevel::kInfo, "awards_posted", "posted awards whose notice ended",
        {{"awards", uint64_t{*posted}}});
  }
  absl::StatusOr<size_t> paid = books.proposals->PayDue();
  if (!paid.ok()) {
    Log(LogLevel::kWarning, "projects_pay_failed",
        absl::StrCat("paying projects whose payout's notice ended: ", paid.status().ToString()));
  } else if (*paid > 0) {
    Log(LogLevel::kInfo, "projects_paid", "paid projects from the micro-fund",
        {{"projects", uint64_t{*paid}}});
  }
  absl::StatusOr<size_t> closed = books.tasks->LapseDue();
  if (!closed.ok()) {
    Log(LogLevel::kWarning, "tasks_close_failed",
        absl::StrCat("closing tasks past their deadline: ", closed.status().ToString()));
  } else if (*closed > 0) {
    Log(LogLevel::kInfo, "tasks_closed", "closed tasks past their deadline",
        {{"tasks", uint64_t{*closed}}});
  }
  absl::StatusOr<domain::ExpiryRun> lapsed = books.expiry->RunDue();
  if (!lapsed.ok()) {
    Log(LogLevel::kWarning, "expiry_failed",
        absl::StrCat("points expiry: ", lapsed.status().ToString()));
  } else if (lapsed->year_ends > 0) {
    Log(LogLevel::kInfo, "points_lapsed", "year end: points lapsed",
        {{"points", lapsed->points}, {"households", lapsed->households}});
  }
}

// The expiry timer: voids, as journaled events, the pending transfers whose timeout passed.
void ExpirePending(Engine& engine) {
  absl::StatusOr<uint64_t> expired = engine.ExpirePendingTransfers();
  if (!expired.ok() && expired.status().code() != absl::StatusCode::kUnavailable) {
    Log(LogLevel::kWarning, "expiry_of_pending_failed",
        absl::StrCat("expiring pending transfers: ", expired.status().ToString()));
  }
}

// Reports a fail-stop on the health service once, when it happens.
void CheckWriteHealth(const Engine& engine, grpc::HealthCheckServiceInterface* health,
                      std::atomic<bool>& reported) {
  const absl::Status write_health = engine.WriteHealth();
  if (write_health.ok() || reported.exchange(true)) return;
  health->SetServingStatus(kWriteHealthService, false);
  Log(LogLevel::kError, "read_only",
      "READ-ONLY: the engine refuses writes until pointsd is restarted (mend the disk or free "
      "space first)",
      {{"status", write_health.ToString()}});
}

// The first start (or one after every county admin was revoked: the way back in for whoever
// holds the data directory): makes an admin for the whole county and writes its token
// to DIR/admin.token, readable by pointsd's user only; refuses to overwrite a file there.
absl::Status BootstrapAdmin(domain::PrincipalBook& principals, domain::AuditJournal& audit,
                            const std::string& data_dir) {
  const std::vector<domain::Principal> all = principals.List();
  std::set<std::string> taken;
  for (const domain::Principal& p : all) {
    taken.insert(p.name);
    const bool county_admin = p.role == domain::Role::kAdmin && p.scope.town == 0;
    if (county_admin && !p.revoked) return absl::OkStatus();
  }
  const std::string path = data_dir + "/admin.token";
  if (std::filesystem::exists(path)) {
    return absl::FailedPreconditionError(
        absl::StrCat("no principal exists yet, but ", path,
                     " does: a stale token from another store? Remove it and start again"));
  }
  // Names stay taken once used: after the county's admins were revoked, the next is admin-2, ...
  domain::Principal admin;
  admin.name = "admin";
  for (int n = 2; taken.contains(admin.name); ++n) admin.name = absl::StrCat("admin-", n);
  admin.role = domain::Role::kAdmin;  // scope town 0: the whole county
  admin.created_by = "bootstrap";
  absl::StatusOr<std::string> token = principals.Create(admin);
  if (!token.ok()) return token.status();
  if (absl::Status s = WriteTokenFile(path, *token); !s.ok()) {
    (void)principals.Revoke(admin.name);  // a token nobody holds must not stay live
    return s;
  }
  Log(LogLevel::kInfo, "bootstrap_admin",
      "no live county admin: made one; its token is in the file named here",
      {{"principal", admin.name}, {"token_file", path}});
  absl::StatusOr<domain::AuditEntry> entry =
      audit.Append("bootstrap", "pointsd", 0, "principal.create",
                   absl::StrCat("admin ", admin.name, " (the county)"));
  return entry.ok() ? absl::OkStatus() : entry.status();
}

uint64_t SteadyNanos() {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}

// "HOST:PORT" (or "[V6]:PORT") without its port, brackets kept, to print beside another port.
std::string HostPart(const std::string& listen) { return listen.substr(0, listen.rfind(':')); }

}  // namespace

// Declared in dependency order: each part uses only those above it, and they are destroyed
// bottom up. The worker pool comes after the services that post to it, so that it is joined
// (its last jobs finished) before any service or book goes.
struct Server::Parts {
  explicit Parts(const Config& c) : config(c) {}

  const Config config;
  std::shared_ptr<grpc::ServerCredentials> credentials;
  WatchHub watch_hub;                // hears the engine's commits: outlives it
  receipts::KeeperWake keeper_wake;  // likewise, for the Merkle tree's keeper
  Metrics metrics;                   // likewise; stopped before the engine goes
  std::unique_ptr<Engine> engine;
  std::unique_ptr<domain::DomainStore> store;
  std::unique_ptr<Books> books;
  std::unique_ptr<receipts::TreeKeeper> keeper;  // the Merkle tree over the journal
  std::unique_ptr<RateLimiter> limiter;
  std::unique_ptr<Gate> gate;
  // The pool every blocking call and timer job runs on (--worker-threads): reads, and the
  // domain's writes, which wait for the ledger's commit.
  boost::asio::thread_pool* workers = nullptr;  // owned by `worker_pool` below
  std::unique_ptr<LedgerService> ledger_service;
  std::unique_ptr<VillageService> village_service;
  std::unique_ptr<AwardService> award_service;
  std::unique_ptr<ShopService> shop_service;
  std::unique_ptr<TaskService> task_service;
  std::unique_ptr<AdminService> admin_service;
  std::unique_ptr<BoardService> board_service;
  std::unique_ptr<CommunityService> community_service;
  std::unique_ptr<ReceiptService> receipt_service;
  std::unique_ptr<boost::asio::thread_pool> worker_pool;
  boost::asio::io_context io;
  boost::asio::steady_timer stats_timer{io};
  PeriodicJob workflows{io};
  PeriodicJob timeouts{io};
  std::atomic<bool> read_only_reported{false};
  std::unique_ptr<grpc::Server> grpc_server;
  std::unique_ptr<http::HttpListener> http_listener;
  std::string address, http_address, metrics_address;

  absl::Status CheckListening();
  absl::Status OpenStores();
  absl::Status OpenTree();
  absl::Status OpenServices();
  absl::Status StartGrpc();
  absl::Status StartHttpAndMetrics();
};

absl::Status Server::Parts::CheckListening() {
  // Before the store is touched: plaintext stays on loopback unless the operator says otherwise
  // (the metrics endpoint is always plaintext HTTP), and the TLS files must be readable.
  absl::Status plaintext =
      config.tls.cert_file.empty()
          ? CheckPlaintextAllowed(config.listen, config.allow_plaintext, "gRPC")
          : absl::OkStatus();
  if (plaintext.ok() && !config.metrics_listen.empty()) {
    plaintext = CheckPlaintextAllowed(config.metrics_listen, config.allow_plaintext, "metrics");
  }
  if (plaintext.ok() && !config.http.listen.empty() && config.tls.cert_file.empty()) {
    plaintext = CheckPlaintextAllowed(config.http.listen, config.allow_plaintext, "HTTP");
  }
  if (!plaintext.ok()) return Failed("listen", plaintext);
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> made = ServerCredentialsFrom(config.tls);
  if (!made.ok()) return Failed("set up TLS", made.status());
  credentials = *std::move(made);
  return absl::OkStatus();
}

absl::Status Server::Parts::OpenStores() {
  Options options;
  options.on_commit = [this] {
    watch_hub.NotifyCommit();
    keeper_wake.Notify();
  };
  options.on_group_committed = [this](const GroupCommitted& group) {
    metrics.OnGroupCommitted(group);
  };
  // The workflow timer voids pending transfers whose timeout passed, every second; the
  // engine's own check while idle stays as a slow backstop.
  options.expiry_poll_interval_ms = 60'000;
  options.disk_reserve_bytes = uint64_t(config.disk_reserve_mb) << 20;
  absl::StatusOr<std::unique_ptr<Engine>> opened = Engine::Open(options, config.data_dir);
  if (!opened.ok()) return Failed(absl::StrCat("open ", config.data_dir), opened.status());
  engine = *std::move(opened);
  metrics.WatchEngine(engine.get());
  if (config.demo) {
    if (absl::Status s = SeedDemoVillage(*engine); !s.ok()) {
      return Failed("seed the demo village", s);
    }
  }
  absl::StatusOr<std::unique_ptr<domain::DomainStore>> domain_store =
      domain::DomainStore::Open(config.data_dir + "/domain");
  if (!domain_store.ok()) return Failed("open the domain store", domain_store.status());
  store = *std::move(domain_store);
  domain::AwardPolicy policy;
  policy.notice_window_ns = uint64_t{1'000'000'000} * config.notice_seconds;
  policy.review_threshold_points = config.review_threshold;
  absl::StatusOr<std::unique_ptr<Books>> opened_books =
      Books::Open(engine.get(), store.get(), policy);
  if (!opened_books.ok()) return opened_books.status();
  books = *std::move(opened_books);
  if (config.demo) {
    absl::Status s = SeedDemoSupermarket(*engine, books->org, books->rules, books->households,
                                         *books->awards, *books->shops);
    if (!s.ok()) return Failed("seed the demo supermarket", s);
  }
  if (absl::Status s = BootstrapAdmin(*books->principals, *books->audit, config.data_dir);
      !s.ok()) {
    return Failed("make the first admin", s);
  }
  if (config.demo) {
    absl::Status s = SeedDemoPrincipals(*books->principals, *books->audit, config.data_dir);
    if (!s.ok()) return Failed("make the demo's principals", s);
    s = SeedDemoCommunity(*books->fund, *books->proposals, *books->rounds, *SystemClock());
    if (!s.ok()) return Failed("seed the demo community", s);
  }
  return OpenTree();
}

// The Merkle tree over the journal (receipts/): its key made at the first start and its public
// key logged at every start, the tree brought up to the journal and a checkpoint signed before
// pointsd serves; the keeper's thread follows the commits from Start on.
absl::Status Server::Parts::OpenTree() {
  bool made = false;
  absl::StatusOr<receipts::Signer> signer =
      LoadOrMakeReceiptsKey(config.data_dir, config.receipts_origin, &made);
  if (!signer.ok()) return Failed("the receipts key", signer.status());
  Log(LogLevel::kInfo, "receipts_key",
      made ? "made the checkpoints' signing key; its public key is named here"
           : "the checkpoints' public key",
      {{"public_key", signer->verifier().Text()}, {"key_file", config.data_dir + "/receipts.key"}});
  absl::StatusOr<std::unique_ptr<receipts::TreeKeeper>> opened = receipts::TreeKeeper::Open(
      engine.get(), store.get(), *std::move(signer), SystemClock(), &keeper_wake);
  if (!opened.ok()) return Failed("open the Merkle tree", opened.status());
  keeper = *std::move(opened);
  if (absl::Status s = keeper->CatchUp(); !s.ok()) return Failed("build the Merkle tree", s);
  return absl::OkStatus();
}

absl::Status Server::Parts::OpenServices() {
  limiter = std::make_unique<RateLimiter>(config.rate_limit, SteadyNanos);
  Books& b = *books;
  ScopeFacts facts{
      .town_of_village = [&b](domain::VillageId village) -> absl::StatusOr<uint32_t> {
        absl::StatusOr<domain::Village> v = b.org.GetVillage(village);
        if (!v.ok()) return v.status();
        return v->town;
      },
      .grid_of_household = [&b](domain::VillageId village,
                                uint64_t household) -> absl::StatusOr<uint32_t> {
        absl::StatusOr<domain::Household> h = b.households.GetHousehold(village, household);
        if (!h.ok()) return h.status();
        return h->grid;
      },
      .shop_of_basket = [&b](domain::VillageId village, Id basket) -> absl::StatusOr<uint32_t> {
        absl::StatusOr<domain::Basket> found = b.shops->GetBasket(village, basket);
        if (!found.ok()) return found.status();
        return found->spec.shop;
      }};
  gate = std::make_unique<Gate>(b.principals.get(), limiter.get(), b.audit.get(), std::move(facts),
                                [this](Rpc rpc, absl::StatusCode code) {
                                  metrics.OnDenied(RuleOf(rpc).method, static_cast<int>(code));
                                });
  worker_pool = std::make_unique<boost::asio::thread_pool>(config.worker_threads);
  workers = worker_pool.get();
  ledger_service = std::make_unique<LedgerService>(gate.get(), engine.get(), workers, &watch_hub);
  village_service = std::make_unique<VillageService>(
      gate.get(), engine.get(), &b.org, b.awards.get(), &b.households, b.expiry.get(), workers);
  award_service = std::make_unique<AwardService>(gate.get(), b.awards.get(), &b.rules, workers);
  shop_service = std::make_unique<ShopService>(gate.get(), b.shops.get(), b.payments.get(),
                                               b.offline.get(), workers);
  task_service = std::make_unique<TaskService>(gate.get(), b.tasks.get(), workers,
                                               MakeProjectCheck(b.proposals.get()));
  admin_service =
      std::make_unique<AdminService>(gate.get(), engine.get(), store.get(),
                                     std::vector<std::string>{ReceiptsKeyPath(config.data_dir)},
                                     b.principals.get(), SystemClock(), workers);
  board_service = std::make_unique<BoardService>(gate.get(), b.disclosure.get(), b.ratings.get(),
                                                 &b.rules, SystemClock(), workers);
  community_service = std::make_unique<CommunityService>(
      gate.get(),
      CommunityBooks{engine.get(), b.fund.get(), b.proposals.get(), b.rounds.get(),
                     b.disclosure.get(), &b.households, b.shops.get()},
      SystemClock(), workers);
  receipt_service = std::make_unique<ReceiptService>(gate.get(), engine.get(), keeper.get(),
                                                     b.awards.get(), b.shops.get(), workers);
  return absl::OkStatus();
}

absl::Status Server::Parts::StartGrpc() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listen, credentials, &port);
  builder.SetMaxReceiveMessageSize(kMessageBytesMax);
  builder.SetMaxSendMessageSize(kMessageBytesMax);
  // Clients that keep a watch open ping every minute to find dead links (clients/): accept pings
  // that often, also without calls in flight, instead of answering GOAWAY "too_many_pings".
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             kKeepalivePingsMinMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  grpc::Service* const services[] = {
      ledger_service.get(), village_service.get(),   award_service.get(),
      shop_service.get(),   board_service.get(),     task_service.get(),
      admin_service.get(),  community_service.get(), receipt_service.get()};
  for (grpc::Service* service : services) builder.RegisterService(service);
  // The guard first (call_guard.h): the statuses the metrics see are the ones sent.
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> guards;
  guards.push_back(CallGuardFactory(gate.get()));
  if (!config.metrics_listen.empty()) {  // nobody reads RPC metrics without the endpoint
    guards.push_back(metrics.InterceptorFactory());
  }
  builder.experimental().SetInterceptorCreators(std::move(guards));
  grpc_server = builder.BuildAndStart();
  if (grpc_server == nullptr || port == 0) {
    return Failed(absl::StrCat("listen on ", config.listen),
                  absl::UnavailableError("address in use or not available"));
  }
  // Before anyone is told where pointsd listens: they may ask for points.write at once.
  grpc_server->GetHealthCheckService()->SetServingStatus(kWriteHealthService, true);
  address = absl::StrCat(HostPart(config.listen), ":", port);
  return absl::OkStatus();
}

absl::Status Server::Parts::StartHttpAndMetrics() {
  // Browsers and curl (server/http/): the Connect protocol and the web app's files, every call
  // through the in-process channel, so the interceptors and the gate see it as a gRPC call.
  if (!config.http.listen.empty()) {
    grpc::ChannelArguments channel_args;
    channel_args.SetMaxReceiveMessageSize(kMessageBytesMax);
    channel_args.SetMaxSendMessageSize(kMessageBytesMax);
    absl::StatusOr<std::unique_ptr<http::HttpListener>> started = http::HttpListener::Start(
        config.http, config.tls, grpc_server->InProcessChannel(channel_args), &metrics);
    if (!started.ok()) return Failed("serve HTTP", started.status());
    http_listener = *std::move(started);
    http_address = absl::StrCat(http_listener->tls() ? "https://" : "http://",
                                HostPart(config.http.listen), ":", http_listener->port());
  }
  if (!config.metrics_listen.empty()) {
    absl::StatusOr<int> metrics_port = metrics.Serve(config.metrics_listen);
    if (!metrics_port.ok()) return Failed("serve metrics", metrics_port.status());
    metrics_address = absl::StrCat(HostPart(config.metrics_listen), ":", *metrics_port);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Server>> Server::Open(const Config& config) {
  auto parts = std::make_unique<Parts>(config);
  absl::Status s = parts->CheckListening();
  if (s.ok()) s = parts->OpenStores();
  if (s.ok()) s = parts->OpenServices();
  if (!s.ok()) return s;
  parts->books->Resume(parts->metrics);
  return std::unique_ptr<Server>(new Server(std::move(parts)));
}

Server::Server(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Server::~Server() {
  if (parts_->grpc_server) parts_->grpc_server->Shutdown();
  if (parts_->http_listener) parts_->http_listener->Stop(kHttpWindDown);
  parts_->worker_pool->join();
  parts_->metrics.Stop();  // no scrape reads the engine past here
}

absl::Status Server::Start() {
  Parts& p = *parts_;
  absl::Status s = p.StartGrpc();
  if (s.ok()) s = p.StartHttpAndMetrics();
  if (!s.ok()) return s;
  if (p.config.stats_seconds > 0) ScheduleStats(p.stats_timer, *p.engine, p.config.stats_seconds);
  p.workflows.work = [&p] { RunDueWorkflows(*p.books); };
  grpc::HealthCheckServiceInterface* health = p.grpc_server->GetHealthCheckService();
  p.timeouts.work = [&p, health] {
    ExpirePending(*p.engine);
    CheckWriteHealth(*p.engine, health, p.read_only_reported);
  };
  Schedule(p.workflows, *p.workers);
  Schedule(p.timeouts, *p.workers);
  p.keeper->Start();
  return absl::OkStatus();
}

void Server::Drain() {
  Parts& p = *parts_;
  p.grpc_server->GetHealthCheckService()->Shutdown();
  if (p.http_listener) p.http_listener->BeginDrain();  // idle ones close, answers end keep-alive
  p.watch_hub.Shutdown();  // streams never end by themselves: end them, so the drain can
  // Stops accepting, then waits for calls in flight (cancelling those still running at the
  // deadline). Every write the engine accepted is committed before it is destroyed.
  p.grpc_server->Shutdown(std::chrono::system_clock::now() +
                          std::chrono::seconds(p.config.drain_seconds));
  p.stats_timer.cancel();
  p.workflows.timer.cancel();
  p.timeouts.timer.cancel();
}

void Server::Wait() {
  Parts& p = *parts_;
  p.io.run();
  p.grpc_server->Wait();
  if (p.http_listener) p.http_listener->Stop(kHttpWindDown);
  p.worker_pool->join();
  p.metrics.Stop();
  LogStats(*p.engine);
}

boost::asio::io_context& Server::io() { return parts_->io; }
const std::string& Server::address() const { return parts_->address; }
const std::string& Server::http_address() const { return parts_->http_address; }
const std::string& Server::metrics_address() const { return parts_->metrics_address; }

}  // namespace points::server
