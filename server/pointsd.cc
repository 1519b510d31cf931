// pointsd: the gRPC service in front of the ledger engine.
//
// Serves points.v1.LedgerService (and the points supermarket's VillageService, AwardService and
// ShopService), standard health checking (grpc.health.v1) and server reflection on one port.
// Boost.Asio runs the signals and the timers: stats, the expiry of pending transfers and the
// posting of awards whose notice ended. SIGTERM or SIGINT drains gracefully: stop accepting,
// finish the calls in flight, let the engine commit what it accepted, write its snapshot, exit 0.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "admin_service.h"
#include "audit_journal.h"
#include "authz.h"
#include "award_book.h"
#include "award_service.h"
#include "board_service.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/signal_set.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/thread_pool.hpp"
#include "call_guard.h"
#include "community_service.h"
#include "demo_village.h"
#include "expiry_book.h"
#include "fund_book.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "http/http_listener.h"
#include "ledger_service.h"
#include "log.h"
#include "metrics.h"
#include "payment_book.h"
#include "points/engine.h"
#include "pointsd_config.h"
#include "principal_book.h"
#include "proposal_book.h"
#include "rate_limiter.h"
#include "rating_round_book.h"
#include "shop_book.h"
#include "shop_service.h"
#include "task_book.h"
#include "task_service.h"
#include "tls.h"
#include "token_file.h"
#include "verify_command.h"

