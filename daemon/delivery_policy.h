// What the delivery loop does after an attempt, and whether a receiver may
// be tried at all: pure functions and value types, `now` and the random draw
// passed in, so every rule is tested with a manual clock.
//
//   Decide          delivered | retry at T | dead letter (and disable on 410)
//   RetryDelay      exponential backoff with jitter, or the server's Retry-After
//   CircuitBreaker  closed -> open after N failures in a row -> half-open
//                   (one probe) -> closed on success, open again (longer) on failure
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "model/time.h"
#include "notify/receiver.h"

namespace mineral::daemon {

using Seconds = std::chrono::seconds;

struct RetryPolicy {
  Seconds base{30};                   // first retry (default 30 s)
  Seconds cap{60 * 60};               // longest backoff (default 1 h)
  double jitter = 0.2;                // +-20 % of each backoff
  Seconds max_retry_after{6 * 3600};  // cap on a server's Retry-After (default 6 h)
};

// Per receiver, from its config.
struct ReceiverLimits {
  int max_attempts = 12;       // then a dead letter
  Seconds max_age{48 * 3600};  // or once the alert is this old
};

enum class Verdict { kDelivered, kRetry, kDead };

// "delivered", "retry", "dead".
const char* VerdictName(Verdict verdict);

struct Decision {
  Verdict verdict = Verdict::kRetry;
  UtcTime next_attempt{};         // kRetry
  std::string error;              // kRetry, kDead: what the store keeps as last_error
  bool disable_receiver = false;  // HTTP 410: the endpoint is gone
};

// The delay before retry number `attempt` (1 = the first retry): the
// server's Retry-After when it sent one (capped, no jitter: it named a time),
// else base * 2^(attempt-1) capped, moved by up to +-jitter.  `unit` in
// [0, 1) is the jitter draw.
Seconds RetryDelay(int attempt, const std::string& retry_after, UtcTime now, double unit,
                   const RetryPolicy& policy);

// The fate of a row after attempt number `attempts_before + 1` answered
// `result`.  `created_at` is when the alert was raised (max_age counts from
// it).  A retry that would come after the alert's max_age is moved to that
// moment: the last attempt is made then, and a failure there is final.
Decision Decide(const notify::DeliveryResult& result, int attempts_before, UtcTime created_at,
                UtcTime now, double unit, const ReceiverLimits& limits, const RetryPolicy& policy);

struct BreakerPolicy {
  int failure_threshold = 5;      // retryable failures in a row that open the circuit
  Seconds open_for{60};           // first pause (default 1 min)
  Seconds max_open_for{30 * 60};  // pauses double up to this (default 30 min)
};

// A receiver that keeps failing is probed, not hammered: after
// `failure_threshold` failures in a row the circuit opens and nothing is
// sent until `open_for` has passed; then one probe goes (half-open).  Its
// success closes the circuit; its failure opens it again for twice as long.
// Permanent failures (a 404 for one payload) say nothing of the endpoint's
// health and are not counted.  Value type; not thread-safe.
class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };

  explicit CircuitBreaker(BreakerPolicy policy = {}) : policy_(policy) {}

  // How many sends may start now, given `in_flight` sends running and the
  // receiver's own limit: 0 while open; 1 probe (when none runs) half-open.
  int Allowance(UtcTime now, int in_flight, int limit);
  void OnSuccess();
  void OnFailure(UtcTime now);
  // The wall clock jumped by `by`: an open circuit keeps the pause it had
  // left (a jump back would otherwise add itself to the pause).
  void Shift(Seconds by) { open_until_ += by; }
  // A reload's policy: the state and the failures so far are kept and
  // judged by the new thresholds from the next failure on; a pause longer
  // than the new max_open_for is cut to it.
  void SetPolicy(BreakerPolicy policy);

  State state() const { return state_; }
  // When an open circuit lets a probe through.
  UtcTime reopens_at() const { return open_until_; }
  int consecutive_failures() const { return failures_; }

 private:
  BreakerPolicy policy_;
  State state_ = State::kClosed;
  int failures_ = 0;
  Seconds pause_{0};
  UtcTime open_until_{};
};

const char* BreakerStateName(CircuitBreaker::State state);

}  // namespace mineral::daemon
