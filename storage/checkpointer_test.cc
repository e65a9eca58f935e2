// The background checkpointer (storage/checkpointer.h) as Database uses it:
// checkpoints on its own thread, a log that stays bounded, the writer's own
// checkpoints when that thread cannot work, and SQLite's automatic
// checkpoints when it is turned off.
#include "storage/checkpointer.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "storage/database.h"
#include "storage/test_util.h"

namespace mineral::storage {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr int kCheckpointPages = 32;
constexpr int kPolls = 300;
constexpr int kItemsPerPoll = 20;  // ~2 KB each: a poll writes ~15 pages
// Without checkpoints the log would grow to ~4,500 frames (18 MB).  With
// them it reaches twice the checkpoint size before the writer steps in,
// plus what is written while a checkpoint of the thread ends (its fsyncs):
// a few polls, more on a loaded machine, where the thread can be off its
// core while it holds the checkpoint lock and the writer's own checkpoints
// are refused as busy (4.5 MB seen at load 7).  Half the unbounded size
// still tells the two apart.
constexpr uintmax_t kLogBound = 9 << 20;

Item MakeItem(int n) {
  Item item;
  item.key = "story-" + std::to_string(n);
  item.guid = item.key;
  item.title = "Story " + std::to_string(n);
  item.link = "https://example.org/" + item.key;
  for (int k = 0; k < 200; ++k) item.summary_text += "word" + std::to_string((n + k) % 97) + " ";
  item.language = "en";
  item.published = UtcTime{std::chrono::seconds{1'750'000'000 + n}};
  return item;
}

std::vector<AlertCandidate> NoMatches(const Item&) { return {}; }

std::unique_ptr<Database> OpenWith(const std::string& path, bool background) {
  DatabaseOptions options;
  options.wal_autocheckpoint_pages = kCheckpointPages;
  options.background_checkpoints = background;
  auto db = Database::Open(path, options);
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  FeedSpec feed;
  feed.id = "feed";
  feed.url = "https://example.org/feed.xml";
  REQUIRE((*db)->SyncFeeds({feed}).ok());
  return std::move(db).value();
}

// Records kPolls polls of new items; returns the largest size the log file
// had after any of them.
uintmax_t RecordPolls(Database& db, const std::string& wal_path) {
  auto states = db.LoadFeedStates();
  REQUIRE(states.ok());
  FeedState state = states->at(0);
  uintmax_t largest = 0;
  for (int poll = 0; poll < kPolls; ++poll) {
    std::vector<Item> items;
    for (int k = 0; k < kItemsPerPoll; ++k) items.push_back(MakeItem(poll * kItemsPerPoll + k));
    state.polls++;
    const UtcTime now{std::chrono::seconds{1'750'000'000 + poll * 60}};
    auto counts = db.RecordFetch(state, items, now, NoMatches);
    INFO(counts.status().ToString());
    REQUIRE(counts.ok());
    REQUIRE(counts->new_items == kItemsPerPoll);
    largest = std::max(largest, fs::file_size(wal_path));
  }
  return largest;
}

int CountItems(Database& db) {
  int items = 0;
  REQUIRE(db.ForEachItemSince(UtcTime{}, [&](const StoredItem&) { ++items; }).ok());
  return items;
}

// Rows of `items` in the database file alone, as the checkpoints left it:
// a copy of the file without its log.  Only while no checkpoint runs.
int64_t ItemsInFileAlone(const std::string& path, const std::string& copy) {
  fs::copy_file(path, copy, fs::copy_options::overwrite_existing);
  SQLite::Database file(copy, SQLite::OPEN_READONLY);
  return file.execAndGet("SELECT count(*) FROM items").getInt64();
}

TEST_CASE("Checkpoints run on their own thread and the log stays bounded", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.File("state.db");
  auto db = OpenWith(path, true);
  const uintmax_t empty_file = fs::file_size(path);
  const uintmax_t largest = RecordPolls(*db, path + "-wal");

  // Every poll committed while the thread checkpointed beside it.
  CheckpointStats stats = db->CheckpointerStats();
  for (int i = 0; i < 200 && stats.checkpoints == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    stats = db->CheckpointerStats();
  }
  INFO(stats.last_error);
  CHECK(stats.checkpoints > 0);
  CHECK(stats.failures == 0);
  CHECK(largest <= kLogBound);
  // Only checkpoints write to the database file in WAL mode.
  CHECK(fs::file_size(path) > empty_file + (1 << 20));
  CHECK(CountItems(*db) == kPolls * kItemsPerPoll);

  // Closing stops the thread, then checkpoints the rest and removes the log.
  db.reset();
  CHECK_FALSE(fs::exists(path + "-wal"));
  CHECK(ItemsInFileAlone(path, dir.File("copy.db")) == kPolls * kItemsPerPoll);
}

TEST_CASE("The writer checkpoints itself when the checkpointer cannot", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.File("state.db");
  auto db = OpenWith(path, true);
  // The writer keeps its open files; the checkpointer, which opens the
  // database by name at its first checkpoint, finds nothing there.
  const std::string moved = dir.File("moved.db");
  for (const char* suffix : {"", "-wal", "-shm"}) fs::rename(path + suffix, moved + suffix);

  const uintmax_t largest = RecordPolls(*db, moved + "-wal");
  CHECK(largest <= kLogBound);
  CHECK(CountItems(*db) == kPolls * kItemsPerPoll);
  const CheckpointStats stats = db->CheckpointerStats();
  CHECK(stats.checkpoints == 0);
  CHECK(stats.failures > 0);
  CHECK_THAT(stats.last_error, Catch::Contains("unable to open"));
  CHECK(ItemsInFileAlone(moved, dir.File("copy.db")) > 0);
}

TEST_CASE("Without the thread, SQLite's automatic checkpoints keep the log bounded",
          "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.File("state.db");
  auto db = OpenWith(path, false);
  const uintmax_t largest = RecordPolls(*db, path + "-wal");
  CHECK(largest <= kLogBound);
  const CheckpointStats stats = db->CheckpointerStats();
  CHECK(stats.checkpoints == 0);
  CHECK(stats.failures == 0);
  CHECK(ItemsInFileAlone(path, dir.File("copy.db")) > 0);
}

TEST_CASE("A checkpoint refused because another one runs is not counted as done", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.File("plain.db");
  SQLite::Database writer(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  writer.exec(
      "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"
      "CREATE TABLE t(x); INSERT INTO t VALUES (1)");
  // A reader on the snapshot before the last write: a FULL checkpoint waits
  // for it, holding the checkpoint lock all the while.
  SQLite::Database reader(path, SQLite::OPEN_READONLY);
  reader.exec("BEGIN");
  CHECK(reader.execAndGet("SELECT count(*) FROM t").getInt() == 1);
  writer.exec("INSERT INTO t VALUES (2)");

  SQLite::Database other(path, SQLite::OPEN_READWRITE);
  // A connection's checkpoint finds the log only once it has read.
  other.exec("SELECT 1 FROM sqlite_schema LIMIT 1");
  struct Gate {
    std::atomic<bool> waiting{false};
    std::atomic<bool> release{false};
  } gate;
  sqlite3_busy_handler(
      other.getHandle(),
      [](void* context, int) {
        auto* g = static_cast<Gate*>(context);
        g->waiting = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return g->release ? 0 : 1;
      },
      &gate);
  std::thread full([&] {
    sqlite3_wal_checkpoint_v2(other.getHandle(), nullptr, SQLITE_CHECKPOINT_FULL, nullptr, nullptr);
  });
  for (int i = 0; i < 2000 && !gate.waiting; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(gate.waiting);

  CheckpointStats stats;
  {
    Checkpointer checkpointer(path, "", 1);
    checkpointer.Nudge(1);
    for (int i = 0; i < 400 && stats.busy == 0 && stats.checkpoints == 0 && stats.failures == 0;
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      stats = checkpointer.Stats();
    }
  }
  gate.release = true;
  full.join();
  reader.exec("COMMIT");
  INFO(stats.last_error);
  CHECK(stats.busy == 1);
  CHECK(stats.checkpoints == 0);
  CHECK(stats.failures == 0);
}

}  // namespace
}  // namespace mineral::storage