namespace points::server {
namespace {

// The largest request or response: 8189 transfers of about 200 bytes of protobuf each, with room.
constexpr int kMessageBytesMax = 4 << 20;
// The shortest interval between client keepalive pings pointsd accepts.
constexpr int kKeepalivePingsMinMs = 30'000;
// After the gRPC drain, how long HTTP connections get to write their last answers.
constexpr std::chrono::milliseconds kHttpWindDown{2000};

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

// A failure that stops pointsd before it serves: logged, exit code 1.
int StartFailed(const std::string& what, const absl::Status& status) {
  Log(LogLevel::kError, "start_failed", absl::StrCat("cannot ", what),
      {{"status", status.ToString()}});
  return 1;
}

// A once-a-second job on a Boost.Asio timer whose work waits for the ledger, so it runs on the
// worker pool; a tick is skipped while the previous run is still going.
struct PeriodicJob {
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

// The workflow timer, with nobody pressing a button: posts the awards whose notice window has
// ended, pays the projects whose payout's notice ended, closes tasks whose deadline passed (their
// unclaimed slots lapse), and at a year end lets points lapse in villages with expiry.
void RunDueWorkflows(domain::AwardBook& awards, domain::ProposalBook& proposals,
                     domain::TaskBook& tasks, domain::ExpiryBook& expiry) {
  absl::StatusOr<size_t> posted = awards.PostDue();
  if (!posted.ok()) {
    Log(LogLevel::kWarning, "awards_post_failed",
        absl::StrCat("posting awards whose notice ended: ", posted.status().ToString()));
  } else if (*posted > 0) {
    Log(LogLevel::kInfo, "awards_posted", "posted awards whose notice ended",
        {{"awards", uint64_t{*posted}}});
  }
  absl::StatusOr<size_t> paid = proposals.PayDue();
  if (!paid.ok()) {
    Log(LogLevel::kWarning, "projects_pay_failed",
        absl::StrCat("paying projects whose payout's notice ended: ", paid.status().ToString()));
  } else if (*paid > 0) {
    Log(LogLevel::kInfo, "projects_paid", "paid projects from the micro-fund",
        {{"projects", uint64_t{*paid}}});
  }
  absl::StatusOr<size_t> closed = tasks.LapseDue();
  if (!closed.ok()) {
    Log(LogLevel::kWarning, "tasks_close_failed",
        absl::StrCat("closing tasks past their deadline: ", closed.status().ToString()));
  } else if (*closed > 0) {
    Log(LogLevel::kInfo, "tasks_closed", "closed tasks past their deadline",
        {{"tasks", uint64_t{*closed}}});
  }
  absl::StatusOr<domain::ExpiryRun> lapsed = expiry.RunDue();
  if (!lapsed.ok()) {
    Log(LogLevel::kWarning, "expiry_failed",
        absl::StrCat("points expiry: ", lapsed.status().ToString()));
  } else if (lapsed->year_ends > 0) {
    Log(LogLevel::kInfo, "points_lapsed", "year end: points lapsed",
        {{"points", lapsed->points}, {"households", lapsed->households}});
  }
}

// Sends on what a crash left between a saved intent and its outcome (domain/resume.h), once every
// book is open and before pointsd serves: logged and counted. One that fails is logged as an
// error and stays interrupted, for a client's resend or the next start; pointsd starts all the
// same, since one stuck basket must not keep the village's ledger from serving.
void ResumeWorkflows(domain::AwardBook& awards, domain::ShopBook& shops, domain::TaskBook& tasks,
                     domain::FundBook& fund, domain::ProposalBook& proposals, Metrics& metrics) {
  // Awards first: a task's interrupted verification records its award (Record would finish an
  // approving one itself, but then the award's own count would miss it).
  const domain::ResumeReport reports[] = {awards.Resume(), shops.Resume(), tasks.Resume(),
                                          fund.Resume(), proposals.Resume()};
  const char* const books[] = {"awards", "shops", "tasks", "fund", "proposals"};
  uint64_t resumed = 0;
  uint64_t failed = 0;
  for (size_t i = 0; i < std::size(books); ++i) {
    metrics.OnWorkflowsResumed(books[i], reports[i].resumed, reports[i].failed);
    resumed += reports[i].resumed;
    failed += reports[i].failed;
    for (const domain::ResumeError& error : reports[i].errors) {
      Log(LogLevel::kError, "workflow_resume_failed",
          "could not resume a step a crash interrupted: it stays so, tried again at the next "
          "start or by a resend",
          {{"book", books[i]}, {"item", error.item}, {"status", error.status.ToString()}});
    }
  }
  if (resumed + failed == 0) return;
  Log(LogLevel::kInfo, "workflows_resumed", "resumed the workflow steps a crash interrupted",
      {{"awards", reports[0].resumed},
       {"shops", reports[1].resumed},
       {"tasks", reports[2].resumed},
       {"fund", reports[3].resumed},
       {"proposals", reports[4].resumed},
       {"failed", failed}});
}

// The expiry timer: voids, as journaled events, the pending transfers whose timeout passed.
void ExpirePending(Engine& engine) {
  absl::StatusOr<uint64_t> expired = engine.ExpirePendingTransfers();
  if (!expired.ok() && expired.status().code() != absl::StatusCode::kUnavailable) {
    Log(LogLevel::kWarning, "expiry_of_pending_failed",
        absl::StrCat("expiring pending transfers: ", expired.status().ToString()));
  }
}

// The health service name that says whether writes are taken: SERVING normally, NOT_SERVING
// once the engine has stopped taking writes (a failed sync, a full disk) while reads go on.
// The empty service name stays SERVING as long as pointsd answers at all.
constexpr char kWriteHealthService[] = "points.write";

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

void ScheduleStats(boost::asio::steady_timer& timer, const Engine& engine, int seconds) {
  timer.expires_after(std::chrono::seconds(seconds));
  timer.async_wait([&timer, &engine, seconds](const boost::system::error_code& error) {
    if (error) return;  // cancelled at shutdown
    LogStats(engine);
    ScheduleStats(timer, engine, seconds);
  });
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

int Run(const Config& config) {
  SetLogFormat(config.log_format);
  InstallProtobufLogHandler();
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
  if (!plaintext.ok()) return StartFailed("listen", plaintext);
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      ServerCredentialsFrom(config.tls);
  if (!credentials.ok()) return StartFailed("set up TLS", credentials.status());
  WatchHub watch_hub;  // outlives the engine, whose commits it hears
  Metrics metrics;     // likewise
  Options options;
  options.on_commit = [&watch_hub] { watch_hub.NotifyCommit(); };
  options.on_group_committed = [&metrics](const GroupCommitted& group) {
    metrics.OnGroupCommitted(group);
  };
  // The expiry timer below voids pending transfers whose timeout passed, every second; the
  // engine's own check while idle stays as a slow backstop.
  options.expiry_poll_interval_ms = 60'000;
  options.disk_reserve_bytes = uint64_t(config.disk_reserve_mb) << 20;
  auto opened = Engine::Open(options, config.data_dir);
  if (!opened.ok()) {
    return StartFailed(absl::StrCat("open ", config.data_dir), opened.status());
  }
  std::unique_ptr<Engine> engine = *std::move(opened);
  metrics.WatchEngine(engine.get());
  if (config.demo) {
    if (absl::Status status = SeedDemoVillage(*engine); !status.ok()) {
      return StartFailed("seed the demo village", status);
    }
  }
  auto store = domain::DomainStore::Open(config.data_dir + "/domain");
  if (!store.ok()) {
    return StartFailed("open the domain store", store.status());
  }
  domain::AwardPolicy policy;
  policy.notice_window_ns = uint64_t{1'000'000'000} * config.notice_seconds;
  policy.review_threshold_points = config.review_threshold;
  domain::RuleBook rules(SystemClock(), store->get());
  auto book = domain::AwardBook::Open(engine.get(), SystemClock(), store->get(), policy, &rules);
  if (!book.ok()) {
    return StartFailed("open the award book", book.status());
  }
  auto shops = domain::ShopBook::Open(engine.get(), SystemClock(), store->get());
  if (!shops.ok()) {
    return StartFailed("open the shop book", shops.status());
  }
  domain::OrgBook org(store->get());
  domain::HouseholdBook households(engine.get(), store->get(), &org);
  auto expiry = domain::ExpiryBook::Open(engine.get(), SystemClock(), store->get(), &households,
                                         policy.utc_offset_seconds);
  if (!expiry.ok()) {
    return StartFailed("open the expiry book", expiry.status());
  }
  if (config.demo) {
    if (absl::Status status = SeedDemoSupermarket(*engine, org, rules, households, **book, **shops);
        !status.ok()) {
      return StartFailed("seed the demo supermarket", status);
    }
  }
  auto principals = domain::PrincipalBook::Open(SystemClock(), store->get());
  if (!principals.ok()) return StartFailed("open the principal book", principals.status());
  auto audit = domain::AuditJournal::Open(SystemClock(), store->get());
  if (!audit.ok()) return StartFailed("open the operator audit journal", audit.status());
  auto payments = domain::PaymentBook::Open(SystemClock(), store->get());
  if (!payments.ok()) return StartFailed("open the payment book", payments.status());
  if (absl::Status s = BootstrapAdmin(**principals, **audit, config.data_dir); !s.ok()) {
    return StartFailed("make the first admin", s);
  }
  if (config.demo) {
    if (absl::Status s = SeedDemoPrincipals(**principals, **audit, config.data_dir); !s.ok()) {
      return StartFailed("make the demo's principals", s);
    }
  }
  RateLimiter limiter(config.rate_limit, [] {
    return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::steady_clock::now().time_since_epoch())
                        .count());
  });
  ScopeFacts facts{
      .town_of_village = [&org](domain::VillageId village) -> absl::StatusOr<uint32_t> {
        absl::StatusOr<domain::Village> v = org.GetVillage(village);
        if (!v.ok()) return v.status();
        return v->town;
      },
      .grid_of_household = [&households](domain::VillageId village,
                                         uint64_t household) -> absl::StatusOr<uint32_t> {
        absl::StatusOr<domain::Household> h = households.GetHousehold(village, household);
        if (!h.ok()) return h.status();
        return h->grid;
      },
      .shop_of_basket = [&shops](domain::VillageId village, Id basket) -> absl::StatusOr<uint32_t> {
        absl::StatusOr<domain::Basket> b = (*shops)->GetBasket(village, basket);
        if (!b.ok()) return b.status();
        return b->spec.shop;
      }};
  Gate gate(principals->get(), &limiter, audit->get(), std::move(facts),
            [&metrics](Rpc rpc, absl::StatusCode code) {
              metrics.OnDenied(RuleOf(rpc).method, static_cast<int>(code));
            });
  boost::asio::thread_pool readers(config.reader_threads);
  LedgerService service(&gate, engine.get(), &readers, &watch_hub);
  VillageService village_service(&gate, engine.get(), &org, book->get(), &households, expiry->get(),
                                 &readers);
  AwardService award_service(&gate, book->get(), &rules, &readers);
  ShopService shop_service(&gate, shops->get(), payments->get(), &readers);
  auto tasks =
      domain::TaskBook::Open(engine.get(), SystemClock(), store->get(), book->get(), &rules);
  if (!tasks.ok()) {
    return StartFailed("open the task book", tasks.status());
  }
  auto fund = domain::FundBook::Open(engine.get(), SystemClock(), store->get());
  if (!fund.ok()) return StartFailed("open the fund book", fund.status());
  auto proposals =
      domain::ProposalBook::Open(engine.get(), SystemClock(), store->get(), &households,
                                 {policy.notice_window_ns, domain::kPayoutReviewFenDefault});
  if (!proposals.ok()) return StartFailed("open the proposal book", proposals.status());
  ResumeWorkflows(**book, **shops, **tasks, **fund, **proposals, metrics);
  TaskService task_service(&gate, tasks->get(), &readers, MakeProjectCheck(proposals->get()));
  AdminService admin_service(&gate, engine.get(), store->get(), principals->get(), SystemClock(),
                             &readers);
  domain::RatingBook ratings(
      shops->get(), SystemClock(), store->get(),
      [task_book = tasks->get()](domain::VillageId village, uint32_t task, uint64_t household) {
        return task_book->CheckRatable(village, task, household);
      });
  domain::RatingRoundBook rounds(
      SystemClock(), store->get(), &households,
      MakeRoundChecker(proposals->get(), tasks->get(), &households, shops->get(), fund->get()));
  if (config.demo) {
    if (absl::Status s = SeedDemoCommunity(**fund, **proposals, rounds, *SystemClock()); !s.ok()) {
      return StartFailed("seed the demo community", s);
    }
  }
  const domain::Disclosure disclosure({engine.get(), book->get(), &households, shops->get(),
                                       &ratings, policy.utc_offset_seconds, &rounds, fund->get()});
  BoardService board_service(&gate, &disclosure, &ratings, &rules, SystemClock(), &readers);
  CommunityService community_service(&gate,
                                     {engine.get(), fund->get(), proposals->get(), &rounds,
                                      &disclosure, &households, shops->get()},
                                     SystemClock(), &readers);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listen, *credentials, &port);
  builder.SetMaxReceiveMessageSize(kMessageBytesMax);
  builder.SetMaxSendMessageSize(kMessageBytesMax);
  // Clients that keep a watch open ping every minute to find dead links (clients/): accept pings
  // that often, also without calls in flight, instead of answering GOAWAY "too_many_pings".
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             kKeepalivePingsMinMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.RegisterService(&service);
  builder.RegisterService(&village_service);
  builder.RegisterService(&award_service);
  builder.RegisterService(&shop_service);
  builder.RegisterService(&board_service);
  builder.RegisterService(&task_service);
  builder.RegisterService(&admin_service);
  builder.RegisterService(&community_service);
  // The guard first (call_guard.h): the statuses the metrics see are the ones sent.
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> guards;
  guards.push_back(CallGuardFactory(&gate));
  if (!config.metrics_listen.empty()) {  // nobody reads RPC metrics without the endpoint
    guards.push_back(metrics.InterceptorFactory());
  }
  builder.experimental().SetInterceptorCreators(std::move(guards));
  // Signals are caught from before the server starts listening: a SIGTERM that comes as soon
  // as the listening line is printed is queued for the drain below, not fatal.
  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return StartFailed(absl::StrCat("listen on ", config.listen),
                       absl::UnavailableError("address in use or not available"));
  }
  // Before the listening line: whoever reads it may ask for points.write at once.
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus(kWriteHealthService, true);
  // Browsers and curl (server/http/): the Connect protocol and the web app's files, every call
  // through the in-process channel, so the interceptors and the gate see it as a gRPC call.
  std::unique_ptr<http::HttpListener> http_listener;
  std::string http_address;
  if (!config.http.listen.empty()) {
    grpc::ChannelArguments channel_args;
    channel_args.SetMaxReceiveMessageSize(kMessageBytesMax);
    channel_args.SetMaxSendMessageSize(kMessageBytesMax);
    absl::StatusOr<std::unique_ptr<http::HttpListener>> started = http::HttpListener::Start(
        config.http, config.tls, server->InProcessChannel(channel_args), &metrics);
    if (!started.ok()) {
      server->Shutdown();
      return StartFailed("serve HTTP", started.status());
    }
    http_listener = *std::move(started);
    http_address = absl::StrCat(http_listener->tls() ? "https://" : "http://",
                                config.http.listen.substr(0, config.http.listen.rfind(':')), ":",
                                http_listener->port());
  }
  std::string metrics_address;
  if (!config.metrics_listen.empty()) {
    absl::StatusOr<int> metrics_port = metrics.Serve(config.metrics_listen);
    if (!metrics_port.ok()) {
      server->Shutdown();
      return StartFailed("serve metrics", metrics_port.status());
    }
    metrics_address = absl::StrCat(
        config.metrics_listen.substr(0, config.metrics_listen.rfind(':')), ":", *metrics_port);
  }
  const std::string host = config.listen.substr(0, config.listen.rfind(':'));
  const std::string address = absl::StrCat(host, ":", port);
  // The first stdout line says where pointsd listens (tests and scripts read the port from it).
  std::printf("pointsd listening on %s, data in %s%s%s\n", address.c_str(), config.data_dir.c_str(),
              metrics_address.empty()
                  ? ""
                  : absl::StrCat(", metrics on http://", metrics_address, "/metrics").c_str(),
              http_address.empty() ? "" : absl::StrCat(", http on ", http_address).c_str());
  std::fflush(stdout);
  Log(LogLevel::kInfo, "listening", "listening",
      {{"address", address},
       {"data_dir", config.data_dir},
       {"metrics", metrics_address},
       {"http", http_address}});

