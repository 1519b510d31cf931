// Every limit of the engine, named once. The engine asserts them; the service reuses them.
#ifndef POINTS_LIMITS_H_
#define POINTS_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace points {

// Events in one CreateAccounts / CreateTransfers / CloseAccounts call (TigerBeetle's figure:
// 8189 events of 128 bytes fit a 1 MiB message with its header).
inline constexpr size_t kBatchEventsMax = 8189;

// Ids in one lookup call, and records in one history page.
inline constexpr size_t kLookupIdsMax = 8189;
inline constexpr size_t kHistoryPageMax = 8189;

// Accounts one balance-change query (and one WatchAccounts stream) follows: a household, its
// members' view of a shop or two, not a whole village.
inline constexpr size_t kWatchAccountsMax = 64;

// Events that one group commit may carry: several submitters' batches share one sync.
inline constexpr size_t kGroupEventsMax = 8 * kBatchEventsMax;

// Submissions waiting for the writer; beyond this Submit refuses with RESOURCE_EXHAUSTED.
inline constexpr size_t kSubmitQueueDepthMax = 4096;

// Journal records per RocksDB value (engine/FORMAT.md).
inline constexpr size_t kChunkRecordsMax = 64;

// Capacity of the in-memory derived state, sized to fit a 24 GiB machine together: about
// 350 bytes per account (engine_bench measures it) and about 60 bytes per transfer id (a 32-byte
// id-index slot at up to 7/8 load, doubled while the table grows, plus 16 bytes of per-account
// history). 16M accounts take about 5.6 GiB, 128M transfers about 7.5 GiB, with room for the
// table's growth and RocksDB's caches.
inline constexpr uint64_t kAccountsMax = 16u << 20;         // 16.8M accounts
inline constexpr uint64_t kTransfersMax = 128u << 20;       // 134M journaled transfer ids
inline constexpr uint64_t kPendingTransfersMax = 4u << 20;  // unresolved pending transfers

// Pending transfers one group voids at their timeout; the rest wait for the next group (a post
// or void meanwhile still gets pending_transfer_expired).
inline constexpr size_t kExpiriesPerGroupMax = kBatchEventsMax;

// Nanoseconds per second, for pending timeouts (given in seconds).
inline constexpr uint64_t kNanosPerSecond = 1'000'000'000;

// How the limits relate, checked where they are named.
static_assert(kGroupEventsMax >= kBatchEventsMax, "a whole batch fits in one group commit");
static_assert(kGroupEventsMax % kBatchEventsMax == 0, "a group holds whole batches");
static_assert(kExpiriesPerGroupMax <= kGroupEventsMax, "a group's expiries fit in the group");
static_assert(kWatchAccountsMax <= kLookupIdsMax, "a watch's accounts can be looked up at once");
static_assert(kPendingTransfersMax <= kTransfersMax, "every pending transfer has a journaled id");
static_assert(kTransfersMax * kChunkRecordsMax < (uint64_t{1} << 48),
              "record numbers and chunk keys stay far from 64-bit overflow");

}  // namespace points

#endif  // POINTS_LIMITS_H_
