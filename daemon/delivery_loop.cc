#include "daemon/delivery_loop.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <deque>
#include <optional>
#include <random>
#include <type_traits>

#include "notify/format.h"

namespace mineral::daemon {

struct DeliveryLoop::Slot {
  std::unique_ptr<notify::Receiver> receiver;
  ReceiverSettings settings;
  CircuitBreaker breaker;
  ReceiverState state;
  RateWindow rate{0, std::chrono::seconds(0)};
  // Grouping (group_wait or digest_at): rows claimed and held for the next
  // group, since when, and when the last group went.
  std::vector<storage::OutboxEntry> held;
  std::optional<UtcTime> held_since;
  std::optional<UtcTime> last_group;
  bool Grouping() const {
    return settings.timing.group_wait.count() > 0 || settings.timing.digest_at.has_value();
  }
  // Rows claimed ahead (in flight in the store, not yet sent), oldest
  // first: a slot that frees starts the next send from here at once, without
  // waiting for the store.  Only while ClaimsAhead().
  std::deque<storage::OutboxEntry> ready;
  // Claiming ahead is for receivers that may send whenever a slot frees:
  // enabled, circuit closed, no grouping, quiet hours or rate limit (their
  // rows wait for a time, and wait pending in the store).
  bool ClaimsAhead() const {
    return state.enabled && breaker.state() == CircuitBreaker::State::kClosed && !Grouping() &&
           !settings.timing.quiet_hours && settings.timing.rate_count == 0;
  }
  // The last claim found fewer due rows than it asked for.
  bool drained = false;
  // After SetReceivers: the slot that replaced this one.  Results of sends
  // started here are accounted there (breaker, in-flight count).
  std::weak_ptr<Slot> successor;
};

namespace {

UtcTime SystemNow() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::function<double()> DefaultRandom() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

}  // namespace

namespace {

// ToNotifyAlert and TakeNotifyAlert: `Text` is const std::string& (copies)
// or std::string& (moves).
template <typename Entry>
notify::Alert MakeNotifyAlert(Entry& entry) {
  constexpr bool kMove = !std::is_const_v<Entry>;
  auto take = [](auto& value) -> decltype(auto) {
    if constexpr (kMove) {
      return std::move(value);
    } else {
      return static_cast<const std::remove_reference_t<decltype(value)>&>(value);
    }
  };
  auto& record = entry.alert;
  notify::Alert a;
  a.id = record.id;
  a.idempotency_key = entry.idempotency_key;  // the row keeps it (OnResult)
  a.rule_id = take(record.rule_id);
  a.severity = take(record.severity);
  a.labels = take(record.labels);
  a.amended = record.kind == "amended";
  a.doc_number = take(record.doc_number);
  a.created_at = record.created_at;
  a.evidence = take(record.evidence);
  a.items.reserve(record.sources.size());
  for (auto& source : record.sources) {
    notify::AlertItem item;
    item.feed = take(source.feed_id);
    item.title = take(source.item.title);
    item.link = take(source.item.link);
    item.origin = take(source.item.origin);
    item.published = source.item.published ? source.item.published : source.item.updated;
    item.language = take(source.item.language);
    if (source.item.summary_text.size() <= kMaxSummaryBytes) {
      item.summary = take(source.item.summary_text);
    } else {
      item.summary = notify::TruncateUtf8(source.item.summary_text, kMaxSummaryBytes);
    }
    a.items.push_back(std::move(item));
  }
  return a;
}

}  // namespace

notify::Alert ToNotifyAlert(const storage::OutboxEntry& entry) { return MakeNotifyAlert(entry); }

notify::Alert TakeNotifyAlert(storage::OutboxEntry& entry) { return MakeNotifyAlert(entry); }

DeliveryLoop::DeliveryLoop(boost::asio::io_context& io, storage::Store& store,
                           DeliveryLoopOptions options)
    : io_(io), store_(store), options_(std::move(options)), timer_(io), drain_timer_(io) {
  if (!options_.now) {
    options_.now = SystemNow;
    if (!options_.steady) options_.steady = [] { return std::chrono::steady_clock::now(); };
  }
  if (!options_.random) options_.random = DefaultRandom();
}

UtcTime DeliveryLoop::Now() {
  const UtcTime wall = options_.now();
  if (!options_.steady) return wall;
  const auto steady = options_.steady();
  if (last_clocks_) {
    const auto& [last_wall, last_steady] = *last_clocks_;
    const UtcTime expected =
        last_wall + std::chrono::duration_cast<std::chrono::seconds>(steady - last_steady);
    const std::chrono::seconds jump = wall - expected;
    if (jump > kClockJumpTolerance || jump < -kClockJumpTolerance) {
      for (auto& [id, slot] : slots_) {
        slot->breaker.Shift(jump);
        slot->rate.Shift(jump);
        if (slot->held_since) *slot->held_since += jump;
        if (slot->last_group) *slot->last_group += jump;
      }
      // Back: the stored retries move too.  Forward: they are simply due
      // sooner (moving them would also move rows recorded after the jump).
      if (jump < std::chrono::seconds(0)) {
        auto moved = store_.ShiftPendingOutbox(wall, jump);
        if (!moved.ok() && on_store_error_) on_store_error_(moved.status());
      }
      if (on_clock_jump_) on_clock_jump_(jump);
    }
  }
  last_clocks_.emplace(wall, steady);
  return wall;
}

DeliveryLoop::~DeliveryLoop() { *alive_ = false; }

void DeliveryLoop::AddReceiver(std::unique_ptr<notify::Receiver> receiver,
                               ReceiverSettings settings) {
  auto slot = std::make_shared<Slot>();
  slot->state.id = receiver->id();
  slot->state.enabled = settings.enabled;
  if (!settings.enabled) slot->state.disabled_reason = "disabled in config";
  slot->receiver = std::move(receiver);
  slot->settings = settings;
  slot->breaker = CircuitBreaker(settings.breaker.value_or(options_.breaker));
  slot->rate = RateWindow(settings.timing.rate_count, settings.timing.rate_per);
  std::string id = slot->state.id;
  slots_[id] = std::move(slot);
}

void DeliveryLoop::SetReceivers(
    std::vector<std::pair<std::unique_ptr<notify::Receiver>, ReceiverSettings>> receivers) {
  std::map<std::string, std::shared_ptr<Slot>> old = std::move(slots_);
  slots_.clear();
  for (auto& [receiver, settings] : receivers) {
    std::string id = receiver->id();
    AddReceiver(std::move(receiver), settings);
    auto kept = old.find(id);
    if (kept == old.end()) continue;
    Slot& slot = *slots_[id];
    // The breaker's and the rate window's state carry over; their limits
    // are the reloaded config's.
    slot.breaker = kept->second->breaker;
    slot.breaker.SetPolicy(settings.breaker.value_or(options_.breaker));
    slot.state.breaker = kept->second->state.breaker;
    slot.state.delivered = kept->second->state.delivered;
    slot.state.failed = kept->second->state.failed;
    slot.rate = kept->second->rate;
    slot.rate.SetLimit(settings.timing.rate_count, settings.timing.rate_per);
    // Rows held for a group stay held (they are in flight in the store).
    slot.held = std::move(kept->second->held);
    slot.held_since = kept->second->held_since;
    slot.last_group = kept->second->last_group;
    slot.ready = std::move(kept->second->ready);
    kept->second->ready.clear();
    // Sends still running on the old slot count against the new one's
    // concurrency until they finish.
    slot.state.in_flight = kept->second->state.in_flight;
    kept->second->successor = slots_[id];
  }
  // Rows claimed ahead for a receiver the reload removed go back.
  for (auto& [id, slot] : old) Release(*slot);
  Wake();
}

void DeliveryLoop::Start() {
  started_ = true;
  stopped_ = false;
  Wake();
}

void DeliveryLoop::DeliverDue(std::function<void()> done) {
  once_done_ = std::move(done);
  Start();
}

void DeliveryLoop::Wake() {
  // New rows may be due for any receiver.
  for (auto& [id, slot] : slots_) slot->drained = false;
  PostPump();
}

void DeliveryLoop::PostPump() {
  if (pump_posted_ || stopped_) return;
  pump_posted_ = true;
  boost::asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    pump_posted_ = false;
    Pump(false);
  });
}

