#include "storage/database.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

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

// The rows of every table of `db`, one sorted line each: two stores holding
// the same data dump the same, whatever their schema version.
std::string DumpTables(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  std::vector<std::string> lines;
  SQLite::Statement tables(db, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY 1");
  while (tables.executeStep()) {
    const std::string table = tables.getColumn(0).getString();
    SQLite::Statement rows(db, "SELECT * FROM " + table);
    while (rows.executeStep()) {
      std::string line = table;
      for (int c = 0; c < rows.getColumnCount(); ++c) {
        line += std::string(" ") + rows.getColumnName(c) + "=" + rows.getColumn(c).getString();
      }
      lines.push_back(std::move(line));
    }
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

// Writes at `path` a store of schema `version`, its tables made by that
// version's steps, holding the rows of the current-version store `from` in
// the columns that version has (no step so far removed a column).
void WriteStoreAtVersion(const std::string& from, const std::string& path, int version) {
  SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  for (int step = 0; step < version; ++step) raw.exec(MigrationSteps()[step]);
  raw.exec("PRAGMA user_version = " + std::to_string(version));
  SQLite::Statement attach(raw, "ATTACH DATABASE ? AS src");
  attach.bind(1, from);
  attach.exec();
  SQLite::Statement tables(raw, "SELECT name FROM main.sqlite_schema WHERE type = 'table'");
  std::vector<std::string> names;
  while (tables.executeStep()) names.push_back(tables.getColumn(0).getString());
  for (const std::string& table : names) {
    std::string columns;
    SQLite::Statement info(raw, "SELECT name FROM pragma_table_info(?, 'main')");
    info.bind(1, table);
    while (info.executeStep())
      columns += (columns.empty() ? "" : ", ") + info.getColumn(0).getString();
    raw.exec("INSERT INTO main." + table + " (" + columns + ") SELECT " + columns + " FROM src." +
             table);
  }
}

// Every earlier version, holding alerts with their story keys, sources,
// outbox rows and deliveries: migrating keeps every row, the stories still
// gather reprints, and pruning still removes an alert with all that hangs
// off it.
TEST_CASE("A store of every earlier version migrates with all its rows") {
  const UtcTime t0{std::chrono::seconds{1'750'000'000}};
  auto matcher = [](const Item&) {
    AlertCandidate c;
    c.rule_id = "r";
    c.severity = "warning";
    c.receivers = {"hook", "mail"};
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
  TempDir dir;
  const std::string current = dir.File("current.db");
  {
    auto db = OpenOk(current);
    REQUIRE(
        db->SyncFeeds({Spec("a", "https://a.example/", true), Spec("b", "https://b/", true)}).ok());
    auto first =
        db->RecordFetch(a,
                        {item("k1", "China suspends ban on gallium and germanium exports to US"),
                         item("k3", "Cobalt quotas replace the Congo export ban")},
                        t0, matcher);
    REQUIRE(first.ok());
    REQUIRE(first->alerts == 2);
    auto claimed = db->ClaimDueOutbox(t0, 10);
    REQUIRE(claimed.ok());
    REQUIRE(claimed->size() == 4);
    for (const OutboxEntry& e : *claimed) {
      REQUIRE(
          db->RecordDeliveryAttempt({e.id, t0, "delivered", std::chrono::milliseconds(5), 200, ""})
              .ok());
      REQUIRE(db->MarkDelivered(e.id, t0).ok());
    }
  }
  const std::string want = DumpTables(current);
  REQUIRE(want.find("alert_keys ") != std::string::npos);
  REQUIRE(want.find("deliveries ") != std::string::npos);

  for (int version = 1; version < CurrentSchemaVersion(); ++version) {
    INFO("from version " << version);
    const std::string path = dir.File("v" + std::to_string(version) + ".db");
    WriteStoreAtVersion(current, path, version);
    {
      auto db = OpenOk(path);
      CHECK(db->SchemaVersion() == CurrentSchemaVersion());
    }
    CHECK(DumpTables(path) == want);

    auto db = OpenOk(path);
    auto reprint = db->RecordFetch(
        b, {item("k2", "UPDATE 1-China suspends ban on gallium and germanium exports to US")},
        t0 + std::chrono::hours(1), matcher);
    REQUIRE(reprint.ok());
    CHECK(reprint->alerts == 0);
    CHECK(reprint->clustered == 1);

    PruneOptions prune;
    prune.max_age = std::chrono::hours(24 * 30);
    prune.tombstone_max_age = std::chrono::hours(24 * 60);
    auto pruned = db->Prune(t0 + std::chrono::hours(24 * 40), prune);
    REQUIRE(pruned.ok());
    CHECK(pruned->alerts == 2);
    SQLite::Database raw(path, SQLite::OPEN_READONLY);
    for (const char* table : {"alerts", "alert_keys", "alert_sources", "outbox", "deliveries"}) {
      INFO(table);
      CHECK(raw.execAndGet(std::string("SELECT count(*) FROM ") + table).getInt() == 0);
    }
  }
}

// The lookups that need an index have one: each query here (the shape of
// one in database.cc, or the lookup SQLite makes to enforce a foreign key
// when a parent row is deleted) searches an index rather than scanning a
// table.  Guards the schema against dropping an index someone still needs.
TEST_CASE("Lookups by item and alert and story key search an index") {
  TempDir dir;
  const std::string path = dir.File("state.db");
  OpenOk(path);
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  for (const char* sql : {
           "SELECT id, content_hash, last_seen FROM items WHERE feed = 1 AND key = 'k'",
           "SELECT id FROM alerts WHERE item = 1",  // history; items' foreign key
           "SELECT id FROM alerts WHERE item = 1 AND rule_id = 'r' AND revision = 2",
           "SELECT id FROM alerts WHERE created_at >= 5 ORDER BY created_at DESC",
           "SELECT alert FROM alert_sources WHERE item = 1",  // items' foreign key
           "SELECT item FROM alert_sources WHERE alert = 1",  // alerts' foreign key
           "SELECT rule_id FROM item_matches WHERE item = 1",
           "SELECT receiver FROM outbox WHERE alert = 1",  // alerts' foreign key
           // a receiver's claim (its rows, alerts and first sources; by due
           // time without a sort)
           "SELECT o.id, a.rule_id, i.title, f.config_id, EXISTS (SELECT 1 FROM alert_sources s "
           "WHERE s.alert = a.id AND s.item <> a.item) FROM outbox o "
           "JOIN alerts a ON a.id = o.alert JOIN items i ON i.id = a.item "
           "JOIN feeds f ON f.id = i.feed WHERE o.state = 'pending' AND o.next_attempt_at <= 5 "
           "AND o.receiver = 'hook' ORDER BY o.next_attempt_at, o.id LIMIT 8",
           "SELECT id FROM outbox WHERE state = 'pending' AND receiver = 'hook'",  // expedite
           "SELECT at FROM deliveries WHERE outbox = 1",  // outbox's foreign key
           "SELECT alert FROM alert_keys WHERE key = 1 AND created_at >= 5",
       }) {
    INFO(sql);
    SQLite::Statement plan(raw, std::string("EXPLAIN QUERY PLAN ") + sql);
    int steps = 0;
    while (plan.executeStep()) {
      const std::string detail = plan.getColumn(3).getString();
      INFO(detail);
      // A subquery's heading line is not a step; its steps follow.
      if (detail.rfind("CORRELATED SCALAR SUBQUERY", 0) == 0) continue;
      CHECK(detail.rfind("SEARCH", 0) == 0);
      ++steps;
    }
    CHECK(steps > 0);
  }
}

// Rule "r" (warning) fires on every item, for receivers hook and mail.
Matcher HookAndMail() {
  AlertCandidate candidate;
  candidate.rule_id = "r";
  candidate.severity = "warning";
  candidate.receivers = {"hook", "mail"};
  return [candidate](const Item&) { return std::vector<AlertCandidate>{candidate}; };
}

// Version 3's outbox checked its state with `IN`: a store written by it (its
// CHECK put back) migrates with every row, state and logged attempt, and
// the new CHECK still refuses a state that is none of the four.
TEST_CASE("A version 3 store migrates with its outbox") {
  const Matcher matcher = HookAndMail();
  TempDir dir;
  const std::string path = dir.File("v3.db");
  const UtcTime t0{std::chrono::seconds{1'750'000'000}};
  Item item;
  item.key = "k1";
  item.title = "Gallium export licences";
  FeedState a;
  a.feed_id = "a";
  int64_t delivered_id = 0;
  {
    auto db = OpenOk(path);
    REQUIRE(db->SyncFeeds({Spec("a", "https://a.example/", true)}).ok());
    REQUIRE(db->RecordFetch(a, {item}, t0, matcher).ok());
    auto claimed = db->ClaimDueOutboxFor("hook", t0, 10, false);
    REQUIRE(claimed->size() == 1);
    delivered_id = (*claimed)[0].id;
    REQUIRE(
        db->CompleteAttempts(
              {{{delivered_id, t0, "delivered", std::chrono::milliseconds(9), 204, ""}, UtcTime{}}})
            .ok());
  }
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec(
        "PRAGMA writable_schema = ON;"
        "UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (state = ''pending'' OR state = "
        "''in-flight'' OR state = ''delivered'' OR state = ''dead'')', "
        "'CHECK (state IN (''pending'', ''in-flight'', ''delivered'', ''dead''))') "
        "WHERE name = 'outbox';"
        "PRAGMA writable_schema = OFF;"
        "PRAGMA user_version = 3;");
    REQUIRE(raw.execAndGet("SELECT sql FROM sqlite_schema WHERE name = 'outbox'")
                .getString()
                .find("state IN (") != std::string::npos);
  }
  auto db = OpenOk(path);
  CHECK(db->SchemaVersion() == CurrentSchemaVersion());
  auto alerts = db->ListAlerts(UtcTime{}, "");
  REQUIRE(alerts.ok());
  REQUIRE(alerts->size() == 1);
  const auto& d = alerts->front().deliveries;
  REQUIRE(d.size() == 2);
  CHECK(d[0].outbox_id == delivered_id);
  CHECK(d[0].state == OutboxState::kDelivered);
  CHECK(d[1].state == OutboxState::kPending);
  auto history = db->AlertHistory(alerts->front().id);
  REQUIRE(history.ok());
  int attempts = 0;
  for (const HistoryEvent& h : *history) attempts += h.event == "attempt";
  CHECK(attempts == 1);
  CHECK(db->ClaimDueOutboxFor("mail", t0, 10, false)->size() == 1);
  SQLite::Database raw(path, SQLite::OPEN_READWRITE);
  CHECK(raw.execAndGet("SELECT sql FROM sqlite_schema WHERE name = 'outbox'")
            .getString()
            .find("state IN (") == std::string::npos);
  CHECK_THROWS(raw.exec("UPDATE outbox SET state = 'lost'"));
  SQLite::Statement broken(raw, "PRAGMA foreign_key_check");
  CHECK_FALSE(broken.executeStep());
}

// Version 4 indexed every outbox row by (state, next_attempt_at); version 5
// only the rows still being delivered.  A version 4 store with rows pending,
// waiting for a retry, in flight at a crash and delivered migrates, and each
// goes on as it would have: the crash's rows pending again and claimed, the
// retry at its time, the delivered one never again.
TEST_CASE("A version 4 store's undelivered outbox rows are claimed after migrating") {
  const Matcher matcher = HookAndMail();
  TempDir dir;
  const std::string path = dir.File("v4.db");
  const UtcTime t0{std::chrono::seconds{1'750'000'000}};
  auto item = [](const std::string& key, const std::string& title) {
    Item i;
    i.key = key;
    i.title = title;
    return i;
  };
  FeedState a;
  a.feed_id = "a";
  int64_t delivered = 0;
  int64_t retried = 0;
  std::vector<int64_t> in_flight;
  {
    auto db = OpenOk(path);
    REQUIRE(db->SyncFeeds({Spec("a", "https://a.example/", true)}).ok());
    REQUIRE(db->RecordFetch(a,
                            {item("k1", "Gallium export licences"),
                             item("k2", "Cobalt quotas replace the Congo export ban"),
                             item("k3", "Lithium brine royalties doubled in Chile")},
                            t0, matcher)
                .ok());
    auto hook = db->ClaimDueOutboxFor("hook", t0, 10, false);
    REQUIRE(hook->size() == 3);
    delivered = (*hook)[0].id;
    retried = (*hook)[1].id;
    in_flight.push_back((*hook)[2].id);
    REQUIRE(db->CompleteAttempts(
                  {{{delivered, t0, "delivered", std::chrono::milliseconds(9), 204, ""}, UtcTime{}},
                   {{retried, t0, "retry", std::chrono::milliseconds(9), 503, "HTTP 503"},
                    t0 + std::chrono::minutes(5)}})
                .ok());
    auto mail = db->ClaimDueOutboxFor("mail", t0, 1, false);
    REQUIRE(mail->size() == 1);
    in_flight.push_back((*mail)[0].id);
    // The process "dies" with two rows in flight.
  }
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec(
        "DROP INDEX outbox_pending;"
        "CREATE INDEX outbox_due ON outbox(state, next_attempt_at);"
        "PRAGMA user_version = 4;");
    REQUIRE(raw.execAndGet("SELECT count(*) FROM outbox WHERE state = 'in-flight'").getInt() == 2);
  }
  auto db = OpenOk(path);
  CHECK(db->SchemaVersion() == CurrentSchemaVersion());
  {
    SQLite::Database raw(path, SQLite::OPEN_READONLY);
    CHECK(raw.execAndGet("SELECT count(*) FROM sqlite_schema WHERE name = 'outbox_due'").getInt() ==
          0);
    CHECK(raw.execAndGet("SELECT count(*) FROM outbox WHERE state = 'in-flight'").getInt() == 0);
  }
  // hook: the row in flight at the crash now; the retry at its time; the
  // delivered row never.
  auto hook = db->ClaimDueOutboxFor("hook", t0, 10, false);
  REQUIRE(hook->size() == 1);
  CHECK((*hook)[0].id == in_flight[0]);
  CHECK((*hook)[0].attempts == 0);
  CHECK(db->ClaimDueOutboxFor("hook", t0 + std::chrono::minutes(4), 10, false)->empty());
  auto later = db->ClaimDueOutboxFor("hook", t0 + std::chrono::minutes(5), 10, false);
  REQUIRE(later->size() == 1);
  CHECK((*later)[0].id == retried);
  CHECK((*later)[0].attempts == 1);
  // mail: all three, the one in flight at the crash first (ids in order).
  auto mail = db->ClaimDueOutboxFor("mail", t0, 10, false);
  REQUIRE(mail->size() == 3);
  CHECK((*mail)[0].id == in_flight[1]);
  CHECK(db->ClaimDueOutbox(t0 + std::chrono::hours(1), 10)->empty());
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
        path + ": database schema version 7 is newer than this mineral-alertd supports (" +
            std::to_string(CurrentSchemaVersion()) + ")");
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
