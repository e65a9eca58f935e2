#include "notify/receiver.h"

namespace mineral::notify {

DeliveryResult ClassifyHttpStatus(int status, std::string_view body) {
  DeliveryResult r;
  r.status = status;
  if (status >= 200 && status < 300) {
    r.ok = true;
    return r;
  }
  r.error = "HTTP " + std::to_string(status);
  std::string_view excerpt = body.substr(0, 200);
  while (!excerpt.empty() && (excerpt.back() == '\n' || excerpt.back() == '\r')) {
    excerpt.remove_suffix(1);
  }
  if (!excerpt.empty()) {
    r.error += ": ";
    for (char c : excerpt) r.error += (c == '\n' || c == '\r') ? ' ' : c;
  }
  // 408 Request Timeout and 429 Too Many Requests are the 4xx a client may
  // repeat (RFC 9110 15.5.9, RFC 6585 4); 5xx are the server's trouble.
  bool retryable = status == 408 || status == 429 || status >= 500 || status < 200;
  r.permanent = !retryable;
  r.gone = status == 410;
  return r;
}

}  // namespace mineral::notify
