#include "storage/database.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "storage/migrations.h"
#include "storage/test_util.h"

namespace mineral::storage {
namespace {

using testing::TempDir;

std::unique_ptr<Database> OpenOk(const std::string& path) {
  auto db = Database::Open(path, DatabaseOptions{});
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  return std::move(db).value();
}

FeedSpec Spec(const std::string& id, const std::string& url, bool backlog = false) {
  FeedSpec spec;
  spec.id = id;
  spec.url = url;
  spec.alert_backlog = backlog;
  return spec;
}

TEST_CASE("Open creates a database at the current schema, in WAL mode") {
  TempDir dir;
  const std::string path = dir.File("state.db");
  {
    auto db = OpenOk(path);
    CHECK(db->SchemaVersion() == CurrentSchemaVersion());
  }
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("PRAGMA journal_mode").getString() == "wal");
  CHECK(raw.execAndGet("PRAGMA user_version").getInt() == CurrentSchemaVersion());
  for (const char* table : {"feeds", "items", "tombstones", "item_matches", "alerts", "alert_keys",
                            "alert_sources", "outbox", "deliveries"}) {
    INFO(table);
    SQLite::Statement s(raw, "SELECT count(*) FROM sqlite_schema WHERE name = ?");
    s.bind(1, table);
    REQUIRE(s.executeStep());
    CHECK(s.getColumn(0).getInt() == 1);
  }
}

TEST_CASE("Reopening keeps the data and does not migrate again") {
  TempDir dir;
  const std::string path = dir.File("state.db");
  REQUIRE(OpenOk(path)->SyncFeeds({Spec("fr", "https://example.org/fr.xml")}).ok());
  auto db = OpenOk(path);
  CHECK(db->SchemaVersion() == CurrentSchemaVersion());
  auto states = db->LoadFeedStates();
  REQUIRE(states.ok());
  REQUIRE(states->size() == 1);
  CHECK((*states)[0].feed_id == "fr");
}

// Every earlier schema version migrates to the current one.  Version 0 (an
// empty file, or one from before storage existed) is the only earlier one
// so far; when a step is appended, add the file the previous version wrote.
TEST_CASE("Open migrates every earlier version") {
  for (int version = 0; version < CurrentSchemaVersion(); ++version) {
    TempDir dir;
    const std::string path = dir.File("old.db");
    {
      SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      for (int step = 0; step < version; ++step) raw.exec(MigrationSteps()[step]);
      raw.exec("PRAGMA user_version = " + std::to_string(version));
    }
    INFO("from version " << version);
    CHECK(OpenOk(path)->SchemaVersion() == CurrentSchemaVersion());
  }
}

// Version 1 kept alert_keys without the alert's time, and alerts without
// `matches`.  A store written by version 1 (made here by writing one now and
// turning those tables back into version 1's) migrates, its alerts still
// match, and its stories still gather reprints.
TEST_CASE("A version 1 store migrates with its story keys") {
  TempDir dir;
  const std::string path = dir.File("v1.db");
  const UtcTime t0{std::chrono::seconds{1'750'000'000}};
  auto matcher = [](const Item&) {
    AlertCandidate c;
    c.rule_id = "r";
    c.severity = "warning";
    c.receivers = {"hook"};
    c.evidence = {{"gallium", "title", 0, 7}};
    return std::vector<AlertCandidate>{c};
  };
  auto item = [](const std::string& key, const std::string& title) {
    Item i;
    i.key = key;
    i.title = title;
    i.summary_text = "China suspended its ban on exports of gallium and germanium to the US.";
    return i;
  };
  FeedState a;
  a.feed_id = "a";
  FeedState b;
  b.feed_id = "b";
  {
    auto db = OpenOk(path);
    REQUIRE(
        db->SyncFeeds({Spec("a", "https://a.example/", true), Spec("b", "https://b/", true)}).ok());
    auto first = db->RecordFetch(
        a, {item("k1", "China suspends ban on gallium and germanium exports to US")}, t0, matcher);
    REQUIRE(first.ok());
    REQUIRE(first->alerts == 1);
  }
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec(
        "CREATE TABLE old_keys (key INTEGER NOT NULL, alert INTEGER NOT NULL REFERENCES alerts(id) "
        "ON DELETE CASCADE, PRIMARY KEY (key, alert)) WITHOUT ROWID;"
        "INSERT INTO old_keys SELECT key, alert FROM alert_keys;"
        "DROP TABLE alert_keys; ALTER TABLE old_keys RENAME TO alert_keys;"
        "CREATE INDEX alert_keys_alert ON alert_keys(alert);"
        "ALTER TABLE alerts DROP COLUMN matches;"
        "PRAGMA user_version = 1;");
  }
  auto db = OpenOk(path);
  CHECK(db->SchemaVersion() == CurrentSchemaVersion());
  auto reprint = db->RecordFetch(
      b, {item("k2", "UPDATE 1-China suspends ban on gallium and germanium exports to US")},
      t0 + std::chrono::hours(1), matcher);
  REQUIRE(reprint.ok());
  CHECK(reprint->alerts == 0);
  CHECK(reprint->clustered == 1);
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("SELECT count(*) FROM alerts WHERE matches = 1").getInt() == 1);
  CHECK(raw.execAndGet("SELECT count(*) FROM alert_keys WHERE created_at = 1750000000").getInt() ==
        raw.execAndGet("SELECT count(*) FROM alert_keys").getInt());
}

TEST_CASE("Open refuses a database from a newer version, naming both versions") {
  TempDir dir;
  const std::string path = dir.File("new.db");
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("PRAGMA user_version = 7");
  }
  auto db = Database::Open(path, DatabaseOptions{});
  REQUIRE_FALSE(db.ok());
  CHECK(db.status().code() == Status::Code::kUnsupported);
  CHECK(db.status().message() ==
        path + ": database schema version 7 is newer than this mineral-alertd supports (2)");
  // The refusal left the file alone.
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("PRAGMA user_version").getInt() == 7);
}