void DeliveryLoop::Stop(std::function<void()> drained, std::chrono::milliseconds bound) {
  stopped_ = true;
  timer_.cancel();
  timer_armed_ = false;
  // Rows claimed ahead go back to pending with the outcomes, in one
  // transaction (if that fails, they stay in flight until the next open).
  for (auto& [id, slot] : slots_) Release(*slot);
  Flush();
  drained_ = std::move(drained);
  if (in_flight_ == 0) {
    if (drained_) boost::asio::post(io_, std::exchange(drained_, nullptr));
    return;
  }
  if (bound == std::chrono::milliseconds::max()) return;
  drain_timer_.expires_after(bound);
  drain_timer_.async_wait(
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (ec || alive.expired() || in_flight_ == 0) return;
        abandoned_ = in_flight_;
        Flush();  // what did finish is recorded
        if (drained_) std::exchange(drained_, nullptr)();
      });
}

void DeliveryLoop::ArmTimer() {
  // Armed once per interval, not at every pump: re-arming cancels a wait
  // and resets the timerfd (a system call) for every batch under load.
  if (timer_armed_) return;
  timer_armed_ = true;
  timer_.expires_after(options_.poll_interval);
  timer_.async_wait(
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        // Cancelled (Stop): the flag was cleared there, and a new wait may
        // be pending already.
        if (ec || alive.expired()) return;
        timer_armed_ = false;
        if (stopped_) return;
        // Retries come due with time: look at every receiver again.
        for (auto& [id, slot] : slots_) slot->drained = false;
        Pump(true);
      });
}

