// pointsd: the gRPC service in front of the ledger engine.
//
// Serves points.v1.LedgerService (and the points supermarket's VillageService, AwardService and
// ShopService), standard health checking (grpc.health.v1) and server reflection on one port.
// Boost.Asio runs the signals and the timers: stats, the expiry of pending transfers and the
// posting of awards whose notice ended. SIGTERM or SIGINT drains gracefully: stop accepting,
// finish the calls in flight, let the engine commit what it accepted, write its snapshot, exit 0.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "admin_service.h"
#include "award_book.h"
#include "award_service.h"
#include "board_service.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/signal_set.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/thread_pool.hpp"
#include "demo_village.h"
#include "expiry_book.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "ledger_service.h"
#include "points/engine.h"
#include "shop_book.h"
#include "shop_service.h"
#include "task_book.h"
#include "task_service.h"

namespace points::server {
namespace {

// The largest request or response: 8189 transfers of about 200 bytes of protobuf each, with room.
constexpr int kMessageBytesMax = 4 << 20;
// The shortest interval between client keepalive pings pointsd accepts.
constexpr int kKeepalivePingsMinMs = 30'000;

struct Config {
  std::string listen = "127.0.0.1:50051";
  std::string data_dir = "./var/pointsd";
  int reader_threads = 2;
  int drain_seconds = 10;
  int stats_seconds = 60;
  int disk_reserve_mb = 256;
  int notice_seconds = 3 * 86400;
  uint64_t review_threshold = 0;
  bool demo = false;
};

constexpr char kUsage[] =
    "usage: pointsd [--listen HOST:PORT] [--data-dir DIR] [--reader-threads N]\n"
    "               [--drain-seconds N] [--stats-seconds N] [--notice-seconds N]\n"
    "               [--disk-reserve-mb N]\n"
    "               [--review-threshold N] [--demo]\n"
    "       pointsd verify --data-dir DIR\n"
    "\n"
    "Serves the points ledger and the points supermarket over gRPC (points.v1: LedgerService,\n"
    "VillageService, AwardService, TaskService, ShopService, BoardService, AdminService;\n"
    "grpc.health.v1.Health and server reflection) from an embedded RocksDB store (the\n"
    "domain's records in DIR/domain).\n"
    "\n"
    "`pointsd verify --data-dir DIR` checks a stopped server's data directory (or a backup) in\n"
    "full: every journal record's hash and the hash chain, balances and indexes rebuilt from the\n"
    "journal, the domain store's records; a summary, and exit code 1 on any mismatch.\n"
    "\n"
    "  --listen HOST:PORT    address to listen on; port 0 picks a free one and prints it\n"
    "                        (default 127.0.0.1:50051; env POINTS_LISTEN)\n"
    "  --data-dir DIR        the store, created if missing (default ./var/pointsd;\n"
    "                        env POINTS_DATA_DIR)\n"
    "  --reader-threads N    threads serving reads, 1..64 (default 2; env POINTS_READER_THREADS)\n"
    "  --drain-seconds N     on SIGTERM/SIGINT, how long calls in flight may take to finish\n"
    "                        (default 10; env POINTS_DRAIN_SECONDS)\n"
    "  --stats-seconds N     log engine statistics every N seconds, 0 = never (default 60;\n"
    "                        env POINTS_STATS_SECONDS)\n"
    "  --disk-reserve-mb N   free space (MiB) the data directory's disk must keep: below it\n"
    "                        pointsd turns read-only instead of filling the disk; 0 = no\n"
    "                        check (default 256; env POINTS_DISK_RESERVE_MB)\n"
    "  --notice-seconds N    how long an approved award stays on the notice board before the\n"
    "                        server posts it (default 259200 = 3 days; env POINTS_NOTICE_SECONDS)\n"
    "  --review-threshold N  awards of more points need a second person's approval; 0 = all do\n"
    "                        (default 0; env POINTS_REVIEW_THRESHOLD)\n"
    "  --demo                seed a demo village first (issuer 1, households 101-103,\n"
    "                        supermarket 201; and village 1 of the points supermarket: its\n"
    "                        town and grids, rules 1-6, households 1-3, shops 1 and 2, award\n"
    "                        9001); seeding again changes nothing\n"
    "  --help                this text\n"
    "\n"
    "Health (grpc.health.v1): the service \"\" is SERVING while pointsd answers; the service\n"
    "\"points.write\" turns NOT_SERVING when the engine stops taking writes (a failed sync, a\n"
    "full disk): reads go on; free the space and restart.\n"
    "\n"
    "Messages are limited to 4 MiB; a request holds at most 8189 events or ids.\n"
    "Plaintext only for now: serve it on loopback or behind a TLS proxy.\n";

[[noreturn]] void Usage(const std::string& error) {
  std::fprintf(stderr, "pointsd: %s\n\n%s", error.c_str(), kUsage);
  std::exit(2);
}

int ParseInt(const std::string& flag, const std::string& text, int min, int max) {
  int value;
  if (!absl::SimpleAtoi(text, &value) || value < min || value > max) {
    Usage(absl::StrCat(flag, " must be a whole number from ", min, " to ", max, ", got '", text,
                       "'"));
  }
  return value;
}

Config ParseConfig(int argc, char** argv) {
  Config config;
  // Environment first, flags override it.
  if (const char* v = std::getenv("POINTS_LISTEN")) config.listen = v;
  if (const char* v = std::getenv("POINTS_DATA_DIR")) config.data_dir = v;
  if (const char* v = std::getenv("POINTS_READER_THREADS")) {
    config.reader_threads = ParseInt("POINTS_READER_THREADS", v, 1, 64);
  }
  if (const char* v = std::getenv("POINTS_DRAIN_SECONDS")) {
    config.drain_seconds = ParseInt("POINTS_DRAIN_SECONDS", v, 0, 3600);
  }
  if (const char* v = std::getenv("POINTS_DISK_RESERVE_MB")) {
    config.disk_reserve_mb = ParseInt("POINTS_DISK_RESERVE_MB", v, 0, 1 << 20);
  }
  if (const char* v = std::getenv("POINTS_STATS_SECONDS")) {
    config.stats_seconds = ParseInt("POINTS_STATS_SECONDS", v, 0, 86400);
  }
  if (const char* v = std::getenv("POINTS_NOTICE_SECONDS")) {
    config.notice_seconds = ParseInt("POINTS_NOTICE_SECONDS", v, 1, 90 * 86400);
  }
  if (const char* v = std::getenv("POINTS_REVIEW_THRESHOLD")) {
    config.review_threshold = ParseInt("POINTS_REVIEW_THRESHOLD", v, 0, 1'000'000);
  }
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--listen") {
      config.listen = value();
    } else if (arg == "--data-dir") {
      config.data_dir = value();
    } else if (arg == "--reader-threads") {
      config.reader_threads = ParseInt(arg, value(), 1, 64);
    } else if (arg == "--drain-seconds") {
      config.drain_seconds = ParseInt(arg, value(), 0, 3600);
    } else if (arg == "--demo") {
      config.demo = true;
    } else if (arg == "--stats-seconds") {
      config.stats_seconds = ParseInt(arg, value(), 0, 86400);
    } else if (arg == "--disk-reserve-mb") {
      config.disk_reserve_mb = ParseInt(arg, value(), 0, 1 << 20);
    } else if (arg == "--notice-seconds") {
      config.notice_seconds = ParseInt(arg, value(), 1, 90 * 86400);
    } else if (arg == "--review-threshold") {
      config.review_threshold = ParseInt(arg, value(), 0, 1'000'000);
    } else {
      Usage("unknown option " + arg);
    }
  }
  if (config.listen.find(':') == std::string::npos) Usage("--listen must be HOST:PORT");
  return config;
}