TEST_CASE("Open reports a path it cannot open as an I/O error") {
  auto db = Database::Open("/nonexistent-dir/state.db", DatabaseOptions{});
  REQUIRE_FALSE(db.ok());
  CHECK(db.status().code() == Status::Code::kIoError);
  CHECK(db.status().message().rfind("/nonexistent-dir/state.db: ", 0) == 0);
}

TEST_CASE("SyncFeeds adds feeds, keeps their state, follows a changed configured URL") {
  TempDir dir;
  auto db = OpenOk(dir.File("state.db"));
  REQUIRE(db->SyncFeeds({Spec("a", "https://a.example/feed"), Spec("b", "https://b.example/feed")})
              .ok());
  auto states = db->LoadFeedStates();
  REQUIRE(states.ok());
  REQUIRE(states->size() == 2);
  FeedState a = (*states)[0];
  CHECK(a.feed_id == "a");
  CHECK(a.url == "https://a.example/feed");
  CHECK_FALSE(a.next_poll_at.has_value());
  CHECK_FALSE(a.baseline_done);

  // A poll's outcome, including a permanent redirect.
  a.url = "https://a.example/moved";
  a.etag = "\"v1\"";
  a.last_modified = "Wed, 21 Oct 2015 07:28:00 GMT";
  a.next_poll_at = UtcTime{std::chrono::seconds{1'700'000'600}};
  a.last_attempt = a.last_success = UtcTime{std::chrono::seconds{1'700'000'000}};
  a.last_status = 200;
  a.consecutive_failures = 0;
  a.interval_seconds = 600;
  a.avg_latency_ms = 120;
  a.polls = 3;
  REQUIRE(db->SaveFeedState(a).ok());

  // Same config again: the state survives.
  REQUIRE(db->SyncFeeds({Spec("a", "https://a.example/feed"), Spec("b", "https://b.example/feed")})
              .ok());
  states = db->LoadFeedStates();
  REQUIRE(states.ok());
  const FeedState& kept = (*states)[0];
  CHECK(kept.url == "https://a.example/moved");
  CHECK(kept.etag == "\"v1\"");
  CHECK(kept.last_modified == "Wed, 21 Oct 2015 07:28:00 GMT");
  CHECK(kept.next_poll_at == a.next_poll_at);
  CHECK(kept.last_success == a.last_success);
  CHECK(kept.last_status == 200);
  CHECK(kept.interval_seconds == 600);
  CHECK(kept.avg_latency_ms == 120);
  CHECK(kept.polls == 3);

  // The operator edits a's URL and drops b: the new URL wins over the
  // redirect learnt from the old one; b's history stays but is not loaded.
  REQUIRE(db->SyncFeeds({Spec("a", "https://a.example/new-feed")}).ok());
  states = db->LoadFeedStates();
  REQUIRE(states.ok());
  REQUIRE(states->size() == 1);
  CHECK((*states)[0].url == "https://a.example/new-feed");
  CHECK((*states)[0].etag.empty());
  CHECK((*states)[0].last_modified.empty());
  CHECK((*states)[0].polls == 3);

  FeedState unknown;
  unknown.feed_id = "zz";
  CHECK(db->SaveFeedState(unknown).code() == Status::Code::kNotFound);
}

}  // namespace
}  // namespace mineral::storage