void DeliveryLoop::Pump(bool tick) {
  if (stopped_ || !started_) {
    Flush();
    return;
  }
  UtcTime now = Now();
  // Which receivers claim now, and how many rows each: rows for its free
  // slots, plus, when it claims ahead, enough to refill its queue of ready
  // rows to twice its concurrency (kClaimAheadSlots).  Under load a receiver
  // that claims ahead claims once `concurrency` rows are missing (one that
  // does not, once half its slots are free) rather than one row at a time,
  // so one transaction stores that many outcomes and claims that many rows,
  // while the queue keeps its slots busy meanwhile.
  std::vector<std::shared_ptr<Slot>> claimers;
  std::vector<int> sendable;  // rows of each claim to send at once
  std::vector<storage::OutboxClaim> claims;
  for (auto& [id, slot] : slots_) {
    if (!slot->state.enabled || slot->Grouping()) {
      Release(*slot);
      continue;
    }
    int allowance = slot->breaker.Allowance(now, slot->state.in_flight, slot->settings.concurrency);
    slot->state.breaker = slot->breaker.state();
    allowance = std::min(allowance, slot->rate.Remaining(now));
    const bool ahead = slot->ClaimsAhead();
    if (!ahead) Release(*slot);
    while (allowance > 0 && !slot->ready.empty()) {
      StartSend(slot, TakeReady(*slot));
      --allowance;
    }
    const int concurrency = slot->settings.concurrency;
    const int room =
        ahead ? kClaimAheadSlots * concurrency - static_cast<int>(slot->ready.size()) : 0;
    const int want = std::max(allowance, 0) + room;
    if (want <= 0 || slot->drained) continue;
    const bool batch_missing = ahead ? want >= concurrency : want * 2 >= concurrency;
    if (!tick && slot->state.in_flight > 0 && !batch_missing) continue;
    // Quiet hours: the rows wait (the tick after the end finds them), but
    // critical alerts may go.
    bool quiet = QuietUntil(now, slot->settings.timing, slot->settings.zone).has_value();
    if (quiet && !slot->settings.timing.critical_ignores_quiet_hours) continue;
    // The probe after an outage: the receiver's oldest alert, with every
    // waiting row due, so that once it succeeds the backlog goes in the order
    // the alerts were raised, not in the order their backoffs ran out (which
    // could hold the oldest back for up to retry_cap).
    const bool probe = slot->state.breaker == CircuitBreaker::State::kHalfOpen;
    claimers.push_back(slot);
    sendable.push_back(std::max(allowance, 0));
    claims.push_back({id, want, quiet, probe});
  }
  std::optional<storage::OutboxTurn> turn;
  if (!claims.empty() || in_flight_ == 0 || tick) turn = Flush(claims, now);
  for (size_t i = 0; turn && i < turn->claimed.size(); ++i) {
    const std::shared_ptr<Slot>& slot = claimers[i];
    std::vector<storage::OutboxEntry>& claimed = turn->claimed[i];
    // Fewer than asked: nothing more is due for it until new rows come
    // (Wake) or time passes (the next tick).
    slot->drained = static_cast<int>(claimed.size()) < claims[i].limit;
    int send = sendable[i];
    for (storage::OutboxEntry& entry : claimed) {
      if (send-- > 0) {
        std::vector<storage::OutboxEntry> one;
        one.push_back(std::move(entry));
        StartSend(slot, std::move(one));
      } else {
        slot->ready.push_back(std::move(entry));
      }
    }
  }
  for (auto& [id, slot] : slots_) {
    if (slot->state.enabled && slot->Grouping()) PumpGroup(slot, now);
  }
  if (once_done_ && in_flight_ == 0) {
    // Nothing running and nothing more claimed: every due row went.
    Stop(std::exchange(once_done_, nullptr));
    return;
  }
  ArmTimer();
}