  boost::asio::steady_timer stats_timer(io);
  if (config.stats_seconds > 0) ScheduleStats(stats_timer, *engine, config.stats_seconds);
  PeriodicJob notice{boost::asio::steady_timer(io), {}, [&book, &proposals, &tasks, &expiry] {
                       RunDueWorkflows(**book, **proposals, **tasks, **expiry);
                     }};
  std::atomic<bool> read_only_reported{false};
  PeriodicJob timeouts{boost::asio::steady_timer(io), {}, [&engine, health, &read_only_reported] {
                         ExpirePending(*engine);
                         CheckWriteHealth(*engine, health, read_only_reported);
                       }};
  Schedule(notice, readers);
  Schedule(timeouts, readers);
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    Log(LogLevel::kInfo, "draining", absl::StrCat("signal ", signal, ": draining"),
        {{"signal", signal}});
    server->GetHealthCheckService()->Shutdown();
    if (http_listener) http_listener->BeginDrain();  // idle ones close, answers end keep-alive
    watch_hub.Shutdown();  // streams never end by themselves: end them, so the drain can
    // Stops accepting, then waits for calls in flight (cancelling those still running at the
    // deadline). Every write the engine accepted is committed before it is destroyed below.
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(config.drain_seconds));
    stats_timer.cancel();
    notice.timer.cancel();
    timeouts.timer.cancel();
  });
  io.run();
  server->Wait();
  if (http_listener) http_listener->Stop(kHttpWindDown);
  readers.join();
  metrics.Stop();
  LogStats(*engine);
  proposals->reset();
  fund->reset();
  shops->reset();
  book->reset();
  payments->reset();
  audit->reset();
  principals->reset();
  store->reset();
  engine.reset();  // drains the submit queue, syncs, writes the snapshot
  Log(LogLevel::kInfo, "stopped", "stopped cleanly");
  return 0;
}

}  // namespace
}  // namespace points::server

int main(int argc, char** argv) {
  // Debian's Abseil is built with mutex deadlock detection on, which costs a graph update on
  // every lock: measurable on the hot path, and the engine's lock order is fixed by design.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (argc >= 2 && std::string(argv[1]) == "verify") return points::server::RunVerify(argc, argv);
  return points::server::Run(points::server::ParseConfig(argc, argv));
}
