#include "storage/migrations.h"

#include <array>
#include <string>

namespace mineral::storage {
namespace {

// Columns that version 1's alerts and outbox and version 3's rebuilds of
// them share: one text, so that the rebuilt tables keep them to the letter.
// (Cut out of version 1's text, which reads as it always did.)
constexpr const char* kAlertColumns = R"sql(
  id INTEGER PRIMARY KEY,
  rule_id TEXT NOT NULL,
  item INTEGER NOT NULL REFERENCES items(id),   -- the first source
  revision INTEGER NOT NULL,                    -- its content hash when raised
  kind TEXT NOT NULL CHECK (kind IN ('new', 'amended')),
  severity TEXT NOT NULL,
  labels TEXT NOT NULL,
  evidence TEXT NOT NULL,
  doc_number TEXT NOT NULL,
  created_at INTEGER NOT NULL,)sql";
// Split so that version 4 can replace the state CHECK and keep the rest.
constexpr const char* kOutboxState = R"sql(
  state TEXT NOT NULL CHECK (state IN ('pending', 'in-flight', 'delivered', 'dead')),)sql";
constexpr const char* kOutboxRest = R"sql(
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (alert, receiver)
);)sql";
const std::string kOutboxColumns = std::string(kOutboxState) + kOutboxRest;

// Fills `table` (the outbox's next shape) from the outbox, and puts it in
// the outbox's place with its index.
std::string ReplaceOutboxWith(const std::string& table) {
  return "INSERT INTO " + table +
         " (id, alert, receiver, idempotency_key, state, attempts, next_attempt_at,\n"
         "  last_error, created_at, updated_at)\n"
         "  SELECT id, alert, receiver, idempotency_key, state, attempts, next_attempt_at,\n"
         "         last_error, created_at, updated_at FROM outbox;\n"
         "DROP TABLE outbox;\n"
         "ALTER TABLE " +
         table +
         " RENAME TO outbox;\n"
         "CREATE INDEX outbox_due ON outbox(state, next_attempt_at);\n";
}

// Times are INTEGER seconds since the Unix epoch (UTC); booleans 0/1; lists
// (categories, authors, labels) are joined with U+001F, which feeds cannot
// carry in text.
const std::string kVersion1 = R"sql(
CREATE TABLE feeds (
  id INTEGER PRIMARY KEY,
  config_id TEXT NOT NULL UNIQUE,
  configured_url TEXT NOT NULL,
  url TEXT NOT NULL,                      -- polled now: configured, or a permanent redirect
  alert_backlog INTEGER NOT NULL DEFAULT 0,
  active INTEGER NOT NULL DEFAULT 1,      -- 0: no longer configured, history kept
  etag TEXT NOT NULL DEFAULT '',
  last_modified TEXT NOT NULL DEFAULT '',
  next_poll_at INTEGER,
  last_attempt INTEGER,
  last_success INTEGER,
  last_status INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  gone INTEGER NOT NULL DEFAULT 0,
  interval_seconds INTEGER NOT NULL DEFAULT 0,
  avg_latency_ms INTEGER NOT NULL DEFAULT 0,
  polls INTEGER NOT NULL DEFAULT 0,
  baseline_done INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE items (
  id INTEGER PRIMARY KEY,
  feed INTEGER NOT NULL REFERENCES feeds(id),
  key TEXT NOT NULL,
  content_hash INTEGER NOT NULL,
  revisions INTEGER NOT NULL DEFAULT 1,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  guid TEXT NOT NULL,
  title TEXT NOT NULL,
  link TEXT NOT NULL,
  published INTEGER,
  updated INTEGER,
  summary_text TEXT NOT NULL,
  content_text TEXT NOT NULL,
  language TEXT NOT NULL,
  categories TEXT NOT NULL,
  authors TEXT NOT NULL,
  origin TEXT NOT NULL,
  UNIQUE (feed, key)
);

-- Keys of pruned items: such a key is never new again.
CREATE TABLE tombstones (
  feed INTEGER NOT NULL REFERENCES feeds(id),
  key TEXT NOT NULL,
  content_hash INTEGER NOT NULL,
  pruned_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (feed, key)
) WITHOUT ROWID;

CREATE TABLE item_matches (
  item INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  rule_id TEXT NOT NULL,
  terms TEXT NOT NULL,       -- sorted distinct matched terms: what amendments compare
  evidence TEXT NOT NULL,    -- term US field US offset US length, records split by RS
  matched_at INTEGER NOT NULL,
  PRIMARY KEY (item, rule_id)
) WITHOUT ROWID;

-- One alert per story and rule; the story's sources are in alert_sources.
CREATE TABLE alerts ()sql" + std::string(kAlertColumns) +
                              R"sql(
  UNIQUE (rule_id, item, revision)
);
CREATE INDEX alerts_item ON alerts(item);
CREATE INDEX alerts_created ON alerts(created_at);

