// What every test of server/domain/ opens: the real engine, on the test's clock, and a real
// domain store, in a hermetic directory.
#ifndef POINTS_TESTS_TESTING_DOMAIN_TESTING_H_
#define POINTS_TESTS_TESTING_DOMAIN_TESTING_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "points/engine.h"
#include "server/domain/books/consent.h"
#include "server/domain/store/domain_store.h"

namespace points::domain {

// A clock that stops one chosen thread the next time it asks the time, until released: a test
// holds a step in the middle (an award's Record and a basket's Redeem ask the time after their
// checks and before they save the intent) and looks at what other calls can do meanwhile.
class StallingClock : public Clock {
 public:
  explicit StallingClock(const Clock* base) : base_(base) {}
  uint64_t NowNanos() const override {
    if (stall_.load() == std::this_thread::get_id()) {
      stall_.store(std::thread::id());
      stalled_.Notify();
      release_.WaitForNotification();
    }
    return base_->NowNanos();
  }
  void StallThisThread() { stall_.store(std::this_thread::get_id()); }
  bool WaitStalled() { return stalled_.WaitForNotificationWithTimeout(absl::Seconds(10)); }
  void Release() { release_.Notify(); }

 private:
  const Clock* const base_;
  mutable std::atomic<std::thread::id> stall_;
  mutable absl::Notification stalled_;
  mutable absl::Notification release_;
};

// What other calls did while one call was held in the middle of its step.
struct WhileHeld {
  bool other_went_on = false;  // `other` finished while the step was held
  bool resend_waited = false;  // `resend` had not finished 200 ms in
};

// Runs `step` on a thread that `stalling` stops at its next time read and, while it is held
// there, `other` and `resend` on threads of their own; then releases the step and joins all
// three. The lock rule's tests: another record's call goes on, the same record's waits.
inline WhileHeld HoldAStep(StallingClock& stalling, const std::function<void()>& step,
                           const std::function<void()>& other,
                           const std::function<void()>& resend) {
  std::thread held([&] {
    stalling.StallThisThread();
    step();
  });
  WhileHeld seen;
  if (!stalling.WaitStalled()) {
    ADD_FAILURE() << "the step never asked the time";
    stalling.Release();
    held.join();
    return seen;
  }
  absl::Notification other_done, resend_done;
  std::thread other_thread([&] {
    other();
    other_done.Notify();
  });
  std::thread resend_thread([&] {
    resend();
    resend_done.Notify();
  });
  seen.other_went_on = other_done.WaitForNotificationWithTimeout(absl::Seconds(10));
  seen.resend_waited = !resend_done.WaitForNotificationWithTimeout(absl::Milliseconds(200));
  stalling.Release();
  held.join();
  other_thread.join();
  resend_thread.join();
  return seen;
}

// The engine in dir/ledger and the store in dir/domain. Call it as
// ASSERT_NO_FATAL_FAILURE(OpenLedgerAndStore(...)): a store that does not open fails the test.
inline void OpenLedgerAndStore(const std::string& dir, Clock* clock,
                               std::unique_ptr<Engine>* engine,
                               std::unique_ptr<DomainStore>* store) {
  Options options;
  options.clock = clock;
  auto opened = Engine::Open(options, dir + "/ledger");
  ASSERT_TRUE(opened.ok()) << opened.status();
  *engine = *std::move(opened);
  auto domain = DomainStore::Open(dir + "/domain");
  ASSERT_TRUE(domain.ok()) << domain.status();
  *store = *std::move(domain);
}

// Closes `book` and `store` (if open) and opens them again on dir/domain, as a restart does:
// Book::Open(clock, store). Call it as ASSERT_NO_FATAL_FAILURE(ReopenBook(...)).
template <typename Book>
void ReopenBook(const std::string& dir, Clock* clock, std::unique_ptr<DomainStore>* store,
                std::unique_ptr<Book>* book) {
  book->reset();
  store->reset();
  auto domain = DomainStore::Open(dir + "/domain");
  ASSERT_TRUE(domain.ok()) << domain.status();
  *store = *std::move(domain);
  auto opened = Book::Open(clock, store->get());
  ASSERT_TRUE(opened.ok()) << opened.status();
  *book = *std::move(opened);
}

// A consent for tests of the books that take one (ShopBook::Redeem), without a household's
// code: given unless `refusal` says otherwise, adding `use_writes` to the intent's write, and
// counting how it is asked.
class TestConsent final : public Consent {
 public:
  absl::Status Check() override {
    ++checks;
    return refusal;
  }
  absl::Status Use(Writer write) override {
    ++uses;
    if (!refusal.ok()) return refusal;
    return write(use_writes);
  }
  absl::Status GiveBack(Writer write) override {
    ++give_backs;
    return write(give_back_writes);
  }

  absl::Status refusal;
  std::vector<StoreWrite> use_writes;
  std::vector<StoreWrite> give_back_writes;
  int checks = 0;
  int uses = 0;
  int give_backs = 0;
};

}  // namespace points::domain

#endif  // POINTS_TESTS_TESTING_DOMAIN_TESTING_H_
