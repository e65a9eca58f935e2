// DeliveryLoop: takes alerts out of the durable outbox and through the
// receivers, on the daemon's io_context.
//
//   for each receiver: its free slots (circuit breaker, concurrency limit)
//     -> claimed rows -> notify::Receiver::Send -> Decide (delivery_policy.h)
//     -> delivered | retry at T | dead, and the attempt logged
//
// One turn of the loop is one transaction (Store::CompleteAndClaim): the
// outcomes of every send that finished since the last turn are stored, and
// rows are claimed for the receivers with room.  A receiver that may send
// whenever a slot frees (circuit closed; no grouping, quiet hours or rate
// limit) also claims up to twice its `concurrency` in rows ahead
// (kClaimAheadSlots), and under load claims `concurrency` rows at a time: a
// slot that frees starts its next send from them at once, without a store
// round trip, and a turn stores about `concurrency` outcomes in one commit.  Rows
// claimed ahead are in flight in the store like rows being sent: a crash
// leaves them to the next open, which makes them pending again; Stop, a
// reload that removes the receiver, an opening circuit or a 410 give them
// back (pending, no attempt counted, due as before) in the next turn.
//
// Claims are per receiver, so a receiver that hangs, fails or is disabled
// holds only its own rows (each attempt bounded by the receiver's timeout)
// and never delays another's.  Delivery is at least once: a crash between
// Send and Mark leaves the row in flight, and the store puts it back to
// pending on open; the idempotency key (webhook-id, Message-ID) lets the far
// end drop the repeat.
//
// Thread-safety: not thread-safe; construct, call and destroy it on the
// io_context's thread.  The Store must outlive it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/delivery_policy.h"
#include "daemon/send_window.h"
#include "notify/alert.h"
#include "notify/receiver.h"
#include "storage/store.h"

namespace mineral::daemon {

struct ReceiverSettings {
  ReceiverLimits limits;  // max_attempts, max_age
  int concurrency = 4;    // sends in flight at once to this receiver (default 4)
  bool enabled = true;    // false: its rows wait in the outbox
  // Quiet hours and rate limit (rows wait; critical ones go during quiet
  // hours unless told otherwise; a group counts as one message), and
  // grouping: with group_wait or digest_at the due rows are held (in flight
  // in the store) and sent as one message of up to 100 alerts, at
  // GroupDue / the next digest time.  One group in flight at a time.
  SendTiming timing;
  feeds::TimeZone zone;  // of quiet hours (default UTC)
  // This receiver's backoff and circuit breaker; unset: the loop's
  // (DeliveryLoopOptions).
  std::optional<RetryPolicy> retry;
  std::optional<BreakerPolicy> breaker;
};

// One attempt, as the loop decided it (for logs, metrics, the CLI).
struct DeliveryEvent {
  int64_t outbox_id = 0;
  int64_t alert_id = 0;
  std::string receiver;
  std::string idempotency_key;
  int attempt = 0;  // 1 for the first
  Decision decision;
  notify::DeliveryResult result;
  Status store;  // not ok when the outcome could not be recorded
};

struct ReceiverState {
  std::string id;
  bool enabled = true;
  std::string disabled_reason;  // "HTTP 410 Gone", "disabled in config"
  CircuitBreaker::State breaker = CircuitBreaker::State::kClosed;
  int in_flight = 0;
  int64_t delivered = 0;
  int64_t failed = 0;  // attempts that did not deliver
};

struct DeliveryLoopOptions {
  RetryPolicy retry;
  BreakerPolicy breaker;
  // How often to look for rows that became due (retries, alerts recorded
  // without a Wake).  Default 1 s.
  std::chrono::milliseconds poll_interval{1000};
  // The wall clock (default system_clock) and the jitter draw in [0, 1)
  // (default a seeded Mersenne twister).
  std::function<UtcTime()> now;
  std::function<double()> random;
  // The monotonic clock the wall clock is checked against (default
  // steady_clock; without it, when `now` is given, jumps go unnoticed).
  // When the wall clock moves more than kClockJumpTolerance away from what
  // the monotonic clock says has passed, the loop moves its in-memory times
  // (breaker pauses, rate windows, held groups) by the jump, and after a
  // jump back the store's pending retries too (Store::ShiftPendingOutbox):
  // every wait keeps what it had left.  After a jump forward the waits are
  // over sooner; the rows then due go within the usual limits (concurrency,
  // breaker, rate), not all at once.
  std::function<std::chrono::steady_clock::time_point()> steady;
};

inline constexpr std::chrono::seconds kClockJumpTolerance{5};

// A receiver that claims ahead keeps up to this many times its concurrency
// in rows claimed and not yet sent (see DeliveryLoop).
inline constexpr int kClaimAheadSlots = 2;

class DeliveryLoop {
 public:
  DeliveryLoop(boost::asio::io_context& io, storage::Store& store,
               DeliveryLoopOptions options = {});
  ~DeliveryLoop();

  DeliveryLoop(const DeliveryLoop&) = delete;
  DeliveryLoop& operator=(const DeliveryLoop&) = delete;

  // Before Start.  Rows for receiver ids never added stay pending (a
  // receiver removed from the config keeps its queue until it returns or
  // the alerts are pruned).
  void AddReceiver(std::unique_ptr<notify::Receiver> receiver, ReceiverSettings settings);

  // Replaces every receiver (SIGHUP reload).  Sends in flight finish on the
  // old receiver objects and are recorded as usual.  A receiver id kept
  // across the reload keeps its circuit breaker, counters, rate window and
  // held group; one disabled by a 410 is enabled again (the config was
  // edited: try it).  Rows held by a grouping receiver that the reload
  // removes stay in flight in the store until the next start.
  void SetReceivers(
      std::vector<std::pair<std::unique_ptr<notify::Receiver>, ReceiverSettings>> receivers);