-- Lookup keys of an alert's story (document number, title MinHash bands), per rule.
CREATE TABLE alert_keys (
  key INTEGER NOT NULL,
  alert INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  PRIMARY KEY (key, alert)
) WITHOUT ROWID;
CREATE INDEX alert_keys_alert ON alert_keys(alert);

CREATE TABLE alert_sources (
  alert INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  item INTEGER NOT NULL REFERENCES items(id),
  joined_at INTEGER NOT NULL,
  PRIMARY KEY (alert, item)
) WITHOUT ROWID;
CREATE INDEX alert_sources_item ON alert_sources(item);

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  alert INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  receiver TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,)sql" +
                              std::string(kOutboxColumns) + R"sql(
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);

CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  outbox INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  status TEXT NOT NULL,
  latency_ms INTEGER NOT NULL,
  response_code INTEGER NOT NULL,
  error TEXT NOT NULL
);
CREATE INDEX deliveries_outbox ON deliveries(outbox);
)sql";

// Version 2: alerts say whether the rule still matches (amendments can
// withdraw a verdict).  And alert_keys carry their alert's creation time in the primary
// key, so a story-key lookup reads only the clustering window's alerts
// instead of every alert that ever had the key (which grew with history: at
// a million items, a large part of each record's time).  SQLite cannot
// change a primary key in place: the table is rebuilt.
//
// (A 64-bit key hash in place of the text UNIQUE(feed, key) was measured
// and rejected: keys of one feed arrive in order, so the text index takes a
// poll's inserts on one or two leaf pages, and hashes scatter them over
// every leaf of the feed: 1M items without alerts took 3.3x the floor
// instead of 2.6x.)
constexpr const char* kVersion2 = R"sql(
CREATE TABLE alert_keys_v2 (
  key INTEGER NOT NULL,
  created_at INTEGER NOT NULL,   -- the alert's
  alert INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  PRIMARY KEY (key, created_at, alert)
) WITHOUT ROWID;
INSERT INTO alert_keys_v2 (key, created_at, alert)
  SELECT k.key, a.created_at, k.alert FROM alert_keys k JOIN alerts a ON a.id = k.alert;
DROP TABLE alert_keys;
ALTER TABLE alert_keys_v2 RENAME TO alert_keys;
CREATE INDEX alert_keys_alert ON alert_keys(alert);

-- 0: an amendment after which the rule no longer fires on the item.
ALTER TABLE alerts ADD COLUMN matches INTEGER NOT NULL DEFAULT 1;
)sql";

