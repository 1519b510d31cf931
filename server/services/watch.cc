#include "server/services/watch.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"
#include "server/convert/convert.h"
#include "server/convert/status.h"

namespace points::server {

// ---- WatchHub ----

void WatchHub::NotifyCommit() {
  std::unordered_set<WatchStream*> woken;
  {
    absl::MutexLock lock(&mu_);
    ++commits_;
    woken.swap(parked_);
  }
  for (WatchStream* stream : woken) stream->SchedulePump();
}

void WatchHub::Shutdown() {
  std::unordered_set<WatchStream*> woken;
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
    woken.swap(parked_);
  }
  for (WatchStream* stream : woken) stream->SchedulePump();
}

bool WatchHub::Register(absl::Status* refused) {
  absl::MutexLock lock(&mu_);
  if (shutting_down_) {
    *refused = absl::UnavailableError("the server is shutting down; watch again after it is back");
    return false;
  }
  if (streams_ >= kWatchStreamsMax) {
    *refused = absl::ResourceExhaustedError(absl::StrCat(
        "the server already serves ", kWatchStreamsMax, " WatchAccounts streams; try again later"));
    return false;
  }
  ++streams_;
  return true;
}

void WatchHub::Unregister(WatchStream* stream) {
  absl::MutexLock lock(&mu_);
  cancelled_.erase(stream);
  --streams_;
}

uint64_t WatchHub::commits() const {
  absl::MutexLock lock(&mu_);
  return commits_;
}

bool WatchHub::Park(WatchStream* stream, uint64_t commits_seen) {
  absl::MutexLock lock(&mu_);
  if (commits_ != commits_seen || shutting_down_ || cancelled_.contains(stream)) return false;
  parked_.insert(stream);
  return true;
}

bool WatchHub::Cancel(WatchStream* stream) {
  absl::MutexLock lock(&mu_);
  cancelled_.insert(stream);
  return parked_.erase(stream) == 1;
}

absl::Status WatchHub::EndOf(WatchStream* stream) const {
  absl::MutexLock lock(&mu_);
  if (cancelled_.contains(stream)) return absl::CancelledError("the client cancelled the watch");
  if (shutting_down_) {
    return absl::UnavailableError(
        "the server is shutting down; watch again with after_timestamp set to the last change "
        "received");
  }
  return absl::OkStatus();
}

// ---- WatchStream ----

WatchStream::WatchStream(Engine* engine, boost::asio::thread_pool* readers, WatchHub* hub,
                         const v1::WatchAccountsRequest& request,
                         std::function<absl::Status()> still_allowed)
    : engine_(engine), readers_(readers), hub_(hub), still_allowed_(std::move(still_allowed)) {
  absl::StatusOr<WatchRequest> watch = WatchFromProto(request);
  if (!watch.ok()) {
    Finish(ToGrpcStatus(watch.status()));
    return;
  }
  account_ids_ = std::move(watch->account_ids);
  cursor_ = watch->after_timestamp;
  absl::Status refused;
  registered_ = hub_->Register(&refused);
  if (!registered_) {
    Finish(ToGrpcStatus(refused));
    return;
  }
  SchedulePump();
}

void WatchStream::SchedulePump() {
  boost::asio::post(*readers_, [this] { Pump(); });
}

void WatchStream::Pump() {
  if (absl::Status end = hub_->EndOf(this); !end.ok()) {
    Finish(ToGrpcStatus(end));
    return;
  }
  if (absl::Status allowed = still_allowed_(); !allowed.ok()) {
    Finish(ToGrpcStatus(allowed));
    return;
  }
  // Read the commit count first: a commit after this point either shows in the read or makes
  // Park refuse, so no change can slip between the read and parking.
  const uint64_t commits_seen = hub_->commits();
  absl::StatusOr<std::vector<BalanceChange>> changes =
      engine_->GetBalanceChanges(account_ids_, cursor_, kWatchMessageChangesMax);
  if (!changes.ok()) {
    Finish(ToGrpcStatus(changes.status()));
    return;
  }
  if (!changes->empty()) {
    response_.Clear();
    for (const BalanceChange& change : *changes) {
      BalanceChangeToProto(change, response_.add_changes());
    }
    cursor_ = changes->back().balance.timestamp;
    StartWrite(&response_);
    return;
  }
  // Nothing new. Park until the next commit; if one came meanwhile, look again, but as a new
  // task behind the others waiting for the worker pool: under steady writes a stream of a quiet
  // account would otherwise keep a reader thread to itself.
  if (!hub_->Park(this, commits_seen)) SchedulePump();
}

void WatchStream::OnWriteDone(bool ok) {
  if (!ok) {
    Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the stream broke"));
    return;
  }
  SchedulePump();
}

void WatchStream::OnCancel() {
  // An unregistered stream was finished in its constructor: nobody else owns it.
  if (registered_ && hub_->Cancel(this)) Finish(grpc::Status::CANCELLED);
}

void WatchStream::OnDone() {
  if (registered_) hub_->Unregister(this);
  delete this;
}

}  // namespace points::server
