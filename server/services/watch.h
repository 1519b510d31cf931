// WatchAccounts: server streams of balance changes, woken by the engine's commits.
//
// A stream alternates between three phases, and exactly one party owns it in each: a pump on a
// reader thread (reads the changes after the stream's cursor), a write in flight (gRPC owns
// it until OnWriteDone), or parked in the hub until the next commit. Only the owner may finish
// the stream, so no callback can touch it after gRPC's OnDone deletes it. Cancellation (client
// gone, deadline) only raises a flag under the hub's lock; a parked stream is unparked and
// finished at once, any other is finished by its owner at the next step.
#ifndef POINTS_SERVER_SERVICES_WATCH_H_
#define POINTS_SERVER_SERVICES_WATCH_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <unordered_set>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "boost/asio/thread_pool.hpp"
#include "grpcpp/support/server_callback.h"
#include "points/engine.h"
#include "points/v1/ledger.grpc.pb.h"

namespace points::server {

// Open WatchAccounts streams per server; beyond it a new one gets RESOURCE_EXHAUSTED. Every
// commit wakes every parked stream for one in-memory read, so this bounds that work too.
inline constexpr size_t kWatchStreamsMax = 4096;
// Changes per stream message (one more when a transfer's two sides share the last timestamp):
// about 70 bytes each, so a message stays near 70 KiB.
inline constexpr uint32_t kWatchMessageChangesMax = 1024;

class WatchStream;

// Parks idle streams and wakes them when the engine commits (Engine Options::on_commit).
class WatchHub {
 public:
  // The engine's on_commit: every parked stream pumps again.
  void NotifyCommit();
  // Ends every stream with UNAVAILABLE ("resume after reconnecting") and refuses new ones; for a
  // draining server, whose streams would otherwise hold the drain open until its deadline.
  void Shutdown();

 private:
  friend class WatchStream;
  bool Register(absl::Status* refused);
  void Unregister(WatchStream* stream);
  // The commit count, read before a pump looks for changes.
  uint64_t commits() const;
  // Parks the stream unless a commit came after `commits_seen`, or it was cancelled, or the hub
  // is shutting down: then false, and the caller pumps (and finishes) itself.
  bool Park(WatchStream* stream, uint64_t commits_seen);
  // Marks the stream cancelled; true when it was parked, and the caller now owns it.
  bool Cancel(WatchStream* stream);
  // Why the stream must end now (cancelled, or the server shutting down), or OK to go on.
  absl::Status EndOf(WatchStream* stream) const;

  mutable absl::Mutex mu_;
  uint64_t commits_ ABSL_GUARDED_BY(mu_) = 0;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  size_t streams_ ABSL_GUARDED_BY(mu_) = 0;
  std::unordered_set<WatchStream*> parked_ ABSL_GUARDED_BY(mu_);
  std::unordered_set<WatchStream*> cancelled_ ABSL_GUARDED_BY(mu_);
};

// One WatchAccounts call. Deletes itself when gRPC is done with it.
class WatchStream final : public grpc::ServerWriteReactor<v1::WatchAccountsResponse> {
 public:
  // `still_allowed` is asked before each read of changes: a stream whose caller's token was
  // revoked ends with its status instead of sending more.
  WatchStream(Engine* engine, boost::asio::thread_pool* readers, WatchHub* hub,
              const v1::WatchAccountsRequest& request, std::function<absl::Status()> still_allowed);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  friend class WatchHub;
  // Hands the stream to a reader thread to look for changes.
  void SchedulePump();
  void Pump();

  Engine* const engine_;
  boost::asio::thread_pool* const readers_;
  WatchHub* const hub_;
  const std::function<absl::Status()> still_allowed_;
  bool registered_ = false;
  std::vector<Id> account_ids_;
  uint64_t cursor_ = 0;  // the timestamp of the last change sent
  v1::WatchAccountsResponse response_;
};

}  // namespace points::server

#endif  // POINTS_SERVER_SERVICES_WATCH_H_