std::vector<storage::OutboxEntry> DeliveryLoop::TakeReady(Slot& slot) {
  std::vector<storage::OutboxEntry> one;
  one.push_back(std::move(slot.ready.front()));
  slot.ready.pop_front();
  return one;
}

void DeliveryLoop::Release(Slot& slot) {
  for (const storage::OutboxEntry& entry : slot.ready) released_.push_back(entry.id);
  slot.ready.clear();
}

void DeliveryLoop::PumpGroup(const std::shared_ptr<Slot>& slot, UtcTime now) {
  constexpr int kMaxGroup = 100;          // alerts in one message; more make another
  if (slot->state.in_flight > 0) return;  // one group at a time
  if (slot->breaker.Allowance(now, 0, 1) <= 0) return;
  slot->state.breaker = slot->breaker.state();
  const SendTiming& timing = slot->settings.timing;
  bool quiet = QuietUntil(now, timing, slot->settings.zone).has_value();
  if (quiet && !timing.critical_ignores_quiet_hours) return;
  int room = kMaxGroup - static_cast<int>(slot->held.size());
  if (!slot->drained && room > 0) {
    auto claimed = store_.ClaimDueOutboxFor(slot->state.id, now, room, quiet);
    if (!claimed.ok()) {
      if (on_store_error_) on_store_error_(claimed.status());
      return;
    }
    slot->drained = static_cast<int>(claimed->size()) < room;
    if (slot->held.empty() && !claimed->empty()) slot->held_since = now;
    for (storage::OutboxEntry& e : *claimed) slot->held.push_back(std::move(e));
  }
  if (slot->held.empty()) return;
  // Held rows are in flight in the store: a crash puts them back to pending.
  UtcTime due = timing.digest_at
                    ? NextLocalTime(*slot->held_since, *timing.digest_at, slot->settings.zone)
                    : GroupDue(*slot->held_since, slot->last_group, timing);
  bool flush_now = once_done_ != nullptr;  // DeliverDue sends what it holds
  if ((now < due && !flush_now) || slot->rate.Remaining(now) <= 0) return;
  slot->last_group = now;
  slot->held_since.reset();
  StartSend(slot, std::exchange(slot->held, {}));
}

void DeliveryLoop::StartSend(const std::shared_ptr<Slot>& slot,
                             std::vector<storage::OutboxEntry> entries) {
  slot->rate.Record(Now());
  ++slot->state.in_flight;
  ++in_flight_;
  std::vector<notify::Alert> alerts;
  alerts.reserve(entries.size());
  // The alerts' text moves to the message: OnResult needs only the rows'
  // ids, keys, attempts and creation times.
  for (storage::OutboxEntry& e : entries) alerts.push_back(TakeNotifyAlert(e));
  notify::Message message = notify::GroupMessage(slot->state.id, std::move(alerts));
  auto shared = std::make_shared<std::vector<storage::OutboxEntry>>(std::move(entries));
  // The callback holds the slot: a reload may drop it from slots_ while the
  // send runs on its receiver.
  slot->receiver->Send(message, [this, slot, shared, alive = std::weak_ptr<bool>(alive_)](
                                    notify::DeliveryResult result) {
    // Local receivers answer inside Send: handle every answer from the loop,
    // never re-entering Pump.
    boost::asio::post(io_, [this, slot, shared, alive, result = std::move(result)]() mutable {
      if (alive.expired()) return;
      std::shared_ptr<Slot> current = slot;
      while (auto next = current->successor.lock()) current = next;
      OnResult(current, *shared, std::move(result));
    });
  });
}

