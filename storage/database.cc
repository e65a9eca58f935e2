#include "storage/database.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "storage/checkpointer.h"
#include "storage/migrations.h"

namespace mineral::storage {
namespace {

constexpr char kUnitSep = '\x1f';    // between list elements and evidence fields
constexpr char kRecordSep = '\x1e';  // between evidence records

int64_t ToUnix(UtcTime t) { return t.time_since_epoch().count(); }
UtcTime FromUnix(int64_t s) { return UtcTime{std::chrono::seconds{s}}; }

// SQLite integers are signed; hashes are stored as their two's-complement bits.
int64_t ToSql(uint64_t h) { return static_cast<int64_t>(h); }
uint64_t FromSql(int64_t v) { return static_cast<uint64_t>(v); }

void BindTime(SQLite::Statement& s, int index, const std::optional<UtcTime>& t) {
  if (t) {
    s.bind(index, ToUnix(*t));
  } else {
    s.bind(index);
  }
}

std::optional<UtcTime> ColumnTime(const SQLite::Statement& s, int index) {
  if (s.isColumnNull(index)) return std::nullopt;
  return FromUnix(s.getColumn(index).getInt64());
}

// A text column without a copy; valid until the statement steps or resets.
std::string_view ColumnView(const SQLite::Statement& s, int index) {
  const SQLite::Column column = s.getColumn(index);
  const char* text = column.getText();
  return std::string_view(text, static_cast<size_t>(column.getBytes()));
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out.push_back(kUnitSep);
    out += parts[i];
  }
  return out;
}

// Calls `field` with each part of `joined` between `sep`s (none when empty).
template <typename Field>
void ForEachField(std::string_view joined, char sep, Field&& field) {
  if (joined.empty()) return;
  size_t start = 0;
  while (true) {
    const size_t end = joined.find(sep, start);
    field(joined.substr(start, end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
}

std::vector<std::string> Split(std::string_view joined, char sep) {
  std::vector<std::string> parts;
  ForEachField(joined, sep, [&parts](std::string_view part) { parts.emplace_back(part); });
  return parts;
}

std::string EncodeEvidence(const std::vector<MatchEvidence>& evidence) {
  std::string out;
  for (const MatchEvidence& e : evidence) {
    if (!out.empty()) out.push_back(kRecordSep);
    out += e.term + kUnitSep + e.field + kUnitSep + std::to_string(e.offset) + kUnitSep +
           std::to_string(e.length);
  }
  return out;
}

// Parsed in place (the delivery loop decodes every alert it claims): the
// fields are views into `encoded` until copied into the evidence.
std::vector<MatchEvidence> DecodeEvidence(std::string_view encoded) {
  std::vector<MatchEvidence> out;
  auto number = [](std::string_view text, size_t& value) {
    const char* text_end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), text_end, value);
    return error == std::errc() && stop == text_end;
  };
  ForEachField(encoded, kRecordSep, [&](std::string_view record) {
    std::string_view fields[4];
    size_t count = 0;
    ForEachField(record, kUnitSep, [&](std::string_view field) {
      if (count < 4) fields[count] = field;
      ++count;
    });
    size_t offset = 0;
    size_t length = 0;
    if (count != 4 || !number(fields[2], offset) || !number(fields[3], length)) return;
    out.push_back({std::string(fields[0]), std::string(fields[1]), offset, length});
  });
  return out;
}

// Sorted distinct matched terms: an amendment alerts when these change.
std::string TermSignature(const AlertCandidate& candidate) {
  std::set<std::string> terms;
  for (const MatchEvidence& e : candidate.evidence) terms.insert(e.term);
  return Join(std::vector<std::string>(terms.begin(), terms.end()));
}

// Cut at `max` bytes without splitting a UTF-8 sequence.
std::string_view Bounded(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string_view(s).substr(0, cut);
}

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

// Stable across database rebuilds (no row ids): the same alert for the same
// receiver always carries the same key, so a receiver can drop a redelivery.
std::string IdempotencyKey(const std::string& feed_id, const std::string& item_key,
                           uint64_t revision, const std::string& rule_id,
                           const std::string& receiver) {
  uint64_t h = Fnv1a64(feed_id);
  for (const std::string& part : {item_key, Hex64(revision), rule_id, receiver}) {
    h = Fnv1a64(std::string_view(&kUnitSep, 1), h);
    h = Fnv1a64(part, h);
  }
  return Hex64(h);
}

// Lookup keys for an alert's story, per rule: its document number and its
// title's MinHash bands (storage/dedupe.h), so that finding the stories an
// item may belong to is a few index probes, whatever the number of alerts.
std::vector<int64_t> ClusterKeys(const std::string& rule_id, const StoryText& story) {
  const uint64_t rule = Fnv1a64(rule_id);
  std::vector<int64_t> keys;
  if (!story.doc_number.empty()) {
    keys.push_back(ToSql(Fnv1a64(story.doc_number, Fnv1a64("doc", rule))));
  }
  for (uint64_t band : TitleKeys(story.title)) keys.push_back(ToSql(band ^ rule));
  return keys;
}

OutboxState ParseOutboxState(const std::string& s) {
  if (s == "in-flight") return OutboxState::kInFlight;
  if (s == "delivered") return OutboxState::kDelivered;
  if (s == "dead") return OutboxState::kDead;
  return OutboxState::kPending;
}

Status FromException(const char* what, const std::exception& e) {
  return Status::IoError(std::string(what) + ": " + e.what());
}

// Runs `body`, turning any exception (SQLite's, the matcher's, bad_alloc)
// into a Status: nothing thrown leaves storage/.  An open Transaction in
// `body` rolls back as the exception unwinds.
template <typename Body>
auto Guarded(const char* what, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return FromException(what, e);
  }
}

// What receivers render of a source (see OutboxEntry), from column `first`
// on: kRenderedSourceColumns.
constexpr const char* kRenderedSourceColumns =
    "i.id, f.config_id, i.title, i.link, i.published, i.updated, i.summary_text, i.language, "
    "i.origin";
constexpr int kRenderedSourceColumnCount = 9;

void ReadRenderedSource(const SQLite::Statement& s, int first, StoredItem& source) {
  source.id = s.getColumn(first).getInt64();
  source.feed_id = s.getColumn(first + 1).getString();
  Item& item = source.item;
  item.title = s.getColumn(first + 2).getString();
  item.link = s.getColumn(first + 3).getString();
  item.published = ColumnTime(s, first + 4);
  item.updated = ColumnTime(s, first + 5);
  item.summary_text = s.getColumn(first + 6).getString();
  item.language = s.getColumn(first + 7).getString();
  item.origin = s.getColumn(first + 8).getString();
  item.source_feed = source.feed_id;
}

// Every stored column of an item: what receivers render, then the rest.
const std::string kItemColumns =
    std::string(kRenderedSourceColumns) +
    ", i.key, i.guid, i.content_text, i.categories, i.authors, i.first_seen, i.last_seen, "
    "i.revisions";

StoredItem ReadItem(const SQLite::Statement& s, int first) {
  StoredItem out;
  ReadRenderedSource(s, first, out);
  first += kRenderedSourceColumnCount;
  Item& item = out.item;
  item.key = s.getColumn(first).getString();
  item.guid = s.getColumn(first + 1).getString();
  item.content_text = s.getColumn(first + 2).getString();
  item.categories = Split(s.getColumn(first + 3).getString(), kUnitSep);
  item.authors = Split(s.getColumn(first + 4).getString(), kUnitSep);
  out.first_seen = FromUnix(s.getColumn(first + 5).getInt64());
  out.last_seen = FromUnix(s.getColumn(first + 6).getInt64());
  out.revisions = s.getColumn(first + 7).getInt();
  return out;
}

// An alert's columns from `first` on: rule_id, kind, severity, labels,
// evidence, doc_number, created_at, matches.
constexpr const char* kAlertColumns =
    "a.rule_id, a.kind, a.severity, a.labels, a.evidence, a.doc_number, a.created_at, a.matches";
constexpr int kAlertColumnCount = 8;

void ReadAlertColumns(const SQLite::Statement& s, int first, AlertRecord& a) {
  a.rule_id = s.getColumn(first).getString();
  a.kind = s.getColumn(first + 1).getString();
  a.severity = s.getColumn(first + 2).getString();
  a.labels = Split(ColumnView(s, first + 3), kUnitSep);
  a.evidence = DecodeEvidence(ColumnView(s, first + 4));
  a.doc_number = s.getColumn(first + 5).getString();
  a.created_at = FromUnix(s.getColumn(first + 6).getInt64());
  a.matches = s.getColumn(first + 7).getInt() != 0;
}

Status NewerSchema(const std::string& path, int version, int current) {
  return Status::Unsupported(path + ": database schema version " + std::to_string(version) +
                             " is newer than this mineral-alertd supports (" +
                             std::to_string(current) + ")");
}

// Items seen again keep last_seen fresh only this coarsely: an incremental
// poll then writes nothing for the items it has already recorded.
constexpr int64_t kLastSeenGranularity = 24 * 3600;

}  // namespace

