// HttpReceiver: the web kinds (generic webhook, Slack, Discord, Teams) over
// net::HttpClient.  The kind is its renderer; everything else is shared:
// POST the rendered body as JSON with the receiver's headers, sign it per
// Standard Webhooks when keys are set, bound the attempt by the receiver's
// timeout, and classify the answer (ClassifyHttpStatus).
//
// Thread-safety: as the HttpClient (one io_context thread).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "model/time.h"
#include "net/http_client.h"
#include "notify/receiver.h"

namespace mineral::notify {

using Renderer = std::function<std::string(const Message&)>;

struct HttpReceiverOptions {
  std::string id;
  std::string url;       // http or https (the resolved url or url_ref)
  net::Headers headers;  // the receiver's own headers, sent after ours (they win)
  // HMAC keys (webhook::SigningKey of each configured secret); empty: the
  // body is not signed.  webhook-id and webhook-timestamp are always sent.
  std::vector<std::string> signing_keys;
  std::chrono::milliseconds timeout{30'000};  // whole attempt (default 30 s)
  // Largest response body read (default 64 KiB): only its start is logged.
  size_t max_response_bytes = 64 * 1024;
  // The wall clock, for webhook-timestamp (default system_clock).
  std::function<UtcTime()> now;
};

class HttpReceiver final : public Receiver {
 public:
  HttpReceiver(net::HttpClient& http, Renderer render, HttpReceiverOptions options);

  const std::string& id() const override { return options_.id; }
  void Send(const Message& message, Callback done) override;

  // The request Send would make for `message` at `timestamp` (for tests and
  // `test-receiver --dry-run`).
  net::HttpRequest BuildRequest(const Message& message, UtcTime timestamp) const;

 private:
  net::HttpClient& http_;
  Renderer render_;
  HttpReceiverOptions options_;
};

// A transport failure (no HTTP answer) as a DeliveryResult: retryable but for
// a refused scheme or a redirect (deliveries do not follow them).
DeliveryResult ClassifyTransportError(const net::HttpResponse& response);

}  // namespace mineral::notify
