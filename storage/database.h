// Database: the SQLite implementation of Store (the only file pair that
// includes SQLiteCpp; its types stay out of this header).
//
// One connection, owned here.  Opened in WAL mode (readers never block the
// writer, a commit is one append to the log), synchronous=NORMAL by default
// (a power cut may lose the last commits but never corrupts; FULL also keeps
// them, at an fsync per commit), a busy timeout, foreign keys on.  The schema
// is migrated on open (storage/migrations.h).  Not thread-safe (see Store).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

#include "storage/dedupe.h"
#include "storage/store.h"

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace mineral::storage {

struct DatabaseOptions {
  // synchronous=FULL instead of NORMAL: also survive a power cut with the
  // last commits, at an fsync per transaction (default false).
  bool synchronous_full = false;
  // How long a statement waits for another connection's lock (default 5 s).
  std::chrono::milliseconds busy_timeout{5000};
  // Page cache of the connection, in bytes (default 8 MiB, what the daemon
  // uses).  Larger is not faster for ingest: SQLite 3.40's page cache walks
  // every cached page at the commit that follows a b-tree split which
  // renumbered pages (the random-keyed alert_keys splits every few alerts),
  // so a 64 MiB cache spent ~18% of RecordFetch's CPU in that walk at a
  // million items (docs/storage.md, Benchmark), more than its extra hits
  // saved.
  int64_t cache_bytes = 8 << 20;
  // WAL pages after which the log is checkpointed into the database file
  // (default 10,000, about 40 MB): fewer, larger checkpoints and their fsyncs;
  // the log is reset after each, so it stays bounded.  0: never (tests,
  // benchmarks counting the log's frames).
  int wal_autocheckpoint_pages = 10000;
  // Checkpoint on a thread of its own (storage/checkpointer.h), so that the
  // writing thread never waits for one (default true).  Should that thread
  // fall behind or fail, the writer checkpoints itself once the log holds
  // twice wal_autocheckpoint_pages.  false: the writer checkpoints at
  // the commit that reaches wal_autocheckpoint_pages (SQLite's own
  // automatic checkpoints).
  bool background_checkpoints = true;
  // Longest title, summary or content text stored per item, in bytes; longer
  // ones are cut at a UTF-8 boundary (default 64 KiB).  Matching and content
  // hashes use the full text; backtests see the stored one.
  size_t max_text_bytes = 64 * 1024;
  // Cross-source clustering (storage/dedupe.h).
  ClusterOptions cluster;
  // Open for reading only (CLI queries beside a running daemon): nothing is
  // migrated or written, so outbox rows in flight stay in flight; a
  // database at another schema version than the current one is refused
  // (default false).
  bool read_only = false;
  // SQLite VFS name, "" for the default; tests register a fault-injecting one.
  std::string vfs;
};

// What a Database's background checkpointer has done so far.
struct CheckpointStats {
  int64_t checkpoints = 0;  // completed without an error
  double cpu_seconds = 0;   // that thread's CPU time spent in checkpoints
  int64_t failures = 0;     // checkpoints that returned an error
  // Refused because another checkpoint (the writer's own) held the lock:
  // that one does the work, so neither done nor failed.
  int64_t busy = 0;
  std::string last_error;  // of the last failure, "" when none
};

class Checkpointer;

class Database final : public Store {
 public:
  // Opens (creating if needed) and migrates the database at `path`, then puts
  // outbox rows left in flight by a crash back to pending.  Refuses a database
  // written by a newer schema: Unsupported, naming both versions.  With
  // options.read_only, see there.
  static Result<std::unique_ptr<Database>> Open(const std::string& path,
                                                const DatabaseOptions& options);

  ~Database() override;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // PRAGMA user_version of the open database.
  int SchemaVersion();

  // What the background checkpointer has done (all zero without one).
  CheckpointStats CheckpointerStats() const;

  Status SyncFeeds(const std::vector<FeedSpec>& feeds) override;
  Result<std::vector<FeedState>> LoadFeedStates() override;
  Status SaveFeedState(const FeedState& state) override;
  Result<RecordCounts> RecordFetch(const FeedState& state, const std::vector<Item>& items,
                                   UtcTime now, const Matcher& matcher) override;

  Result<std::vector<OutboxEntry>> ClaimDueOutbox(UtcTime now, int limit) override;
  Result<std::vector<OutboxEntry>> ClaimDueOutboxFor(const std::string& receiver, UtcTime now,
                                                     int limit, bool critical_only) override;
  Result<int> RequeueDead(std::optional<int64_t> outbox_id, UtcTime now) override;
  Result<int> ExpediteOutboxFor(const std::string& receiver, UtcTime now) override;
  Result<int> ShiftPendingOutbox(UtcTime now, std::chrono::seconds by) override;
  Result<int> CompleteAttempts(const std::vector<CompletedAttempt>& completed) override;
  Result<OutboxTurn> CompleteAndClaim(const std::vector<CompletedAttempt>& completed,
                                      const std::vector<int64_t>& released,
                                      const std::vector<OutboxClaim>& claims, UtcTime now) override;
  Status MarkDelivered(int64_t outbox_id, UtcTime now) override;
  Status MarkRetry(int64_t outbox_id, UtcTime next_attempt, const std::string& error) override;
  Status MarkDead(int64_t outbox_id, UtcTime now, const std::string& error) override;
  Status RecordDeliveryAttempt(const DeliveryAttempt& attempt) override;

  Result<std::vector<AlertRecord>> ListAlerts(UtcTime since, const std::string& rule_id) override;
  Result<StoredItem> FindItem(const std::string& feed_id, const std::string& key) override;
  Result<std::vector<HistoryEvent>> ItemHistory(int64_t item_id) override;
  Result<std::vector<HistoryEvent>> AlertHistory(int64_t alert_id) override;
  Status ForEachItemSince(UtcTime since, const std::function<void(const StoredItem&)>& fn) override;

  Result<PruneCounts> Prune(UtcTime now, const PruneOptions& options) override;

 private:
  class Stmt;
  struct FeedRow;
  struct RecordContext;

  Database(std::unique_ptr<SQLite::Database> db, const DatabaseOptions& options);
  // Open's read_only half; throws SQLite::Exception.
  static Result<std::unique_ptr<Database>> OpenReadOnly(const std::string& path,
                                                        const DatabaseOptions& options);

  // A cached prepared statement for `sql` (a string literal: the pointer is
  // the cache key), reset with its bindings cleared.
  Stmt Prepare(const char* sql);

  void RecordNewItem(RecordContext& ctx, const Item& item, uint64_t hash);
  // Inserts `item` unless its key is already stored (then returns false and
  // writes nothing); a new item is matched and alerted as RecordNewItem does.
  bool InsertNewItem(RecordContext& ctx, const Item& item, uint64_t hash);
  void RecordAmendedItem(RecordContext& ctx, int64_t item_id, const Item& item, uint64_t hash);
  int64_t InsertMatch(int64_t item_id, const AlertCandidate& candidate, UtcTime now);
  void RaiseOrJoin(RecordContext& ctx, int64_t item_id, const Item& item, uint64_t hash,
                   const AlertCandidate& candidate);
  int64_t InsertAlert(RecordContext& ctx, int64_t item_id, const Item& item, uint64_t hash,
                      const char* kind, const AlertCandidate& candidate, const StoryText& story,
                      bool matches);
  void RaiseNoLongerMatches(RecordContext& ctx, int64_t item_id, const Item& item, uint64_t hash,
                            const std::string& rule_id);
  void WriteFeedState(int64_t feed_row, const FeedState& state, bool baseline_done);
  Result<std::vector<OutboxEntry>> ClaimOutbox(const std::string* receiver, UtcTime now, int limit,
                                               bool critical_only);
  // The bodies of ClaimOutbox, CompleteAttempts, ExpediteOutboxFor and
  // RecordDeliveryAttempt, inside the caller's transaction; they throw
  // SQLite::Exception.
  std::vector<OutboxEntry> ClaimRows(const std::string* receiver, UtcTime now, int limit,
                                     bool critical_only);
  int StoreOutcomes(const std::vector<CompletedAttempt>& completed);
  int ExpediteRows(const std::string& receiver, UtcTime now);
  void InsertDeliveryAttempt(const DeliveryAttempt& attempt);
  Status MoveOutbox(int64_t outbox_id, const char* sql, UtcTime at, const std::string& error,
                    const char* what);
  AlertRecord LoadAlert(int64_t alert_id, bool with_deliveries);
  // Appends to a claimed alert, whose first source is loaded, its other
  // sources in joining order, with only the columns receivers render (see
  // OutboxEntry).
  void LoadOtherSources(AlertRecord& alert);
  void AppendAlertTrail(int64_t alert_id, std::vector<HistoryEvent>& events);

  std::unique_ptr<SQLite::Database> db_;
  DatabaseOptions options_;
  // Declared after db_: stopped (and its connection closed) before db_'s
  // close, which then checkpoints what is left and removes the log.
  std::unique_ptr<Checkpointer> checkpointer_;
  // Declared after db_: statements are finalized before the connection closes.
  std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> statements_;
};

}  // namespace mineral::storage