// A cached statement in use; reset when the use ends, so that a half-read
// SELECT never pins a read snapshot (which would stall WAL checkpoints).
class Database::Stmt {
 public:
  explicit Stmt(SQLite::Statement& s) : s_(s) {}
  ~Stmt() { s_.tryReset(); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  SQLite::Statement* operator->() { return &s_; }
  SQLite::Statement& operator*() { return s_; }

 private:
  SQLite::Statement& s_;
};

struct Database::FeedRow {
  int64_t id = 0;
  bool alert_backlog = false;
  bool baseline_done = false;
};

// What RecordFetch's helpers share for one feed's transaction.
struct Database::RecordContext {
  FeedRow feed;
  std::string feed_id;
  UtcTime now;
  bool alerting = false;
  bool has_tombstones = false;
  const Matcher* matcher = nullptr;
  RecordCounts counts;
};

Database::Database(std::unique_ptr<SQLite::Database> db, const DatabaseOptions& options)
    : db_(std::move(db)), options_(options) {}

Database::~Database() {
  // The hook points at the checkpointer, which goes first.
  if (checkpointer_) sqlite3_wal_hook(db_->getHandle(), nullptr, nullptr);
}

CheckpointStats Database::CheckpointerStats() const {
  return checkpointer_ ? checkpointer_->Stats() : CheckpointStats{};
}

Database::Stmt Database::Prepare(const char* sql) {
  std::unique_ptr<SQLite::Statement>& slot = statements_[sql];
  if (!slot) {
    slot = std::make_unique<SQLite::Statement>(*db_, sql);
  } else {
    slot->tryReset();
    slot->clearBindings();
  }
  return Stmt(*slot);
}

namespace {

// SQLite counts every allocation for sqlite3_status() under a global mutex
// (a lock and an unlock per malloc and free, ~5 % of the delivery loop's
// store time); nothing here reads those counts.  Possible only before SQLite
// initializes, which the first connection does: a later call is refused,
// harmlessly.
void SkipMemoryStatistics() {
  static const int once = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)once;
}

}  // namespace

// Both opens ask for SQLite's multi-thread mode (OPEN_NOMUTEX): one thread
// owns a Database (see Store), so the connection's mutex, taken by every
// bind, step and column call, guards nothing (in RecordFetch it cost ~6% of
// the instructions).
Result<std::unique_ptr<Database>> Database::Open(const std::string& path,
                                                 const DatabaseOptions& options) {
  SkipMemoryStatistics();
  try {
    if (options.read_only) return OpenReadOnly(path, options);
    auto db = std::make_unique<SQLite::Database>(
        path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX,
        static_cast<int>(options.busy_timeout.count()), options.vfs);
    // WAL is persistent in the file; asking again is cheap.  An in-memory
    // database answers "memory", which is fine for tests.
    const std::string mode = db->execAndGet("PRAGMA journal_mode=WAL").getString();
    if (mode != "wal" && mode != "memory") {
      return Status::IoError(path + ": cannot switch to WAL mode (journal_mode is " + mode + ")");
    }
    db->exec(options.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    db->exec("PRAGMA cache_size=-" +
             std::to_string(std::max<int64_t>(options.cache_bytes / 1024, 1)));
    db->exec("PRAGMA wal_autocheckpoint=" + std::to_string(options.wal_autocheckpoint_pages));
    if (options.wal_autocheckpoint_pages > 0) {
      // A log that grew past the checkpoint size (a long transaction, a
      // checkpoint that fell behind) is cut back to it when it restarts,
      // rather than keeping its largest size on disk.
      const int64_t page_size = db->execAndGet("PRAGMA page_size").getInt64();
      db->exec("PRAGMA journal_size_limit=" +
               std::to_string(page_size * options.wal_autocheckpoint_pages));
    }

    // Steps rebuild tables, which needs foreign keys off (a pragma that is a
    // no-op inside a transaction); each step checks them before committing.
    db->exec("PRAGMA foreign_keys=OFF");
    const std::span<const char* const> steps = MigrationSteps();
    const int current = CurrentSchemaVersion();
    while (true) {
      // IMMEDIATE: two processes opening an old file at once migrate it once.
      SQLite::Transaction txn(*db, SQLite::TransactionBehavior::IMMEDIATE);
      const int version = db->execAndGet("PRAGMA user_version").getInt();
      if (version > current) return NewerSchema(path, version, current);
      if (version == current) break;
      db->exec(steps[static_cast<size_t>(version)]);
      SQLite::Statement check(*db, "PRAGMA foreign_key_check");
      if (check.executeStep()) {
        return Status::IoError(path + ": migrating to schema version " +
                               std::to_string(version + 1) + " broke a reference from table " +
                               check.getColumn(0).getString());
      }
      db->exec("PRAGMA user_version = " + std::to_string(version + 1));
      txn.commit();
    }
    db->exec("PRAGMA foreign_keys=ON");

    // A crash between claim and outcome: deliver again (at-least-once; the
    // idempotency key lets the receiver drop the repeat).
    db->exec("UPDATE outbox SET state = 'pending' WHERE state = 'in-flight'");
    std::unique_ptr<Database> database(new Database(std::move(db), options));
    if (options.background_checkpoints && options.wal_autocheckpoint_pages > 0 && mode == "wal") {
      sqlite3* handle = database->db_->getHandle();
      // The file's absolute name, as SQLite resolved it: the same file
      // whatever the working directory is when the thread opens it.
      database->checkpointer_ = std::make_unique<Checkpointer>(
          sqlite3_db_filename(handle, "main"), options.vfs, options.wal_autocheckpoint_pages);
      database->checkpointer_->Attach(handle);
    }
    return database;
  } catch (const std::exception& e) {
    return Status::IoError(path + ": " + e.what());
  }
}

Result<std::unique_ptr<Database>> Database::OpenReadOnly(const std::string& path,
                                                         const DatabaseOptions& options) {
  auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX,
                                               static_cast<int>(options.busy_timeout.count()),
                                               options.vfs);
  db->exec("PRAGMA cache_size=-" +
           std::to_string(std::max<int64_t>(options.cache_bytes / 1024, 1)));
  const int version = db->execAndGet("PRAGMA user_version").getInt();
  const int current = CurrentSchemaVersion();
  if (version > current) return NewerSchema(path, version, current);
  if (version < current) {
    return Status::Unsupported(path + ": database schema version " + std::to_string(version) +
                               " needs migrating to " + std::to_string(current) +
                               " (run `mineral-alertd poll-once` or the daemon once)");
  }
  return std::unique_ptr<Database>(new Database(std::move(db), options));
}

