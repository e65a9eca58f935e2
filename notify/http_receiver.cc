#include "notify/http_receiver.h"

#include "notify/webhook/signature.h"

namespace mineral::notify {

HttpReceiver::HttpReceiver(net::HttpClient& http, Renderer render, HttpReceiverOptions options)
    : http_(http), render_(std::move(render)), options_(std::move(options)) {
  if (!options_.now) {
    options_.now = [] {
      return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    };
  }
}

net::HttpRequest HttpReceiver::BuildRequest(const Message& message, UtcTime timestamp) const {
  net::HttpRequest request;
  request.url = options_.url;
  request.method = "POST";
  request.body = render_(message);
  request.headers.emplace_back("Content-Type", "application/json");
  int64_t ts = timestamp.time_since_epoch().count();
  for (auto& header :
       webhook::SignatureHeaders(options_.signing_keys, message.id, ts, request.body)) {
    if (header.first == "webhook-signature" && options_.signing_keys.empty()) continue;
    request.headers.push_back(std::move(header));
  }
  for (const auto& header : options_.headers) request.headers.push_back(header);
  request.total_timeout = options_.timeout;
  request.connect_timeout = std::min(options_.timeout, request.connect_timeout);
  request.max_body_bytes = options_.max_response_bytes;
  // A webhook endpoint that redirects is misconfigured; re-POSTing the alert
  // elsewhere is not ours to decide.
  request.max_redirects = 0;
  return request;
}

void HttpReceiver::Send(const Message& message, Callback done) {
  http_.Fetch(
      BuildRequest(message, options_.now()), [done = std::move(done)](net::HttpResponse response) {
        DeliveryResult result = response.ok() ? ClassifyHttpStatus(response.status, response.body)
                                              : ClassifyTransportError(response);
        if (response.ok()) result.retry_after = std::string(response.Header("retry-after"));
        result.latency = response.elapsed;
        done(std::move(result));
      });
}

DeliveryResult ClassifyTransportError(const net::HttpResponse& response) {
  DeliveryResult r;
  r.error = std::string(net::FetchErrorName(response.error)) + ": " + response.error_message;
  r.permanent = response.error == net::FetchError::kUnsupportedScheme ||
                response.error == net::FetchError::kTooManyRedirects ||
                response.error == net::FetchError::kRedirectLoop;
  return r;
}

}  // namespace mineral::notify