void LogStats(const Engine& engine) {
  const EngineStats s = engine.Stats();
  std::fprintf(stderr,
               "pointsd: accounts=%llu transfers=%llu pending_open=%llu groups=%llu "
               "events_per_group=%.1f queue_depth=%llu\n",
               (unsigned long long)s.accounts, (unsigned long long)s.transfers,
               (unsigned long long)s.pending_open, (unsigned long long)s.groups_committed,
               s.groups_committed ? double(s.events_committed) / s.groups_committed : 0.0,
               (unsigned long long)s.queue_depth);
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
// ended, closes tasks whose deadline passed (their unclaimed slots lapse), and at a year end
// lets points lapse in villages with expiry.
void RunDueWorkflows(domain::AwardBook& awards, domain::TaskBook& tasks,
                     domain::ExpiryBook& expiry) {
  absl::StatusOr<size_t> posted = awards.PostDue();
  if (!posted.ok()) {
    std::fprintf(stderr, "pointsd: posting awards whose notice ended: %s\n",
                 posted.status().ToString().c_str());
  } else if (*posted > 0) {
    std::fprintf(stderr, "pointsd: posted %zu awards whose notice ended\n", *posted);
  }
  absl::StatusOr<size_t> closed = tasks.LapseDue();
  if (!closed.ok()) {
    std::fprintf(stderr, "pointsd: closing tasks past their deadline: %s\n",
                 closed.status().ToString().c_str());
  } else if (*closed > 0) {
    std::fprintf(stderr, "pointsd: closed %zu tasks past their deadline\n", *closed);
  }
  absl::StatusOr<domain::ExpiryRun> lapsed = expiry.RunDue();
  if (!lapsed.ok()) {
    std::fprintf(stderr, "pointsd: points expiry: %s\n", lapsed.status().ToString().c_str());
  } else if (lapsed->year_ends > 0) {
    std::fprintf(stderr, "pointsd: year end: %llu points lapsed from %llu households\n",
                 static_cast<unsigned long long>(lapsed->points),
                 static_cast<unsigned long long>(lapsed->households));
  }
}

// The expiry timer: voids, as journaled events, the pending transfers whose timeout passed.
void ExpirePending(Engine& engine) {
  absl::StatusOr<uint64_t> expired = engine.ExpirePendingTransfers();
  if (!expired.ok() && expired.status().code() != absl::StatusCode::kUnavailable) {
    std::fprintf(stderr, "pointsd: expiring pending transfers: %s\n",
                 expired.status().ToString().c_str());
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
  std::fprintf(stderr,
               "pointsd: READ-ONLY: the engine refuses writes until pointsd is restarted (free "
               "disk space first): %s\n",
               write_health.ToString().c_str());
}

void ScheduleStats(boost::asio::steady_timer& timer, const Engine& engine, int seconds) {
  timer.expires_after(std::chrono::seconds(seconds));
  timer.async_wait([&timer, &engine, seconds](const boost::system::error_code& error) {
    if (error) return;  // cancelled at shutdown
    LogStats(engine);
    ScheduleStats(timer, engine, seconds);
  });
}

// `pointsd verify --data-dir DIR`: the offline check of a data directory (or a backup).
int RunVerify(int argc, char** argv) {
  std::string dir;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--data-dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (absl::StartsWith(arg, "--data-dir=")) {
      dir = arg.substr(std::string("--data-dir=").size());
    } else {
      Usage(absl::StrCat("verify: unknown argument '", arg, "'"));
    }
  }
  if (dir.empty()) Usage("verify: give --data-dir DIR");
  std::error_code error;
  if (!std::filesystem::is_regular_file(std::filesystem::path(dir) / "CURRENT", error)) {
    std::fprintf(stderr, "pointsd verify: %s holds no store\n", dir.c_str());
    return 1;
  }
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  std::fprintf(stderr, "pointsd verify: [1/3] opening %s: replaying the journal...\n", dir.c_str());
  auto engine = Engine::Open(Options(), dir);
  if (!engine.ok()) {
    std::fprintf(stderr, "pointsd verify: FAILED to open: %s\n",
                 engine.status().ToString().c_str());
    return 1;
  }
  std::fprintf(stderr,
               "pointsd verify: [2/3] %.1f s: checking every record's hash, the chain, and "
               "state rebuilt from the journal against the state opened...\n",
               elapsed());
  VerifyReport report;
  if (absl::Status status = (*engine)->Verify(&report); !status.ok()) {
    std::fprintf(stderr, "pointsd verify: FAILED: %s\n", status.ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "pointsd verify: [3/3] %.1f s: reading the domain store's records...\n",
               elapsed());
  uint64_t domain_records = 0;
  if (std::filesystem::exists(std::filesystem::path(dir) / "domain", error)) {
    auto store = domain::DomainStore::Open(dir + "/domain");
    if (!store.ok()) {
      std::fprintf(stderr, "pointsd verify: FAILED to open the domain store: %s\n",
                   store.status().ToString().c_str());
      return 1;
    }
    // Opening the books decodes every record they index (awards, shops, baskets, tasks,
    // expiry); a record that does not decode fails here.
    domain::RuleBook rules(SystemClock(), store->get());
    auto awards = domain::AwardBook::Open(engine->get(), SystemClock(), store->get(),
                                          domain::AwardPolicy(), &rules);
    absl::Status status = awards.status();
    if (status.ok()) {
      status = domain::ShopBook::Open(engine->get(), SystemClock(), store->get()).status();
    }
    if (status.ok()) {
      status =
          domain::TaskBook::Open(engine->get(), SystemClock(), store->get(), awards->get(), &rules)
              .status();
    }
    if (status.ok()) {
      status = (*store)->Scan("", [&](const std::string&, const std::string&) {
        ++domain_records;
        return true;
      });
    }
    if (!status.ok()) {
      std::fprintf(stderr, "pointsd verify: FAILED in the domain store: %s\n",
                   status.ToString().c_str());
      return 1;
    }
  }
  std::printf(
      "pointsd verify: OK %s: %llu journal records in %llu chunks (%llu accounts, %llu "
      "transfers), chain head %s; %llu domain records; %.1f s\n",
      dir.c_str(), static_cast<unsigned long long>(report.records),
      static_cast<unsigned long long>(report.chunks),
      static_cast<unsigned long long>(report.accounts),
      static_cast<unsigned long long>(report.transfers), report.chain_head_hex.c_str(),
      static_cast<unsigned long long>(domain_records), elapsed());
  return 0;
}

int Run(const Config& config) {
  WatchHub watch_hub;  // outlives the engine, whose commits it hears
  Options options;
  options.on_commit = [&watch_hub] { watch_hub.NotifyCommit(); };
  // The expiry timer below voids pending transfers whose timeout passed, every second; the
  // engine's own check while idle stays as a slow backstop.
  options.expiry_poll_interval_ms = 60'000;
  options.disk_reserve_bytes = uint64_t(config.disk_reserve_mb) << 20;
  auto opened = Engine::Open(options, config.data_dir);
  if (!opened.ok()) {
    std::fprintf(stderr, "pointsd: cannot open %s: %s\n", config.data_dir.c_str(),
                 opened.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<Engine> engine = *std::move(opened);
  if (config.demo) {
    if (absl::Status status = SeedDemoVillage(*engine); !status.ok()) {
      std::fprintf(stderr, "pointsd: cannot seed the demo village: %s\n",
                   status.ToString().c_str());
      return 1;
    }
  }
  auto store = domain::DomainStore::Open(config.data_dir + "/domain");
  if (!store.ok()) {
    std::fprintf(stderr, "pointsd: cannot open the domain store: %s\n",
                 store.status().ToString().c_str());
    return 1;
  }
  domain::AwardPolicy policy;
  policy.notice_window_ns = uint64_t{1'000'000'000} * config.notice_seconds;
  policy.review_threshold_points = config.review_threshold;
  domain::RuleBook rules(SystemClock(), store->get());
  auto book = domain::AwardBook::Open(engine.get(), SystemClock(), store->get(), policy, &rules);
  if (!book.ok()) {
    std::fprintf(stderr, "pointsd: cannot open the award book: %s\n",
                 book.status().ToString().c_str());
    return 1;
  }
  auto shops = domain::ShopBook::Open(engine.get(), SystemClock(), store->get());
  if (!shops.ok()) {
    std::fprintf(stderr, "pointsd: cannot open the shop book: %s\n",
                 shops.status().ToString().c_str());
    return 1;
  }
  domain::OrgBook org(store->get());
  domain::HouseholdBook households(engine.get(), store->get(), &org);
  auto expiry = domain::ExpiryBook::Open(engine.get(), SystemClock(), store->get(), &households,
                                         policy.utc_offset_seconds);
  if (!expiry.ok()) {
    std::fprintf(stderr, "pointsd: cannot open the expiry book: %s\n",
                 expiry.status().ToString().c_str());
    return 1;
  }
  if (config.demo) {
    if (absl::Status status = SeedDemoSupermarket(*engine, org, rules, households, **book, **shops);
        !status.ok()) {
      std::fprintf(stderr, "pointsd: cannot seed the demo supermarket: %s\n",
                   status.ToString().c_str());
      return 1;
    }
  }
  boost::asio::thread_pool readers(config.reader_threads);
  LedgerService service(engine.get(), &readers, &watch_hub);
  VillageService village_service(engine.get(), &org, book->get(), &households, expiry->get(),
                                 &readers);
  AwardService award_service(book->get(), &rules, &readers);
  ShopService shop_service(shops->get(), &readers);
  auto tasks =
      domain::TaskBook::Open(engine.get(), SystemClock(), store->get(), book->get(), &rules);
  if (!tasks.ok()) {
    std::fprintf(stderr, "pointsd: cannot open the task book: %s\n",
                 tasks.status().ToString().c_str());
    return 1;
  }
  TaskService task_service(tasks->get(), &readers);
  AdminService admin_service(engine.get(), store->get(), SystemClock(), &readers);
  domain::RatingBook ratings(
      shops->get(), SystemClock(), store->get(),
      [task_book = tasks->get()](domain::VillageId village, uint32_t task, uint64_t household) {
        return task_book->CheckRatable(village, task, household);
      });
  const domain::Disclosure disclosure(
      {engine.get(), book->get(), &households, shops->get(), &ratings, policy.utc_offset_seconds});
  BoardService board_service(&disclosure, &ratings, &rules, SystemClock(), &readers);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listen, grpc::InsecureServerCredentials(), &port);
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
  // Signals are caught from before the server starts listening: a SIGTERM that comes as soon
  // as the listening line is printed is queued for the drain below, not fatal.
  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "pointsd: cannot listen on %s\n", config.listen.c_str());
    return 1;
  }
  const std::string host = config.listen.substr(0, config.listen.rfind(':'));
  std::printf("pointsd listening on %s:%d, data in %s\n", host.c_str(), port,
              config.data_dir.c_str());
  std::fflush(stdout);

  boost::asio::steady_timer stats_timer(io);
  if (config.stats_seconds > 0) ScheduleStats(stats_timer, *engine, config.stats_seconds);
  PeriodicJob notice{boost::asio::steady_timer(io), {}, [&book, &tasks, &expiry] {
                       RunDueWorkflows(**book, **tasks, **expiry);
                     }};
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus(kWriteHealthService, true);
  std::atomic<bool> read_only_reported{false};
  PeriodicJob timeouts{boost::asio::steady_timer(io), {}, [&engine, health, &read_only_reported] {
                         ExpirePending(*engine);
                         CheckWriteHealth(*engine, health, read_only_reported);
                       }};
  Schedule(notice, readers);
  Schedule(timeouts, readers);
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    std::fprintf(stderr, "pointsd: signal %d: draining\n", signal);
    server->GetHealthCheckService()->Shutdown();
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
  readers.join();
  LogStats(*engine);
  shops->reset();
  book->reset();
  store->reset();
  engine.reset();  // drains the submit queue, syncs, writes the snapshot
  std::fprintf(stderr, "pointsd: stopped cleanly\n");
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