// Version 3: fewer b-trees for each alert to write (issue 5's ingest aim: the
// 1% of items that alert wrote ~44% of a poll's WAL pages).  Tables are
// rebuilt, as SQLite cannot change a constraint in place:
// - alerts: the unique key leads with the item, so it also serves the
//   lookups by item (history, pruning, the foreign keys of items), and the
//   index alerts_item goes;
// - outbox: no UNIQUE(idempotency_key).  Nothing looks rows up by it, and
//   it is unique anyway up to 64-bit hash collisions (a hash of feed, item
//   key, revision, rule and receiver, and UNIQUE(alert, receiver) with the
//   alerts' UNIQUE(item, rule_id, revision) already forbid a second row):
//   its random keys cost a scattered leaf page per outbox row;
// - alert_keys: no index by alert and no foreign key (which needed that
//   index to cascade a deleted alert): Prune deletes the keys of the alerts
//   it deletes itself.  Lookups join alerts, so a key never outlives its
//   alert's visibility either way.
const std::string kVersion3 = R"sql(
CREATE TABLE alerts_v3 ()sql" +
                              std::string(kAlertColumns) + R"sql(
  matches INTEGER NOT NULL DEFAULT 1,           -- 0: the rule no longer fires on the item
  UNIQUE (item, rule_id, revision)
);
INSERT INTO alerts_v3 (id, rule_id, item, revision, kind, severity, labels, evidence, doc_number,
                       created_at, matches)
  SELECT id, rule_id, item, revision, kind, severity, labels, evidence, doc_number, created_at,
         matches FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_v3 RENAME TO alerts;
CREATE INDEX alerts_created ON alerts(created_at);

CREATE TABLE outbox_v3 (
  id INTEGER PRIMARY KEY,
  alert INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  receiver TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,)sql" +
                              std::string(kOutboxColumns) + "\n" + ReplaceOutboxWith("outbox_v3") +
                              R"sql(
CREATE TABLE alert_keys_v3 (
  key INTEGER NOT NULL,
  created_at INTEGER NOT NULL,   -- the alert's
  alert INTEGER NOT NULL,        -- alerts(id); deleted with it by Prune
  PRIMARY KEY (key, created_at, alert)
) WITHOUT ROWID;
INSERT INTO alert_keys_v3 (key, created_at, alert) SELECT key, created_at, alert FROM alert_keys;
DROP TABLE alert_keys;
ALTER TABLE alert_keys_v3 RENAME TO alert_keys;
)sql";

// Version 4: outbox.state's CHECK as comparisons.  SQLite evaluates `x IN
// (...)` of more than two constants through a temporary b-tree, and a CHECK
// runs at every write of the row: the delivery loop writes each row twice
// per attempt (claim, outcome), and a one-row UPDATE cost twice as much
// with the IN.  The table is rebuilt (deliveries' references follow the
// name); its columns and keys are version 3's.
const std::string kVersion4 = R"sql(
CREATE TABLE outbox_v4 (
  id INTEGER PRIMARY KEY,
  alert INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  receiver TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  state TEXT NOT NULL
    CHECK (state = 'pending' OR state = 'in-flight' OR state = 'delivered' OR state = 'dead'),)sql" +
                              std::string(kOutboxRest) + "\n" + ReplaceOutboxWith("outbox_v4");

// Version 5: the outbox's index holds only the pending rows, by receiver and
// due time.  The delivery loop writes each row twice per attempt, and with
// outbox_due(state, next_attempt_at) every write moved the row's entry (a
// delete and an insert in the index); now a claim only deletes the entry
// and an outcome touches the index only for a retry, the index stays as
// small as the backlog (delivered rows made up nearly all of it), and a
// receiver's claim reads its own due rows rather than every receiver's.
// Rows in flight, dead or delivered are found by scanning the table: once
// per open for the rows a crash left in flight, and by `outbox retry
// --all-dead`.
constexpr const char* kVersion5 = R"sql(
DROP INDEX outbox_due;
CREATE INDEX outbox_pending ON outbox(receiver, next_attempt_at) WHERE state = 'pending';
)sql";

const std::array<const char*, 5> kSteps = {kVersion1.c_str(), kVersion2, kVersion3.c_str(),
                                           kVersion4.c_str(), kVersion5};

}  // namespace

std::span<const char* const> MigrationSteps() { return kSteps; }

int CurrentSchemaVersion() { return static_cast<int>(kSteps.size()); }

}  // namespace mineral::storage