void DeliveryLoop::OnResult(const std::shared_ptr<Slot>& current,
                            const std::vector<storage::OutboxEntry>& entries,
                            notify::DeliveryResult result) {
  Slot& slot = *current;
  --slot.state.in_flight;
  --in_flight_;
  if (abandoned_ > 0) return;  // after Stop's bound: the row stays queued
  UtcTime now = Now();
  // One answer for every row of the message (one alert, or a group).
  for (const storage::OutboxEntry& entry : entries) {
    Completed c;
    DeliveryEvent& event = c.event;
    event.outbox_id = entry.id;
    event.alert_id = entry.alert.id;
    event.receiver = slot.state.id;
    event.idempotency_key = entry.idempotency_key;
    event.attempt = entry.attempts + 1;
    event.decision = Decide(result, entry.attempts, entry.alert.created_at, now, options_.random(),
                            slot.settings.limits, slot.settings.retry.value_or(options_.retry));
    storage::DeliveryAttempt& attempt = c.row.attempt;
    attempt.outbox_id = entry.id;
    attempt.at = now;
    attempt.status = VerdictName(event.decision.verdict);
    attempt.latency = result.latency;
    attempt.response_code = result.status;
    attempt.error = event.decision.error;
    c.row.next_attempt = event.decision.next_attempt;
    event.result = result;
    if (result.ok) {
      ++slot.state.delivered;
    } else {
      ++slot.state.failed;
    }
    if (event.decision.disable_receiver && slot.state.enabled) {
      slot.state.enabled = false;
      slot.state.disabled_reason = "HTTP 410 Gone: " + result.error;
      if (on_disabled_) on_disabled_(slot.state);
    }
    completed_.push_back(std::move(c));
  }
  if (result.ok) {
    slot.breaker.OnSuccess();
  } else if (!result.permanent) {
    slot.breaker.OnFailure(now);
  }
  slot.state.breaker = slot.breaker.state();
  if (!slot.ClaimsAhead()) {
    Release(slot);  // the circuit opened, or a 410: the rows wait pending
  } else if (!stopped_ && !slot.ready.empty() && slot.state.in_flight < slot.settings.concurrency) {
    // The freed slot's next send starts now; the pump below stores this
    // outcome and tops the queue up later, several at a time.
    StartSend(current, TakeReady(slot));
  }

  if (stopped_) {
    if (in_flight_ == 0) {
      drain_timer_.cancel();
      Flush();
      if (drained_) std::exchange(drained_, nullptr)();
    }
    return;
  }
  // The outcomes of every send that finished in this turn of the loop are
  // stored together, in one transaction, by the pump this posts; then it
  // claims the next rows for the freed slots.
  PostPump();
}

void DeliveryLoop::Flush() { Flush({}, UtcTime{}); }

std::optional<storage::OutboxTurn> DeliveryLoop::Flush(
    const std::vector<storage::OutboxClaim>& claims, UtcTime now) {
  if (claims.empty() && completed_.empty() && unstored_.empty() && released_.empty()) {
    return std::nullopt;
  }
  std::vector<Completed> batch = std::move(completed_);
  completed_.clear();
  std::vector<storage::Store::CompletedAttempt> rows = unstored_;
  rows.reserve(rows.size() + batch.size());
  for (const Completed& c : batch) rows.push_back(c.row);
  auto turn = store_.CompleteAndClaim(rows, released_, claims, now);
  if (turn.ok()) {
    unstored_.clear();
    released_.clear();
  } else {
    // The store failed (a full disk): the rows stay in flight there, and
    // their outcomes are kept and stored by a later turn (every tick tries),
    // so a delivered alert is not sent again and a failed one gets its
    // retry once the store writes again.  Only a stop before that leaves
    // them in flight, to be sent again after the next open (at least once).
    // Nothing was claimed: the next tick claims again.
    unstored_ = std::move(rows);
    if (on_store_error_) on_store_error_(turn.status());
  }
  for (Completed& c : batch) {
    c.event.store = turn.status();
    if (on_attempt_) on_attempt_(c.event);
  }
  if (!turn.ok()) return std::nullopt;
  return std::move(turn).value();
}

std::vector<ReceiverState> DeliveryLoop::Receivers() const {
  std::vector<ReceiverState> out;
  for (const auto& [id, slot] : slots_) out.push_back(slot->state);
  return out;
}

}  // namespace mineral::daemon
