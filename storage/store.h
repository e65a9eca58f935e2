// Store: everything the daemon keeps between runs, spoken as domain verbs.
//
// The daemon, the CLI and the delivery loop talk to this interface only; no
// SQL leaves storage/.  It is narrow on purpose: a second backend (PostgreSQL
// shared by several daemons, with feed and outbox leases) implements the same
// verbs.  The one implementation today is storage::Database (SQLite).
//
// Errors: every verb returns Status or Result<T>; nothing throws.  A failed
// RecordFetch leaves the store exactly as before the call (one transaction),
// so the caller logs the error and polls the feed again later.
//
// Thread-safety: a Store is not thread-safe; one thread (the daemon's
// io_context) owns it.  Several processes may open one SQLite file (WAL,
// busy timeout), but only one daemon should write it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/alert.h"
#include "model/feed_state.h"
#include "model/item.h"
#include "model/status.h"
#include "model/time.h"

namespace mineral::storage {

// Runs the rules on one item; returns one candidate per rule that fires.
// Must be deterministic for a given item (it reruns on amended items and in
// backtests) and must not call back into the store.
using Matcher = std::function<std::vector<AlertCandidate>(const Item&)>;

// What one RecordFetch did.
struct RecordCounts {
  int new_items = 0;         // keys never seen before for this feed
  int amended_items = 0;     // known key, changed content
  int unchanged_items = 0;   // known key, same content
  int tombstoned_items = 0;  // key pruned earlier: ignored, never alerts again
  int matches = 0;           // item_match rows written (new and amended items)
  int alerts = 0;            // alerts raised (new stories and amendments)
  int clustered = 0;         // items that joined an existing alert as another source
  int outbox_rows = 0;       // deliveries queued (alert x receiver)
  bool baseline = false;     // this was the feed's first recorded poll; nothing alerted
};

// One item as stored, with what is needed to rerun the matcher (backtest)
// or render an alert.
struct StoredItem {
  int64_t id = 0;
  std::string feed_id;
  Item item;  // key, guid, title, link, times, texts, categories, authors,
              // origin, language; source_feed = feed_id; HTML not kept
  UtcTime first_seen{};
  UtcTime last_seen{};
  int revisions = 1;  // 1 + times the content was amended
};

// One receiver's view of an alert.
struct OutboxStatus {
  int64_t outbox_id = 0;
  std::string receiver;
  OutboxState state = OutboxState::kPending;
  int attempts = 0;
  std::optional<UtcTime> next_attempt_at;  // set while pending
  std::string last_error;
};

struct AlertRecord {
  int64_t id = 0;
  std::string rule_id;
  std::string kind;  // "new" or "amended"
  // False for an amendment after which the rule no longer fires on the item
  // (then evidence is empty, and the receivers are those of the rule's
  // previous alert on it).
  bool matches = true;
  std::string severity;
  std::vector<std::string> labels;
  std::vector<MatchEvidence> evidence;  // of the first source
  std::string doc_number;               // official number of the story, "" if none
  UtcTime created_at{};
  std::vector<StoredItem> sources;       // first source first, then in joining order
  std::vector<OutboxStatus> deliveries;  // one per receiver
};

// A claimed outbox row: what the delivery loop needs to render and send.
struct OutboxEntry {
  int64_t id = 0;
  std::string receiver;
  std::string idempotency_key;  // stable per (alert, receiver), also across rebuilds
  int attempts = 0;             // attempts before this one
  // With sources, of which only what receivers render is loaded: feed_id,
  // id, and the item's title, link, published, updated, summary_text,
  // language, origin and source_feed (no key, guid, content, categories,
  // authors or first/last seen).  Deliveries left empty.
  AlertRecord alert;
};

// What the delivery loop asks of one receiver in a turn (CompleteAndClaim).
struct OutboxClaim {
  std::string receiver;
  int limit = 0;
  bool critical_only = false;  // as ClaimDueOutboxFor
  bool expedite = false;       // first as ExpediteOutboxFor (the probe after an outage)
};

// What one CompleteAndClaim did.
struct OutboxTurn {
  int moved = 0;     // rows the outcomes moved (as CompleteAttempts returns)
  int released = 0;  // rows put back to pending
  std::vector<std::vector<OutboxEntry>> claimed;  // one per claim, in order
};

// One delivery attempt, for the deliveries log.
struct DeliveryAttempt {
  int64_t outbox_id = 0;
  UtcTime at{};
  std::string status;  // "delivered", "retry", "dead" (what the loop decided)
  std::chrono::milliseconds latency{0};
  int response_code = 0;  // HTTP/SMTP code, 0 when none
  std::string error;
};

// One line of an item's or alert's trail, in time order.
struct HistoryEvent {
  UtcTime at{};
  std::string event;   // "fetched", "amended", "matched", "alerted", "joined",
                       // "queued", "attempt", "delivered", "dead"
  std::string detail;  // "rule=R1 terms=gallium,export control", ...
};

struct PruneOptions {
  // Items first seen, and alerts created, longer ago than this are deleted
  // (alerts only when every delivery is done).  Default 90 days.
  std::chrono::seconds max_age{90 * 24 * 3600};
  // A tombstone is forgotten once its key has not been in its feed for this
  // long (default 365 days); until then the key never counts as new.
  std::chrono::seconds tombstone_max_age{365 * 24 * 3600};
};

struct PruneCounts {
  int64_t items = 0;
  int64_t alerts = 0;
  int64_t tombstones_added = 0;
  int64_t tombstones_dropped = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Makes the stored feeds match the config: new ids are added with a fresh
  // state, known ids keep their state (a changed configured URL replaces the
  // polled URL and clears the validators: a redirect or ETag learnt from the
  // old URL is moot), ids no
  // longer configured are kept (their items and alerts stay) but not loaded.
  virtual Status SyncFeeds(const std::vector<FeedSpec>& feeds) = 0;