  // Delivers whatever is due, now and every poll_interval, until Stop.
  void Start();
  // Delivers every row due now, once each (a retry it schedules is left for
  // later), then stops as Stop does and calls `done`.  Instead of Start: for
  // `run --once`, cron and the demo.
  void DeliverDue(std::function<void()> done);
  // Looks for due rows at once (call after a RecordFetch that queued rows).
  void Wake();
  // No new sends; `drained` runs (on the loop) once every send in flight has
  // finished and been recorded, or once `bound` has passed, whichever comes
  // first.  Sends still in flight at the bound are abandoned: an answer that
  // comes later is not recorded, and their rows stay in flight in the store,
  // which makes them pending again, due at once and with no attempt counted,
  // when it is next opened (a receiver may then see that alert twice, under
  // the same idempotency key).  Without a bound, sends end at their timeouts.
  // Rows claimed ahead and not yet sent go back to pending at once, in the
  // transaction that stores the outcomes so far (if that fails, they stay in
  // flight until the next open, which makes them pending).
  void Stop(std::function<void()> drained,
            std::chrono::milliseconds bound = std::chrono::milliseconds::max());
  // Sends abandoned by Stop's bound.
  int abandoned() const { return abandoned_; }

  void OnAttempt(std::function<void(const DeliveryEvent&)> callback) {
    on_attempt_ = std::move(callback);
  }
  // A receiver answered 410 Gone and is disabled until the config reloads.
  void OnReceiverDisabled(std::function<void(const ReceiverState&)> callback) {
    on_disabled_ = std::move(callback);
  }
  // The wall clock jumped by this much (see DeliveryLoopOptions::steady).
  void OnClockJump(std::function<void(std::chrono::seconds)> callback) {
    on_clock_jump_ = std::move(callback);
  }
  // A store verb failed (the loop goes on: a failed claim is tried again at
  // the next tick; outcomes that could not be stored are kept and stored by
  // a later turn, their rows staying in flight in the store meanwhile).
  void OnStoreError(std::function<void(const Status&)> callback) {
    on_store_error_ = std::move(callback);
  }

  std::vector<ReceiverState> Receivers() const;
  int in_flight() const { return in_flight_; }

 private:
  struct Slot;

  // Stores finished outcomes and claims rows for free slots.  `tick`: the
  // periodic look, which claims for any free slot.
  void Pump(bool tick);
  void PostPump();
  void ArmTimer();
  void PumpGroup(const std::shared_ptr<Slot>& slot, UtcTime now);
  // One message: one row, or a group.
  void StartSend(const std::shared_ptr<Slot>& slot, std::vector<storage::OutboxEntry> entries);
  void OnResult(const std::shared_ptr<Slot>& slot, const std::vector<storage::OutboxEntry>& entries,
                notify::DeliveryResult result);
  // The oldest row claimed ahead, as a message of one.
  static std::vector<storage::OutboxEntry> TakeReady(Slot& slot);
  // Gives the rows claimed ahead back to the store (in the next turn).
  void Release(Slot& slot);
  // One turn of the store: stores the outcomes, gives back released rows,
  // claims `claims`.  The claimed rows, or nullopt when the store failed
  // (reported; the outcomes and releases are kept for the next turn) or
  // there was nothing to do.
  std::optional<storage::OutboxTurn> Flush(const std::vector<storage::OutboxClaim>& claims,
                                           UtcTime now);
  void Flush();
  // options_.now(), after noticing a jump of the wall clock (see
  // DeliveryLoopOptions::steady) and moving the waits by it.
  UtcTime Now();

  // An attempt whose outcome is decided but not yet stored.
  struct Completed {
    storage::Store::CompletedAttempt row;
    DeliveryEvent event;
  };

  boost::asio::io_context& io_;
  storage::Store& store_;
  DeliveryLoopOptions options_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer drain_timer_;
  std::map<std::string, std::shared_ptr<Slot>> slots_;
  std::function<void(const DeliveryEvent&)> on_attempt_;
  std::function<void(const ReceiverState&)> on_disabled_;
  std::function<void(const Status&)> on_store_error_;
  std::function<void(std::chrono::seconds)> on_clock_jump_;
  std::function<void()> drained_;
  std::vector<Completed> completed_;
  // Outcomes a failed CompleteAttempts could not store, tried again first.
  std::vector<storage::Store::CompletedAttempt> unstored_;
  // Rows claimed ahead and given back, put back to pending by the next turn.
  std::vector<int64_t> released_;
  int in_flight_ = 0;
  int abandoned_ = 0;
  bool started_ = false;
  bool stopped_ = false;
  bool pump_posted_ = false;
  bool timer_armed_ = false;         // a tick is due within poll_interval
  std::function<void()> once_done_;  // DeliverDue
  // The last reading of both clocks, for Now().
  std::optional<std::pair<UtcTime, std::chrono::steady_clock::time_point>> last_clocks_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// An outbox row as notify sees it: the alert, its sources as items (the
// first is the item the rule fired on), the row's idempotency key.
// Summaries are cut to kMaxSummaryBytes.
inline constexpr size_t kMaxSummaryBytes = 2000;
notify::Alert ToNotifyAlert(const storage::OutboxEntry& entry);
// The same, moving the alert's text out of `entry` instead of copying it;
// the entry keeps its row's id, key and attempts, the alert's id and
// creation time.
notify::Alert TakeNotifyAlert(storage::OutboxEntry& entry);

}  // namespace mineral::daemon