int Database::SchemaVersion() {
  try {
    return db_->execAndGet("PRAGMA user_version").getInt();
  } catch (const std::exception&) {
    return -1;
  }
}

// --- feeds -------------------------------------------------------------------

Status Database::SyncFeeds(const std::vector<FeedSpec>& feeds) {
  return Guarded("sync feeds", [&]() -> Status {
    SQLite::Transaction txn(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    db_->exec("UPDATE feeds SET active = 0");
    for (const FeedSpec& spec : feeds) {
      // SET expressions read the old row: the polled URL follows the config
      // only when the configured URL itself changed, and then the validators
      // of the old URL mean nothing.
      Stmt s = Prepare(
          "INSERT INTO feeds (config_id, configured_url, url, alert_backlog) VALUES (?1, ?2, ?2, "
          "?3) "
          "ON CONFLICT (config_id) DO UPDATE SET active = 1, alert_backlog = ?3, "
          "url = CASE WHEN configured_url <> ?2 THEN ?2 ELSE url END, "
          "etag = CASE WHEN configured_url <> ?2 THEN '' ELSE etag END, "
          "last_modified = CASE WHEN configured_url <> ?2 THEN '' ELSE last_modified END, "
          "configured_url = ?2");
      s->bind(1, spec.id);
      s->bind(2, spec.url);
      s->bind(3, spec.alert_backlog ? 1 : 0);
      s->exec();
    }
    txn.commit();
    return Status::Ok();
  });
}

Result<std::vector<FeedState>> Database::LoadFeedStates() {
  return Guarded("load feed states", [&]() -> Result<std::vector<FeedState>> {
    Stmt s = Prepare(
        "SELECT config_id, url, etag, last_modified, next_poll_at, last_attempt, last_success, "
        "last_status, last_error, consecutive_failures, gone, interval_seconds, avg_latency_ms, "
        "polls, baseline_done FROM feeds WHERE active = 1 ORDER BY config_id");
    std::vector<FeedState> out;
    while (s->executeStep()) {
      FeedState f;
      f.feed_id = s->getColumn(0).getString();
      f.url = s->getColumn(1).getString();
      f.etag = s->getColumn(2).getString();
      f.last_modified = s->getColumn(3).getString();
      f.next_poll_at = ColumnTime(*s, 4);
      f.last_attempt = ColumnTime(*s, 5);
      f.last_success = ColumnTime(*s, 6);
      f.last_status = s->getColumn(7).getInt();
      f.last_error = s->getColumn(8).getString();
      f.consecutive_failures = s->getColumn(9).getInt();
      f.gone = s->getColumn(10).getInt() != 0;
      f.interval_seconds = s->getColumn(11).getInt64();
      f.avg_latency_ms = s->getColumn(12).getInt64();
      f.polls = s->getColumn(13).getInt64();
      f.baseline_done = s->getColumn(14).getInt() != 0;
      out.push_back(std::move(f));
    }
    return out;
  });
}

void Database::WriteFeedState(int64_t feed_row, const FeedState& state, bool baseline_done) {
  Stmt s = Prepare(
      "UPDATE feeds SET url = ?2, etag = ?3, last_modified = ?4, next_poll_at = ?5, "
      "last_attempt = ?6, last_success = ?7, last_status = ?8, last_error = ?9, "
      "consecutive_failures = ?10, gone = ?11, interval_seconds = ?12, avg_latency_ms = ?13, "
      "polls = ?14, baseline_done = max(baseline_done, ?15) WHERE id = ?1");
  s->bind(1, feed_row);
  s->bind(2, state.url);
  s->bind(3, state.etag);
  s->bind(4, state.last_modified);
  BindTime(*s, 5, state.next_poll_at);
  BindTime(*s, 6, state.last_attempt);
  BindTime(*s, 7, state.last_success);
  s->bind(8, state.last_status);
  s->bind(9, state.last_error);
  s->bind(10, state.consecutive_failures);
  s->bind(11, state.gone ? 1 : 0);
  s->bind(12, state.interval_seconds);
  s->bind(13, state.avg_latency_ms);
  s->bind(14, state.polls);
  s->bind(15, baseline_done ? 1 : 0);
  s->exec();
}

Status Database::SaveFeedState(const FeedState& state) {
  return Guarded("save feed state", [&]() -> Status {
    Stmt s = Prepare("SELECT id FROM feeds WHERE config_id = ?");
    s->bind(1, state.feed_id);
    if (!s->executeStep()) return Status::NotFound("feed " + state.feed_id + " is not configured");
    const int64_t row = s->getColumn(0).getInt64();
    WriteFeedState(row, state, false);
    return Status::Ok();
  });
}

// --- record ------------------------------------------------------------------

Result<RecordCounts> Database::RecordFetch(const FeedState& state, const std::vector<Item>& items,
                                           UtcTime now, const Matcher& matcher) {
  return Guarded("record fetch", [&]() -> Result<RecordCounts> {
    // IMMEDIATE takes the write lock up front: a deferred transaction that
    // reads first could fail to upgrade (SQLITE_BUSY) halfway through.
    SQLite::Transaction txn(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    RecordContext ctx;
    ctx.feed_id = state.feed_id;
    ctx.now = now;
    ctx.matcher = &matcher;
    {
      Stmt s = Prepare("SELECT id, alert_backlog, baseline_done FROM feeds WHERE config_id = ?");
      s->bind(1, state.feed_id);
      if (!s->executeStep()) {
        return Status::NotFound("feed " + state.feed_id + " is not configured");
      }
      ctx.feed = {s->getColumn(0).getInt64(), s->getColumn(1).getInt() != 0,
                  s->getColumn(2).getInt() != 0};
    }
    // The first recorded poll is the baseline: its backlog is history, not
    // news (issue 5), unless the feed asks for alerts on it.
    ctx.alerting = ctx.feed.baseline_done || ctx.feed.alert_backlog;
    {
      // Most feeds have no tombstones: then new items need no probe.
      Stmt s = Prepare("SELECT EXISTS (SELECT 1 FROM tombstones WHERE feed = ?)");
      s->bind(1, ctx.feed.id);
      ctx.has_tombstones = s->executeStep() && s->getColumn(0).getInt() != 0;
    }
    ctx.counts.baseline = !ctx.feed.baseline_done;

    // A feed lists its new items first, so the poll starts by inserting
    // (which finds a stored key as the lookup would, in the same index
    // probe) and turns to looking up first at the first known key: a poll
    // of new items then costs one statement an item, a poll of known ones
    // one wasted insert.  A tombstoned key must not be inserted, so a feed
    // with tombstones always looks up first.
    bool insert_first = !ctx.has_tombstones;
    for (const Item& item : items) {
      const uint64_t hash = ContentHash(item);
      if (insert_first) {
        if (InsertNewItem(ctx, item, hash)) continue;
        insert_first = false;
      }
      std::optional<std::pair<int64_t, uint64_t>> known;
      int64_t last_seen = 0;
      {
        Stmt s =
            Prepare("SELECT id, content_hash, last_seen FROM items WHERE feed = ? AND key = ?");
        s->bind(1, ctx.feed.id);
        s->bindNoCopy(2, item.key);
        if (s->executeStep()) {
          known.emplace(s->getColumn(0).getInt64(), FromSql(s->getColumn(1).getInt64()));
          last_seen = s->getColumn(2).getInt64();
        }
      }
      if (!known) {
        RecordNewItem(ctx, item, hash);
      } else if (known->second != hash) {
        RecordAmendedItem(ctx, known->first, item, hash);
      } else {
        ++ctx.counts.unchanged_items;
        if (ToUnix(now) - last_seen >= kLastSeenGranularity) {
          Stmt s = Prepare("UPDATE items SET last_seen = ? WHERE id = ?");
          s->bind(1, ToUnix(now));
          s->bind(2, known->first);
          s->exec();
        }
      }
    }
    WriteFeedState(ctx.feed.id, state, true);
    txn.commit();
    return ctx.counts;
  });
}

void Database::RecordNewItem(RecordContext& ctx, const Item& item, uint64_t hash) {
  if (ctx.has_tombstones) {
    Stmt s = Prepare("UPDATE tombstones SET last_seen = ?3 WHERE feed = ?1 AND key = ?2");
    s->bind(1, ctx.feed.id);
    s->bind(2, item.key);
    s->bind(3, ToUnix(ctx.now));
    if (s->exec() > 0) {
      ++ctx.counts.tombstoned_items;
      return;
    }
  }
  InsertNewItem(ctx, item, hash);
}

bool Database::InsertNewItem(RecordContext& ctx, const Item& item, uint64_t hash) {
  int64_t item_id = 0;
  {
    Stmt s = Prepare(
        "INSERT INTO items (feed, key, content_hash, first_seen, last_seen, guid, title, link, "
        "published, updated, summary_text, content_text, language, categories, authors, origin) "
        "VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) "
        "ON CONFLICT (feed, key) DO NOTHING");
    const size_t max = options_.max_text_bytes;
    const std::string categories = Join(item.categories);
    const std::string authors = Join(item.authors);
    s->bind(1, ctx.feed.id);
    s->bindNoCopy(2, item.key);
    s->bind(3, ToSql(hash));
    s->bind(4, ToUnix(ctx.now));
    s->bindNoCopy(5, item.guid);
    const std::string_view title = Bounded(item.title, max);
    s->bindNoCopy(6, title.data(), static_cast<int>(title.size()));
    s->bindNoCopy(7, item.link);
    BindTime(*s, 8, item.published);
    BindTime(*s, 9, item.updated);
    const std::string_view summary = Bounded(item.summary_text, max);
    const std::string_view content = Bounded(item.content_text, max);
    s->bindNoCopy(10, summary.data(), static_cast<int>(summary.size()));
    s->bindNoCopy(11, content.data(), static_cast<int>(content.size()));
    s->bindNoCopy(12, item.language);
    s->bindNoCopy(13, categories);
    s->bindNoCopy(14, authors);
    s->bindNoCopy(15, item.origin);
    if (s->exec() == 0) return false;  // the key is stored
    item_id = db_->getLastInsertRowid();
  }
  ++ctx.counts.new_items;

  const std::vector<AlertCandidate> candidates = (*ctx.matcher)(item);
  for (const AlertCandidate& candidate : candidates) {
    ctx.counts.matches += static_cast<int>(InsertMatch(item_id, candidate, ctx.now));
  }
  if (!ctx.alerting) return true;
  for (const AlertCandidate& candidate : candidates) {
    RaiseOrJoin(ctx, item_id, item, hash, candidate);
  }
  return true;
}

void Database::RecordAmendedItem(RecordContext& ctx, int64_t item_id, const Item& item,
                                 uint64_t hash) {
  {
    Stmt s = Prepare(
        "UPDATE items SET content_hash = ?2, revisions = revisions + 1, last_seen = ?3, "
        "guid = ?4, title = ?5, link = ?6, published = ?7, updated = ?8, summary_text = ?9, "
        "content_text = ?10, language = ?11, categories = ?12, authors = ?13, origin = ?14 "
        "WHERE id = ?1");
    const size_t max = options_.max_text_bytes;
    s->bind(1, item_id);
    s->bind(2, ToSql(hash));
    s->bind(3, ToUnix(ctx.now));
    s->bind(4, item.guid);
    s->bind(5, std::string(Bounded(item.title, max)));
    s->bind(6, item.link);
    BindTime(*s, 7, item.published);
    BindTime(*s, 8, item.updated);
    s->bind(9, std::string(Bounded(item.summary_text, max)));
    s->bind(10, std::string(Bounded(item.content_text, max)));
    s->bind(11, item.language);
    s->bind(12, Join(item.categories));
    s->bind(13, Join(item.authors));
    s->bind(14, item.origin);
    s->exec();
  }
  ++ctx.counts.amended_items;

  // The verdicts and matched terms of the previous revision.
  std::map<std::string, std::string> previous;  // ordered: alerts in rule order
  {
    Stmt s = Prepare("SELECT rule_id, terms FROM item_matches WHERE item = ?");
    s->bind(1, item_id);
    while (s->executeStep()) previous[s->getColumn(0).getString()] = s->getColumn(1).getString();
  }
  {
    Stmt s = Prepare("DELETE FROM item_matches WHERE item = ?");
    s->bind(1, item_id);
    s->exec();
  }
  const std::vector<AlertCandidate> candidates = (*ctx.matcher)(item);
  for (const AlertCandidate& candidate : candidates) {
    ctx.counts.matches += static_cast<int>(InsertMatch(item_id, candidate, ctx.now));
  }
  if (!ctx.alerting) return;
  // Issue 5: a corrected notice alerts again only when a rule's verdict or
  // its matched terms changed, or the rule asks for every amendment.
  std::set<std::string> still_matching;
  for (const AlertCandidate& candidate : candidates) {
    still_matching.insert(candidate.rule_id);
    const auto it = previous.find(candidate.rule_id);
    const bool changed = it == previous.end() || it->second != TermSignature(candidate);
    if (!changed && !candidate.amendments) continue;
    InsertAlert(ctx, item_id, item, hash, "amended", candidate, StoryOf(item), true);
  }
  for (const auto& [rule_id, terms] : previous) {
    if (still_matching.count(rule_id) == 0) RaiseNoLongerMatches(ctx, item_id, item, hash, rule_id);
  }
}

void Database::RaiseNoLongerMatches(RecordContext& ctx, int64_t item_id, const Item& item,
                                    uint64_t hash, const std::string& rule_id) {
  // The verdict changed: whoever was told the item matches is told it no
  // longer does, i.e. the receivers of the rule's latest alert with this
  // item among its sources, with that alert's severity and labels.  No such
  // alert (the match was in the baseline, or never alerted): nobody was
  // told, nobody is.
  AlertCandidate candidate;
  candidate.rule_id = rule_id;
  int64_t previous = 0;
  {
    Stmt s = Prepare(
        "SELECT a.id, a.severity, a.labels FROM alert_sources s JOIN alerts a ON a.id = s.alert "
        "WHERE s.item = ? AND a.rule_id = ? ORDER BY a.id DESC LIMIT 1");
    s->bind(1, item_id);
    s->bindNoCopy(2, rule_id);
    if (!s->executeStep()) return;
    previous = s->getColumn(0).getInt64();
    candidate.severity = s->getColumn(1).getString();
    candidate.labels = Split(s->getColumn(2).getString(), kUnitSep);
  }
  {
    Stmt s = Prepare("SELECT receiver FROM outbox WHERE alert = ? ORDER BY receiver");
    s->bind(1, previous);
    while (s->executeStep()) candidate.receivers.push_back(s->getColumn(0).getString());
  }
  InsertAlert(ctx, item_id, item, hash, "amended", candidate, StoryOf(item), false);
}

int64_t Database::InsertMatch(int64_t item_id, const AlertCandidate& candidate, UtcTime now) {
  // OR IGNORE: a matcher that returns one rule twice records it once.
  Stmt s = Prepare(
      "INSERT OR IGNORE INTO item_matches (item, rule_id, terms, evidence, matched_at) "
      "VALUES (?, ?, ?, ?, ?)");
  s->bind(1, item_id);
  s->bindNoCopy(2, candidate.rule_id);
  s->bind(3, TermSignature(candidate));
  s->bind(4, EncodeEvidence(candidate.evidence));
  s->bind(5, ToUnix(now));
  return s->exec();
}

void Database::RaiseOrJoin(RecordContext& ctx, int64_t item_id, const Item& item, uint64_t hash,
                           const AlertCandidate& candidate) {
  const StoryText story = StoryOf(item);
  const std::vector<int64_t> keys = ClusterKeys(candidate.rule_id, story);
  const StoryTitle title = TitleOf(story.title);  // compared with every candidate
  const ClusterOptions& co = options_.cluster;
  const int64_t now = ToUnix(ctx.now);
  std::set<int64_t> seen;
  std::optional<int64_t> join;
  for (size_t k = 0; k < keys.size() && !join; ++k) {
    // The document-number key (first, when there is one) finds stories of the
    // same number, which join within doc_number_window.  A story found by a
    // title key can only join within `window`: had both numbers been equal,
    // the number key would have found it already, and different numbers
    // never join.  So title keys need not look further back (most stories a
    // title key finds are not the same story, and each costs an item read).
    const bool number_key = k == 0 && !story.doc_number.empty();
    const int64_t oldest = now - (number_key ? co.doc_number_window : co.window).count();
    Stmt s = Prepare(
        "SELECT a.id, a.doc_number, a.created_at, i.title, i.summary_text, i.content_text "
        "FROM alert_keys k JOIN alerts a ON a.id = k.alert JOIN items i ON i.id = a.item "
        "WHERE k.key = ?1 AND k.created_at >= ?3 AND a.rule_id = ?2 AND a.kind = 'new' "
        "ORDER BY a.id");
    s->bind(1, keys[k]);
    s->bindNoCopy(2, candidate.rule_id);
    s->bind(3, oldest);
    while (!join && s->executeStep()) {
      const int64_t alert_id = s->getColumn(0).getInt64();
      if (!seen.insert(alert_id).second) continue;
      StoryText existing{s->getColumn(1).getString(), s->getColumn(3).getString(),
                         s->getColumn(4).getString()};
      if (existing.text.empty()) existing.text = s->getColumn(5).getString();
      if (!SameStory(existing, story, title, co)) continue;
      const bool by_number = !existing.doc_number.empty() && !story.doc_number.empty();
      const auto window = by_number ? co.doc_number_window : co.window;
      if (s->getColumn(2).getInt64() < now - window.count()) continue;
      join = alert_id;
    }
  }
  if (join) {
    Stmt s =
        Prepare("INSERT OR IGNORE INTO alert_sources (alert, item, joined_at) VALUES (?, ?, ?)");
    s->bind(1, *join);
    s->bind(2, item_id);
    s->bind(3, now);
    ctx.counts.clustered += s->exec();
    return;
  }
  const int64_t alert_id = InsertAlert(ctx, item_id, item, hash, "new", candidate, story, true);
  if (alert_id == 0) return;
  for (int64_t key : keys) {
    Stmt s = Prepare("INSERT OR IGNORE INTO alert_keys (key, created_at, alert) VALUES (?, ?, ?)");
    s->bind(1, key);
    s->bind(2, now);
    s->bind(3, alert_id);
    s->exec();
  }
}

int64_t Database::InsertAlert(RecordContext& ctx, int64_t item_id, const Item& item, uint64_t hash,
                              const char* kind, const AlertCandidate& candidate,
                              const StoryText& story, bool matches) {
  const int64_t now = ToUnix(ctx.now);
  int64_t alert_id = 0;
  {
    // OR IGNORE: an item whose content flips back to a revision already
    // alerted on does not alert (or queue) twice.
    Stmt s = Prepare(
        "INSERT OR IGNORE INTO alerts (rule_id, item, revision, kind, severity, labels, evidence, "
        "doc_number, created_at, matches) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s->bindNoCopy(1, candidate.rule_id);
    s->bind(2, item_id);
    s->bind(3, ToSql(hash));
    s->bindNoCopy(4, kind);
    s->bindNoCopy(5, candidate.severity);
    s->bind(6, Join(candidate.labels));
    s->bind(7, EncodeEvidence(candidate.evidence));
    s->bind(8, story.doc_number);
    s->bind(9, now);
    s->bind(10, matches ? 1 : 0);
    if (s->exec() == 0) return 0;
    alert_id = db_->getLastInsertRowid();
  }
  ++ctx.counts.alerts;
  {
    Stmt s = Prepare("INSERT INTO alert_sources (alert, item, joined_at) VALUES (?, ?, ?)");
    s->bind(1, alert_id);
    s->bind(2, item_id);
    s->bind(3, now);
    s->exec();
  }
  const std::set<std::string> receivers(candidate.receivers.begin(), candidate.receivers.end());
  for (const std::string& receiver : receivers) {
    Stmt s = Prepare(
        "INSERT INTO outbox (alert, receiver, idempotency_key, state, next_attempt_at, "
        "created_at, updated_at) VALUES (?1, ?2, ?3, 'pending', ?4, ?4, ?4)");
    s->bind(1, alert_id);
    s->bindNoCopy(2, receiver);
    s->bind(3, IdempotencyKey(ctx.feed_id, item.key, hash, candidate.rule_id, receiver));
    s->bind(4, now);
    s->exec();
    ++ctx.counts.outbox_rows;
  }
  return alert_id;
}

// --- outbox ------------------------------------------------------------------

Result<std::vector<OutboxEntry>> Database::ClaimDueOutbox(UtcTime now, int limit) {
  return ClaimOutbox(nullptr, now, limit, false);
}

Result<std::vector<OutboxEntry>> Database::ClaimDueOutboxFor(const std::string& receiver,
                                                             UtcTime now, int limit,
                                                             bool critical_only) {
  return ClaimOutbox(&receiver, now, limit, critical_only);
}

Result<std::vector<OutboxEntry>> Database::ClaimOutbox(const std::string* receiver, UtcTime now,
                                                       int limit, bool critical_only) {
  return Guarded("claim outbox", [&]() -> Result<std::vector<OutboxEntry>> {
    SQLite::Transaction txn(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    std::vector<OutboxEntry> out = ClaimRows(receiver, now, limit, critical_only);
    txn.commit();
    return out;
  });
}

std::vector<OutboxEntry> Database::ClaimRows(const std::string* receiver, UtcTime now, int limit,
                                             bool critical_only) {
  std::vector<OutboxEntry> out;
  std::vector<bool> more_sources;
  {
    // One statement brings the rows with their alerts and first sources (the
    // item the rule fired on, alerts.item), and whether other sources joined
    // the story; only for those another statement loads the rest.
    static const std::string select =
        std::string("SELECT o.id, o.receiver, o.idempotency_key, o.attempts, o.alert, ") +
        kAlertColumns + ", " + kRenderedSourceColumns +
        ", EXISTS (SELECT 1 FROM alert_sources s WHERE s.alert = a.id AND s.item <> a.item) "
        "FROM outbox o JOIN alerts a ON a.id = o.alert JOIN items i ON i.id = a.item "
        "JOIN feeds f ON f.id = i.feed "
        "WHERE o.state = 'pending' AND o.next_attempt_at <= ?1 ";
    static const std::string order = "ORDER BY o.next_attempt_at, o.id LIMIT ?2";
    static const std::string any = select + order;
    static const std::string critical =
        select + "AND o.receiver = ?3 AND a.severity = 'critical' " + order;
    static const std::string one = select + "AND o.receiver = ?3 " + order;
    Stmt s = Prepare(receiver == nullptr ? any.c_str()
                     : critical_only     ? critical.c_str()
                                         : one.c_str());
    s->bind(1, ToUnix(now));
    s->bind(2, limit);
    if (receiver != nullptr) s->bind(3, *receiver);
    while (s->executeStep()) {
      OutboxEntry e;
      e.id = s->getColumn(0).getInt64();
      e.receiver = s->getColumn(1).getString();
      e.idempotency_key = s->getColumn(2).getString();
      e.attempts = s->getColumn(3).getInt();
      e.alert.id = s->getColumn(4).getInt64();
      constexpr int kAlertFirst = 5;  // after o.id, receiver, idempotency_key, attempts, alert
      constexpr int kSourceFirst = kAlertFirst + kAlertColumnCount;
      ReadAlertColumns(*s, kAlertFirst, e.alert);
      ReadRenderedSource(*s, kSourceFirst, e.alert.sources.emplace_back());
      more_sources.push_back(s->getColumn(kSourceFirst + kRenderedSourceColumnCount).getInt() != 0);
      out.push_back(std::move(e));
    }
  }
  for (size_t i = 0; i < out.size(); ++i) {
    Stmt s = Prepare("UPDATE outbox SET state = 'in-flight', updated_at = ? WHERE id = ?");
    s->bind(1, ToUnix(now));
    s->bind(2, out[i].id);
    s->exec();
    if (more_sources[i]) LoadOtherSources(out[i].alert);
  }
  return out;
}

void Database::LoadOtherSources(AlertRecord& alert) {
  // In the primary key's order, sorted here by joining time: an ORDER BY
  // would open a sorter for every such alert.
  static const std::string sql =
      std::string("SELECT ") + kRenderedSourceColumns +
      ", s.joined_at FROM alert_sources s JOIN items i ON i.id = s.item "
      "JOIN feeds f ON f.id = i.feed WHERE s.alert = ?1 AND s.item <> ?2";
  Stmt s = Prepare(sql.c_str());
  s->bind(1, alert.id);
  s->bind(2, alert.sources.front().id);
  std::vector<std::pair<std::pair<int64_t, int64_t>, StoredItem>> others;
  while (s->executeStep()) {
    StoredItem source;
    ReadRenderedSource(*s, 0, source);
    const int64_t joined = s->getColumn(kRenderedSourceColumnCount).getInt64();
    others.emplace_back(std::pair(joined, source.id), std::move(source));
  }
  // Joining order, ties by item id (as LoadAlert's ORDER BY joined_at, item).
  std::sort(others.begin(), others.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  for (auto& other : others) alert.sources.push_back(std::move(other.second));
}

Result<int> Database::CompleteAttempts(const std::vector<CompletedAttempt>& completed) {
  return Guarded("complete delivery attempts", [&]() -> Result<int> {
    SQLite::Transaction txn(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    int moved = StoreOutcomes(completed);
    txn.commit();
    return moved;
  });
}

int Database::StoreOutcomes(const std::vector<CompletedAttempt>& completed) {
  int moved = 0;
  for (const CompletedAttempt& c : completed) {
    const DeliveryAttempt& a = c.attempt;
    const char* sql =
        a.status == "delivered"
            ? "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, last_error = '', "
              "updated_at = ?2 WHERE id = ?1 AND state = 'in-flight'"
        : a.status == "dead"
            ? "UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ?3, "
              "updated_at = ?2 WHERE id = ?1 AND state = 'in-flight'"
            : "UPDATE outbox SET state = 'pending', attempts = attempts + 1, "
              "next_attempt_at = ?4, last_error = ?3, updated_at = ?2 "
              "WHERE id = ?1 AND state = 'in-flight'";
    Stmt s = Prepare(sql);
    s->bind(1, a.outbox_id);
    s->bind(2, ToUnix(a.at));
    if (a.status != "delivered") s->bind(3, a.error);
    if (a.status != "delivered" && a.status != "dead") s->bind(4, ToUnix(c.next_attempt));
    moved += s->exec();
    InsertDeliveryAttempt(a);
  }
  return moved;
}

Result<OutboxTurn> Database::CompleteAndClaim(const std::vector<CompletedAttempt>& completed,
                                              const std::vector<int64_t>& released,
                                              const std::vector<OutboxClaim>& claims, UtcTime now) {
  return Guarded("complete and claim outbox", [&]() -> Result<OutboxTurn> {
    SQLite::Transaction txn(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    OutboxTurn turn;
    turn.moved = StoreOutcomes(completed);
    for (int64_t id : released) {
      // Never sent: no attempt counted, and the row keeps its due time (it
      // was due when claimed), so it is claimed again in its old place.
      Stmt s = Prepare("UPDATE outbox SET state = 'pending' WHERE id = ? AND state = 'in-flight'");
      s->bind(1, id);
      turn.released += s->exec();
    }
    for (const OutboxClaim& claim : claims) {
      if (claim.expedite) ExpediteRows(claim.receiver, now);
      turn.claimed.push_back(ClaimRows(&claim.receiver, now, claim.limit, claim.critical_only));
    }
    txn.commit();
    return turn;
  });
}

Result<int> Database::RequeueDead(std::optional<int64_t> outbox_id, UtcTime now) {
  return Guarded("requeue dead letters", [&]() -> Result<int> {
    Stmt s = Prepare(outbox_id ? "UPDATE outbox SET state = 'pending', attempts = 0, "
                                 "next_attempt_at = ?1, updated_at = ?1 "
                                 "WHERE state = 'dead' AND id = ?2"
                               : "UPDATE outbox SET state = 'pending', attempts = 0, "
                                 "next_attempt_at = ?1, updated_at = ?1 WHERE state = 'dead'");
    s->bind(1, ToUnix(now));
    if (outbox_id) s->bind(2, *outbox_id);
    int moved = s->exec();
    if (outbox_id && moved == 0) {
      return Status::NotFound("outbox row " + std::to_string(*outbox_id) + " is not a dead letter");
    }
    return moved;
  });
}

Result<int> Database::ExpediteOutboxFor(const std::string& receiver, UtcTime now) {
  return Guarded("expedite outbox", [&]() -> Result<int> { return ExpediteRows(receiver, now); });
}

int Database::ExpediteRows(const std::string& receiver, UtcTime now) {
  Stmt s =
      Prepare("UPDATE outbox SET next_attempt_at = ?1 WHERE receiver = ?2 AND state = 'pending'");
  s->bind(1, ToUnix(now));
  s->bind(2, receiver);
  return s->exec();
}

Result<int> Database::ShiftPendingOutbox(UtcTime now, std::chrono::seconds by) {
  return Guarded("shift pending outbox", [&]() -> Result<int> {
    Stmt s = Prepare(
        "UPDATE outbox SET next_attempt_at = next_attempt_at + ?2 "
        "WHERE state = 'pending' AND next_attempt_at > ?1");
    s->bind(1, ToUnix(now));
    s->bind(2, static_cast<int64_t>(by.count()));
    return s->exec();
  });
}

Status Database::MoveOutbox(int64_t outbox_id, const char* sql, UtcTime at,
                            const std::string& error, const char* what) {
  return Guarded(what, [&]() -> Status {
    Stmt s = Prepare(sql);
    s->bind(1, outbox_id);
    s->bind(2, ToUnix(at));
    s->bind(3, error);
    if (s->exec() == 0) {
      return Status::NotFound("outbox row " + std::to_string(outbox_id) + " is not in flight");
    }
    return Status::Ok();
  });
}

Status Database::MarkDelivered(int64_t outbox_id, UtcTime now) {
  return MoveOutbox(outbox_id,
                    "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, "
                    "last_error = ?3, updated_at = ?2 WHERE id = ?1 AND state = 'in-flight'",
                    now, "", "mark delivered");
}

Status Database::MarkRetry(int64_t outbox_id, UtcTime next_attempt, const std::string& error) {
  return MoveOutbox(outbox_id,
                    "UPDATE outbox SET state = 'pending', attempts = attempts + 1, "
                    "next_attempt_at = ?2, last_error = ?3, updated_at = ?2 "
                    "WHERE id = ?1 AND state = 'in-flight'",
                    next_attempt, error, "mark retry");
}

Status Database::MarkDead(int64_t outbox_id, UtcTime now, const std::string& error) {
  return MoveOutbox(outbox_id,
                    "UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ?3, "
                    "updated_at = ?2 WHERE id = ?1 AND state = 'in-flight'",
                    now, error, "mark dead");
}

Status Database::RecordDeliveryAttempt(const DeliveryAttempt& attempt) {
  return Guarded("record delivery attempt", [&]() -> Status {
    InsertDeliveryAttempt(attempt);
    return Status::Ok();
  });
}

void Database::InsertDeliveryAttempt(const DeliveryAttempt& attempt) {
  Stmt s = Prepare(
      "INSERT INTO deliveries (outbox, at, status, latency_ms, response_code, error) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  s->bind(1, attempt.outbox_id);
  s->bind(2, ToUnix(attempt.at));
  s->bind(3, attempt.status);
  s->bind(4, static_cast<int64_t>(attempt.latency.count()));
  s->bind(5, attempt.response_code);
  s->bind(6, attempt.error);
  s->exec();
}

// --- queries -----------------------------------------------------------------

AlertRecord Database::LoadAlert(int64_t alert_id, bool with_deliveries) {
  AlertRecord a;
  {
    static const std::string sql =
        std::string("SELECT ") + kAlertColumns + " FROM alerts a WHERE a.id = ?";
    Stmt s = Prepare(sql.c_str());
    s->bind(1, alert_id);
    if (!s->executeStep()) return a;
    a.id = alert_id;
    ReadAlertColumns(*s, 0, a);
  }
  {
    static const std::string sql = "SELECT " + kItemColumns +
                                   " FROM alert_sources s JOIN items i ON i.id = s.item "
                                   "JOIN feeds f ON f.id = i.feed WHERE s.alert = ? "
                                   "ORDER BY s.joined_at, s.item";
    Stmt s = Prepare(sql.c_str());
    s->bind(1, alert_id);
    while (s->executeStep()) a.sources.push_back(ReadItem(*s, 0));
  }
  if (with_deliveries) {
    Stmt s = Prepare(
        "SELECT id, receiver, state, attempts, next_attempt_at, last_error FROM outbox "
        "WHERE alert = ? ORDER BY receiver");
    s->bind(1, alert_id);
    while (s->executeStep()) {
      OutboxStatus o;
      o.outbox_id = s->getColumn(0).getInt64();
      o.receiver = s->getColumn(1).getString();
      o.state = ParseOutboxState(s->getColumn(2).getString());
      o.attempts = s->getColumn(3).getInt();
      if (o.state == OutboxState::kPending) o.next_attempt_at = ColumnTime(*s, 4);
      o.last_error = s->getColumn(5).getString();
      a.deliveries.push_back(std::move(o));
    }
  }
  return a;
}

Result<std::vector<AlertRecord>> Database::ListAlerts(UtcTime since, const std::string& rule_id) {
  return Guarded("list alerts", [&]() -> Result<std::vector<AlertRecord>> {
    std::vector<int64_t> ids;
    {
      Stmt s = Prepare(
          "SELECT id FROM alerts WHERE created_at >= ?1 AND (?2 = '' OR rule_id = ?2) "
          "ORDER BY created_at DESC, id DESC");
      s->bind(1, ToUnix(since));
      s->bind(2, rule_id);
      while (s->executeStep()) ids.push_back(s->getColumn(0).getInt64());
    }
    std::vector<AlertRecord> out;
    for (int64_t id : ids) out.push_back(LoadAlert(id, true));
    return out;
  });
}

Result<StoredItem> Database::FindItem(const std::string& feed_id, const std::string& key) {
  return Guarded("find item", [&]() -> Result<StoredItem> {
    static const std::string sql = "SELECT " + kItemColumns +
                                   " FROM items i JOIN feeds f ON f.id = i.feed "
                                   "WHERE f.config_id = ? AND i.key = ?";
    Stmt s = Prepare(sql.c_str());
    s->bind(1, feed_id);
    s->bind(2, key);
    if (!s->executeStep()) return Status::NotFound("no item " + key + " in feed " + feed_id);
    return ReadItem(*s, 0);
  });
}

void Database::AppendAlertTrail(int64_t alert_id, std::vector<HistoryEvent>& events) {
  {
    Stmt s =
        Prepare("SELECT created_at, rule_id, kind, severity, matches FROM alerts WHERE id = ?");
    s->bind(1, alert_id);
    if (!s->executeStep()) return;
    events.push_back({FromUnix(s->getColumn(0).getInt64()), "alerted",
                      "alert=" + std::to_string(alert_id) + " rule=" + s->getColumn(1).getString() +
                          " kind=" + s->getColumn(2).getString() +
                          " severity=" + s->getColumn(3).getString() +
                          (s->getColumn(4).getInt() != 0 ? "" : " matches=no")});
  }
  {
    Stmt s = Prepare(
        "SELECT s.joined_at, f.config_id, i.key, i.id FROM alert_sources s "
        "JOIN items i ON i.id = s.item JOIN feeds f ON f.id = i.feed "
        "JOIN alerts a ON a.id = s.alert WHERE s.alert = ? AND s.item <> a.item");
    s->bind(1, alert_id);
    while (s->executeStep()) {
      events.push_back({FromUnix(s->getColumn(0).getInt64()), "joined",
                        "alert=" + std::to_string(alert_id) +
                            " item=" + std::to_string(s->getColumn(3).getInt64()) + " feed=" +
                            s->getColumn(1).getString() + " key=" + s->getColumn(2).getString()});
    }
  }
  struct Row {
    int64_t id;
    UtcTime created, updated;
    std::string receiver, state, last_error;
  };
  std::vector<Row> rows;
  {
    Stmt s = Prepare(
        "SELECT id, created_at, receiver, state, updated_at, last_error FROM outbox "
        "WHERE alert = ? ORDER BY id");
    s->bind(1, alert_id);
    while (s->executeStep()) {
      rows.push_back({s->getColumn(0).getInt64(), FromUnix(s->getColumn(1).getInt64()),
                      FromUnix(s->getColumn(4).getInt64()), s->getColumn(2).getString(),
                      s->getColumn(3).getString(), s->getColumn(5).getString()});
    }
  }
  // Per receiver: queued, each attempt, then the outcome (the caller sorts
  // by time, stably, so an outcome logged in the same second as its attempt
  // stays after it).
  for (const Row& row : rows) {
    const std::string who = "alert=" + std::to_string(alert_id) + " receiver=" + row.receiver;
    events.push_back({row.created, "queued", who});
    Stmt d = Prepare(
        "SELECT at, status, latency_ms, response_code, error FROM deliveries WHERE outbox = ? "
        "ORDER BY id");
    d->bind(1, row.id);
    while (d->executeStep()) {
      std::string detail = who + " status=" + d->getColumn(1).getString() +
                           " code=" + std::to_string(d->getColumn(3).getInt()) +
                           " latency_ms=" + std::to_string(d->getColumn(2).getInt64());
      if (!d->getColumn(4).getString().empty()) detail += " error=" + d->getColumn(4).getString();
      events.push_back({FromUnix(d->getColumn(0).getInt64()), "attempt", detail});
    }
    if (row.state == "delivered" || row.state == "dead") {
      events.push_back({row.updated, row.state,
                        row.last_error.empty() ? who : who + " error=" + row.last_error});
    }
  }
}

namespace {
void SortByTime(std::vector<HistoryEvent>& events) {
  std::stable_sort(events.begin(), events.end(),
                   [](const HistoryEvent& a, const HistoryEvent& b) { return a.at < b.at; });
}
}  // namespace

Result<std::vector<HistoryEvent>> Database::ItemHistory(int64_t item_id) {
  return Guarded("item history", [&]() -> Result<std::vector<HistoryEvent>> {
    std::vector<HistoryEvent> events;
    {
      Stmt s = Prepare(
          "SELECT i.first_seen, f.config_id, i.key, i.revisions, i.last_seen FROM items i "
          "JOIN feeds f ON f.id = i.feed WHERE i.id = ?");
      s->bind(1, item_id);
      if (!s->executeStep()) return Status::NotFound("no item " + std::to_string(item_id));
      events.push_back({FromUnix(s->getColumn(0).getInt64()), "fetched",
                        "item=" + std::to_string(item_id) + " feed=" + s->getColumn(1).getString() +
                            " key=" + s->getColumn(2).getString()});
      if (s->getColumn(3).getInt() > 1) {
        events.push_back({FromUnix(s->getColumn(4).getInt64()), "amended",
                          "item=" + std::to_string(item_id) +
                              " revisions=" + std::to_string(s->getColumn(3).getInt())});
      }
    }
    {
      Stmt s = Prepare("SELECT matched_at, rule_id, terms FROM item_matches WHERE item = ?");
      s->bind(1, item_id);
      while (s->executeStep()) {
        std::string terms = s->getColumn(2).getString();
        std::replace(terms.begin(), terms.end(), kUnitSep, ',');
        events.push_back({FromUnix(s->getColumn(0).getInt64()), "matched",
                          "rule=" + s->getColumn(1).getString() + " terms=" + terms});
      }
    }
    std::vector<int64_t> alerts;
    {
      Stmt s = Prepare(
          "SELECT alert FROM alert_sources WHERE item = ?1 UNION SELECT id FROM alerts "
          "WHERE item = ?1 ORDER BY 1");
      s->bind(1, item_id);
      while (s->executeStep()) alerts.push_back(s->getColumn(0).getInt64());
    }
    for (int64_t alert_id : alerts) AppendAlertTrail(alert_id, events);
    SortByTime(events);
    return events;
  });
}

Result<std::vector<HistoryEvent>> Database::AlertHistory(int64_t alert_id) {
  return Guarded("alert history", [&]() -> Result<std::vector<HistoryEvent>> {
    std::vector<HistoryEvent> events;
    AppendAlertTrail(alert_id, events);
    if (events.empty()) return Status::NotFound("no alert " + std::to_string(alert_id));
    SortByTime(events);
    return events;
  });
}

Status Database::ForEachItemSince(UtcTime since, const std::function<void(const StoredItem&)>& fn) {
  return Guarded("read items", [&]() -> Status {
    // Row ids follow recording order, so no index on first_seen is needed
    // (one less index to maintain on every insert).
    static const std::string sql = "SELECT " + kItemColumns +
                                   " FROM items i JOIN feeds f ON f.id = i.feed "
                                   "WHERE i.first_seen >= ? ORDER BY i.id";
    Stmt s = Prepare(sql.c_str());
    s->bind(1, ToUnix(since));
    while (s->executeStep()) fn(ReadItem(*s, 0));
    return Status::Ok();
  });
}

// --- retention ---------------------------------------------------------------

Result<PruneCounts> Database::Prune(UtcTime now, const PruneOptions& options) {
  return Guarded("prune", [&]() -> Result<PruneCounts> {
    SQLite::Transaction txn(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    PruneCounts counts;
    const int64_t cutoff = ToUnix(now) - options.max_age.count();
    // Alerts whose every delivery is done; dead letters keep theirs for the
    // operator.  Sources, outbox rows and deliveries cascade.
    {
      Stmt s = Prepare(
          "DELETE FROM alerts WHERE created_at < ? AND NOT EXISTS "
          "(SELECT 1 FROM outbox o WHERE o.alert = alerts.id AND o.state <> 'delivered')");
      s->bind(1, cutoff);
      counts.alerts = s->exec();
    }
    // Their story keys (alert_keys has no foreign key, see migrations.cc):
    // a key is as old as its alert, so only keys before the cutoff can be
    // orphans.
    {
      Stmt s = Prepare(
          "DELETE FROM alert_keys WHERE created_at < ? AND NOT EXISTS "
          "(SELECT 1 FROM alerts a WHERE a.id = alert_keys.alert)");
      s->bind(1, cutoff);
      s->exec();
    }
    // Old items no remaining alert refers to become tombstones, so their keys
    // never count as new (and never alert) again.
    {
      Stmt s = Prepare(
          "INSERT OR REPLACE INTO tombstones (feed, key, content_hash, pruned_at, last_seen) "
          "SELECT feed, key, content_hash, ?2, last_seen FROM items i WHERE first_seen < ?1 "
          "AND NOT EXISTS (SELECT 1 FROM alert_sources s WHERE s.item = i.id) "
          "AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.item = i.id)");
      s->bind(1, cutoff);
      s->bind(2, ToUnix(now));
      counts.tombstones_added = s->exec();
    }
    {
      Stmt s = Prepare(
          "DELETE FROM items WHERE first_seen < ?1 "
          "AND NOT EXISTS (SELECT 1 FROM alert_sources s WHERE s.item = items.id) "
          "AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.item = items.id)");
      s->bind(1, cutoff);
      counts.items = s->exec();
    }
    {
      Stmt s = Prepare("DELETE FROM tombstones WHERE last_seen < ?");
      s->bind(1, ToUnix(now) - options.tombstone_max_age.count());
      counts.tombstones_dropped = s->exec();
    }
    txn.commit();
    return counts;
  });
}

}  // namespace mineral::storage