  // The state of every configured feed, in config-id order.
  virtual Result<std::vector<FeedState>> LoadFeedStates() = 0;

  // Saves a poll's outcome when there are no items to record (304, error).
  // NotFound when the feed is unknown.
  virtual Status SaveFeedState(const FeedState& state) = 0;

  // Records one fetched feed in one transaction: new items, amendments,
  // matches, alerts or cluster joins, outbox rows, and `state` (whose
  // baseline_done is ignored: the store knows whether this is the first poll,
  // and sets it).  On error nothing of it is stored.
  virtual Result<RecordCounts> RecordFetch(const FeedState& state, const std::vector<Item>& items,
                                           UtcTime now, const Matcher& matcher) = 0;

  // Moves up to `limit` pending rows whose next attempt is due at `now` to
  // in-flight and returns them, oldest first.  In-flight rows left by a crash
  // become pending again when the store is opened.
  virtual Result<std::vector<OutboxEntry>> ClaimDueOutbox(UtcTime now, int limit) = 0;
  // The same for one receiver's rows only: the delivery loop claims as many
  // as the receiver has free slots, and none while its circuit is open, it is
  // disabled or rate-limited, so its rows wait untouched (no attempt counted).
  // `critical_only`: only rows of alerts of severity "critical" (what may
  // go out during the receiver's quiet hours).
  virtual Result<std::vector<OutboxEntry>> ClaimDueOutboxFor(const std::string& receiver,
                                                             UtcTime now, int limit,
                                                             bool critical_only) = 0;
  // Every pending row of `receiver` due at `now`, whatever its own backoff
  // said.  The delivery loop calls it before the probe of a receiver whose
  // circuit was open: the probe is then its oldest row, and once the probe
  // succeeds what waited goes in the order the alerts were raised (claims
  // take due rows by next attempt, then id).  Returns how many rows moved.
  virtual Result<int> ExpediteOutboxFor(const std::string& receiver, UtcTime now) = 0;
  virtual Status MarkDelivered(int64_t outbox_id, UtcTime now) = 0;
  // Back to pending until `next_attempt`; attempts + 1.
  virtual Status MarkRetry(int64_t outbox_id, UtcTime next_attempt, const std::string& error) = 0;
  // A dead letter: kept (and listed) until pruned with its alert, never retried.
  virtual Status MarkDead(int64_t outbox_id, UtcTime now, const std::string& error) = 0;
  virtual Status RecordDeliveryAttempt(const DeliveryAttempt& attempt) = 0;
  // Several attempts' outcomes in one transaction (the delivery loop's
  // batch): for each, the row moves as attempt.status says ("delivered",
  // "retry" to `next_attempt`, "dead"; attempt.error is the last error) and
  // the attempt is logged.  Rows not in flight are skipped.  Returns how
  // many rows moved; on error nothing of it is stored.
  struct CompletedAttempt {
    DeliveryAttempt attempt;
    UtcTime next_attempt{};  // for "retry"
  };
  virtual Result<int> CompleteAttempts(const std::vector<CompletedAttempt>& completed) = 0;
  // One turn of the delivery loop in one transaction: stores `completed` as
  // CompleteAttempts does, puts the rows `released` (claimed, never sent)
  // back from in flight to pending, with no attempt counted and their due
  // time as it was, then claims for each of `claims` as ClaimDueOutboxFor
  // does (after ExpediteOutboxFor when it says so).  On error nothing of it
  // is stored.
  virtual Result<OutboxTurn> CompleteAndClaim(const std::vector<CompletedAttempt>& completed,
                                              const std::vector<int64_t>& released,
                                              const std::vector<OutboxClaim>& claims,
                                              UtcTime now) = 0;
  // Dead letters back to pending, due at `now`, attempts reset to 0 (their
  // last error is kept until the next attempt): the one row `outbox_id`, or
  // every dead row when nullopt.  Returns how many rows moved; NotFound when
  // `outbox_id` is not a dead letter.  (`mineral-alertd outbox retry`.)
  virtual Result<int> RequeueDead(std::optional<int64_t> outbox_id, UtcTime now) = 0;
  // The wall clock went back by `by` (negative) and reads `now`: every
  // pending row due later than `now` has its next attempt moved by `by`, so
  // a retry keeps the wait it had left instead of waiting the jump as well
  // (one due before the jump stays due).  Returns the rows moved.
  virtual Result<int> ShiftPendingOutbox(UtcTime now, std::chrono::seconds by) = 0;

  // Alerts created at or after `since`, newest first, optionally of one rule,
  // with their sources and delivery states.
  virtual Result<std::vector<AlertRecord>> ListAlerts(UtcTime since,
                                                      const std::string& rule_id) = 0;
  // The stored item `key` of feed `feed_id`; NotFound otherwise.
  virtual Result<StoredItem> FindItem(const std::string& feed_id, const std::string& key) = 0;
  virtual Result<std::vector<HistoryEvent>> ItemHistory(int64_t item_id) = 0;
  virtual Result<std::vector<HistoryEvent>> AlertHistory(int64_t alert_id) = 0;
  // Calls `fn` for every stored item first seen at or after `since`, oldest
  // first (backtests).  `fn` must not call back into the store.
  virtual Status ForEachItemSince(UtcTime since,
                                  const std::function<void(const StoredItem&)>& fn) = 0;

  // Retention; see PruneOptions.
  virtual Result<PruneCounts> Prune(UtcTime now, const PruneOptions& options) = 0;
};

}  // namespace mineral::storage
