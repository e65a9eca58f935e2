// Receiver: where a message goes.  One interface for every kind (webhook,
// Slack, Discord, Teams, email, file, console); the delivery loop only sees
// this.  Rendering is pure (the kind's payload functions); a Receiver adds
// the I/O and turns the far end's answer into a DeliveryResult.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "notify/alert.h"

namespace mineral::notify {

// The far end's answer to one attempt, as the retry policy needs it.
struct DeliveryResult {
  bool ok = false;
  // The message can never be delivered as it is (4xx other than 408/429, a
  // rejected recipient, a template error): retrying is pointless.
  bool permanent = false;
  // The endpoint is gone for good (HTTP 410): the receiver should be disabled.
  bool gone = false;
  // The far end's Retry-After header as received (seconds or an HTTP date),
  // "" when none; the retry policy reads it (daemon/delivery_policy.h).
  std::string retry_after;
  int status = 0;     // HTTP status or SMTP reply code; 0 when none came
  std::string error;  // "" when ok; never holds a secret
  std::chrono::milliseconds latency{0};
};

class Receiver {
 public:
  using Callback = std::function<void(DeliveryResult)>;

  virtual ~Receiver() = default;

  virtual const std::string& id() const = 0;

  // Sends `message` and calls `done` exactly once with the outcome, on the
  // receiver's executor.  `done` may run before Send returns (local kinds).
  // Every attempt has a deadline (the receiver's timeout): a hung endpoint
  // ends as a timeout, never as a callback that does not come.
  virtual void Send(const Message& message, Callback done) = 0;
};

// An HTTP answer as a DeliveryResult: 2xx ok; 408, 429 and 5xx retryable;
// 410 permanent and gone; every other status permanent (a 404 is a failure,
// not a success; redirects are not followed for deliveries).  The error
// names the status and the start of the body (at most 200 bytes).  Pure.
DeliveryResult ClassifyHttpStatus(int status, std::string_view body);

}  // namespace mineral::notify
