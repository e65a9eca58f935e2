#include "daemon/delivery_policy.h"

#include <algorithm>
#include <cmath>

#include "feeds/poll_policy.h"

namespace mineral::daemon {

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kDelivered:
      return "delivered";
    case Verdict::kRetry:
      return "retry";
    case Verdict::kDead:
      return "dead";
  }
  return "retry";
}

Seconds RetryDelay(int attempt, const std::string& retry_after, UtcTime now, double unit,
                   const RetryPolicy& policy) {
  if (!retry_after.empty()) {
    if (auto asked = feeds::ParseRetryAfter(retry_after, now)) {
      return std::clamp(*asked, Seconds(1), policy.max_retry_after);
    }
  }
  double backoff = static_cast<double>(policy.base.count());
  for (int i = 1; i < attempt && backoff < static_cast<double>(policy.cap.count()); ++i) {
    backoff *= 2;
  }
  backoff = std::min(backoff, static_cast<double>(policy.cap.count()));
  // Jitter spreads the retries of many rows that failed together (a receiver
  // that was down) so they do not all come back in the same second.
  double factor = 1.0 + policy.jitter * (2.0 * unit - 1.0);
  return Seconds(std::max<int64_t>(1, std::llround(backoff * factor)));
}

Decision Decide(const notify::DeliveryResult& result, int attempts_before, UtcTime created_at,
                UtcTime now, double unit, const ReceiverLimits& limits, const RetryPolicy& policy) {
  Decision d;
  if (result.ok) {
    d.verdict = Verdict::kDelivered;
    return d;
  }
  d.error = result.error.empty() ? "failed" : result.error;
  int attempts = attempts_before + 1;
  UtcTime deadline = created_at + limits.max_age;
  if (result.permanent) {
    d.verdict = Verdict::kDead;
    d.disable_receiver = result.gone;
    return d;
  }
  if (attempts >= limits.max_attempts) {
    d.verdict = Verdict::kDead;
    d.error += " (after " + std::to_string(attempts) + " attempts)";
    return d;
  }
  if (now >= deadline) {
    d.verdict = Verdict::kDead;
    d.error += " (alert older than max_age)";
    return d;
  }
  d.verdict = Verdict::kRetry;
  d.next_attempt =
      std::min(now + RetryDelay(attempts, result.retry_after, now, unit, policy), deadline);
  return d;
}

int CircuitBreaker::Allowance(UtcTime now, int in_flight, int limit) {
  if (state_ == State::kOpen && now >= open_until_) state_ = State::kHalfOpen;
  switch (state_) {
    case State::kClosed:
      return std::max(0, limit - in_flight);
    case State::kOpen:
      return 0;
    case State::kHalfOpen:
      return in_flight == 0 ? 1 : 0;
  }
  return 0;
}

void CircuitBreaker::OnSuccess() {
  state_ = State::kClosed;
  failures_ = 0;
  pause_ = Seconds(0);
}

void CircuitBreaker::OnFailure(UtcTime now) {
  ++failures_;
  if (state_ == State::kHalfOpen) {
    pause_ = std::min(pause_ * 2, policy_.max_open_for);
  } else if (state_ == State::kClosed && failures_ >= policy_.failure_threshold) {
    pause_ = policy_.open_for;
  } else {
    return;  // still closed, or already open (a send started before it opened)
  }
  state_ = State::kOpen;
  open_until_ = now + pause_;
}

void CircuitBreaker::SetPolicy(BreakerPolicy policy) {
  policy_ = policy;
  if (pause_ > policy_.max_open_for) {
    open_until_ -= pause_ - policy_.max_open_for;
    pause_ = policy_.max_open_for;
  }
}

const char* BreakerStateName(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::kClosed:
      return "closed";
    case CircuitBreaker::State::kOpen:
      return "open";
    case CircuitBreaker::State::kHalfOpen:
      return "half-open";
  }
  return "closed";
}

}  // namespace mineral::daemon
