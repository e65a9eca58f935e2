// Fault injection (issue 5): fail the Nth SQLite I/O step of one RecordFetch,
// for every N until the call needs fewer steps, as a full disk, an I/O error
// or a busy lock would; once (a transient fault) or from then on (a disk
// that stays full).  Each time: RecordFetch reports the error, the store
// still satisfies the stream invariants, and retrying the same poll stores
// exactly what a run without faults stores.
#include <catch2/catch.hpp>

#include "storage/database.h"
#include "storage/fault_vfs.h"
#include "storage/storage_testing.h"
#include "storage/test_util.h"

namespace mineral::storage {
namespace {

using testing::TempDir;

FeedState PollState(Database& db, int round, int feed) {
  auto states = db.LoadFeedStates();
  REQUIRE(states.ok());
  FeedState state = (*states)[static_cast<size_t>(feed)];
  state.polls = round + 1;
  state.last_status = 200;
  return state;
}

Result<RecordCounts> RecordPoll(Database& db, const FeedState& state, int round, int feed) {
  return db.RecordFetch(state, testing::StreamItems(round, feed), testing::StreamTime(round),
                        testing::StreamMatcher);
}

Result<RecordCounts> RecordPoll(Database& db, int round, int feed) {
  return RecordPoll(db, PollState(db, round, feed), round, feed);
}

std::unique_ptr<Database> OpenAt(const std::string& path, const std::string& vfs) {
  DatabaseOptions options;
  options.vfs = vfs;
  // An injected busy lock stays busy when sticky: do not wait 5 s for it.
  options.busy_timeout = std::chrono::milliseconds(20);
  auto db = Database::Open(path, options);
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  REQUIRE((*db)->SyncFeeds(testing::StreamFeeds()).ok());
  return std::move(db).value();
}

// Rounds 0 and 1 of every feed, then round 2 of feed 0 (the one that fails).
constexpr int kFaultRound = 2;

void RecordBefore(Database& db) {
  for (int round = 0; round < kFaultRound; ++round) {
    for (int f = 0; f < testing::kStreamFeeds; ++f) REQUIRE(RecordPoll(db, round, f).ok());
  }
}

void RecordAfter(Database& db) {
  for (int f = 1; f < testing::kStreamFeeds; ++f) REQUIRE(RecordPoll(db, kFaultRound, f).ok());
}

TEST_CASE("Failing the Nth I/O step of a record loses and duplicates nothing") {
  testing::RegisterFaultVfs();
  TempDir dir;
  std::string reference;
  {
    const std::string path = dir.File("reference.db");
    auto db = OpenAt(path, "");
    RecordBefore(*db);
    REQUIRE(RecordPoll(*db, kFaultRound, 0).ok());
    RecordAfter(*db);
    reference = testing::DumpStream(path);
  }

  const bool sticky = GENERATE(false, true);
  INFO((sticky ? "sticky" : "one-shot") << " faults");
  int failures = 0;
  long n = 1;
  for (;; ++n) {
    INFO("failing step " << n);
    const std::string path = dir.File("fault-" + std::to_string(n) + ".db");
    auto db = OpenAt(path, testing::kFaultVfsName);
    RecordBefore(*db);

    const FeedState state = PollState(*db, kFaultRound, 0);
    testing::ArmFault(n, sticky);
    const Result<RecordCounts> result = RecordPoll(*db, state, kFaultRound, 0);
    const bool fired = testing::DisarmFault();
    if (!fired) {
      // The record needed fewer than n steps: every step has been failed.
      REQUIRE(result.ok());
      break;
    }
    // A lock that is busy once is retried by SQLite's busy handler and may
    // succeed; anything else must be reported.
    if (!result.ok()) {
      ++failures;
      CHECK(result.status().code() == Status::Code::kIoError);
      CHECK(result.status().message().rfind("record fetch: ", 0) == 0);
    }

    const std::vector<std::string> problems = testing::CheckStreamInvariants(path);
    for (const std::string& p : problems) UNSCOPED_INFO(p);
    REQUIRE(problems.empty());

    // The daemon retries the poll later, on the same connection.
    if (!result.ok()) {
      const Result<RecordCounts> retry = RecordPoll(*db, state, kFaultRound, 0);
      INFO(retry.status().ToString());
      REQUIRE(retry.ok());
    }
    RecordAfter(*db);
    db.reset();
    CHECK(testing::DumpStream(path) == reference);
    std::remove(path.c_str());
  }
  INFO("steps failed: " << n - 1 << ", reported failures: " << failures);
  CHECK(n > 3);
  CHECK(failures > 0);
}

}  // namespace
}  // namespace mineral::storage
