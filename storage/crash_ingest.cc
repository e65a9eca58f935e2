// storage_crash_ingest DB_PATH ROUNDS: ingests the deterministic stream of
// storage/storage_testing.h into DB_PATH, resuming after the rounds already
// recorded, and delivers a few outbox rows after each round.  The crash test
// SIGKILLs it at random moments and checks what survived.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "storage/database.h"
#include "storage/storage_testing.h"

namespace {

using mineral::storage::testing::kStreamFeeds;

int Fail(const char* what, const mineral::Status& status) {
  std::fprintf(stderr, "storage_crash_ingest: %s: %s\n", what, status.ToString().c_str());
  return 3;
}

}  // namespace

int main(int argc, char** argv) {
  namespace st = mineral::storage;
  if (argc != 3) {
    std::fprintf(stderr, "usage: storage_crash_ingest DB_PATH ROUNDS\n");
    return 2;
  }
  const int rounds = std::atoi(argv[2]);
  auto db = st::Database::Open(argv[1], st::DatabaseOptions{});
  if (!db.ok()) return Fail("open", db.status());
  if (mineral::Status s = (*db)->SyncFeeds(st::testing::StreamFeeds()); !s.ok()) {
    return Fail("sync", s);
  }
  auto states = (*db)->LoadFeedStates();
  if (!states.ok() || states->size() != kStreamFeeds) return Fail("load", states.status());

  for (int round = 0; round < rounds; ++round) {
    const mineral::UtcTime now = st::testing::StreamTime(round);
    for (int f = 0; f < kStreamFeeds; ++f) {
      mineral::FeedState state = (*states)[static_cast<size_t>(f)];
      if (state.polls > round) continue;  // recorded before the last kill
      state.polls = round + 1;
      state.last_attempt = state.last_success = now;
      state.last_status = 200;
      state.next_poll_at = now + std::chrono::minutes(10);
      auto counts = (*db)->RecordFetch(state, st::testing::StreamItems(round, f), now,
                                       st::testing::StreamMatcher);
      if (!counts.ok()) return Fail("record", counts.status());
      (*states)[static_cast<size_t>(f)] = state;
    }
    auto claimed = (*db)->ClaimDueOutbox(now, 3);
    if (!claimed.ok()) return Fail("claim", claimed.status());
    for (const st::OutboxEntry& e : *claimed) {
      const bool retry = e.id % 3 == 0;
      mineral::Status s = retry ? (*db)->MarkRetry(e.id, now + std::chrono::minutes(1), "timeout")
                                : (*db)->MarkDelivered(e.id, now);
      if (!s.ok()) return Fail("mark", s);
      s = (*db)->RecordDeliveryAttempt({e.id, now, retry ? "retry" : "delivered",
                                        std::chrono::milliseconds(12), retry ? 0 : 200,
                                        retry ? "timeout" : ""});
      if (!s.ok()) return Fail("attempt", s);
    }
  }
  return 0;
}
