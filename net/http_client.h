// HttpClient: the one way the daemon talks HTTP (and reads file:// URLs).
//
// An interface so the scheduler and the delivery loop can be tested with a
// fake; CurlHttpClient (curl_http_client.h) is the one real implementation.
// Requests and responses are plain values.  Every request carries its own
// deadlines and size limit: nothing a server does can hold a fetch forever or
// make it buffer more than `max_body_bytes`.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mineral::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string url;  // http, https or file
  std::string method = "GET";
  std::string body;  // sent when non-empty (POST for webhooks)
  // Extra request headers, sent as given (conditional GET validators, a
  // feed's own headers, Content-Type of a POST).
  Headers headers;
  // Empty: the client's default (ClientOptions::user_agent).
  std::string user_agent;

  std::chrono::milliseconds connect_timeout{10'000};  // TCP + TLS handshake (default 10 s)
  std::chrono::milliseconds total_timeout{60'000};    // the whole exchange (default 60 s)
  // Abort when fewer than low_speed_bytes per second arrive for
  // low_speed_time (a server dripping one byte a second).  Default 64 B/s for 20 s.
  int64_t low_speed_bytes = 64;
  std::chrono::seconds low_speed_time{20};
  // Largest decoded body accepted (default 16 MiB).  Enforced while
  // streaming: a Content-Length above it aborts before the body, and a
  // compressed body stops as soon as its decoded size passes it, so a 10 GB
  // body or a gzip bomb costs at most this much memory.
  size_t max_body_bytes = 16 << 20;
  // Redirects followed (default 5); more is an error, and so is a loop.
  int max_redirects = 5;
  // TLS peer and host name verification (default on).  Turning it off is a
  // per-feed decision the caller must log.
  bool verify_tls = true;
  // "http://proxy:3128"; empty: libcurl's environment variables
  // (http_proxy, https_proxy, no_proxy).
  std::string proxy;
};

// Why a fetch produced no HTTP response.  Statuses (404, 503, ...) are not
// errors here: they come back with error == kNone and status set.
enum class FetchError {
  kNone,
  kResolve,            // host name not found
  kConnect,            // connection refused or unreachable
  kTimeout,            // connect, total or low-speed deadline passed
  kTls,                // handshake failed or the certificate did not verify
  kTooLarge,           // the body passed max_body_bytes
  kTooManyRedirects,   // more than max_redirects hops
  kRedirectLoop,       // a redirect led back to a URL already visited
  kTransfer,           // connection reset, truncated or undecodable body, bad framing
  kUnsupportedScheme,  // not http, https or file (also for redirect targets)
  kFile,               // file:// URL could not be read
  kCancelled,          // CancelAll() or the client was destroyed
};

// "resolve", "connect", "timeout", ...; "" for kNone.
const char* FetchErrorName(FetchError error);

// The authority of an absolute URL, lower case, without user info:
// "https://U@Example.org:8443/x" -> "example.org:8443"; "" when there is none.
std::string UrlAuthority(std::string_view url);

// The URL as logs and listings may show it: user info (a password, or a
// token given as the user name) replaced by "***":
// "https://u:pw@host/x" -> "https://***@host/x".  Unchanged without it.
std::string RedactUrl(std::string_view url);

struct Redirect {
  int status = 0;  // 301, 302, 303, 307, 308
  std::string from;
  std::string to;  // absolute
};

struct HttpResponse {
  FetchError error = FetchError::kNone;
  std::string error_message;  // human-readable, names the URL's host; empty when ok

  int status = 0;  // of the final response; 0 on a transport error
  // Headers of the final response, names lowercased, in order received.
  Headers headers;
  std::string body;  // decoded (gzip, deflate, br, zstd removed)
  // The URL the body came from, after redirects.
  std::string final_url;
  // Non-empty when the chain began with permanent redirects (301/308): the
  // URL the last of those leading permanent hops pointed to.  The caller
  // polls it from now on.  A 302/307 anywhere before it means "not moved".
  std::string permanent_url;
  std::vector<Redirect> redirects;
  std::chrono::milliseconds elapsed{0};  // request start to last byte
  std::string http_version;              // "1.1", "2"

  bool ok() const { return error == FetchError::kNone; }
  // The first header of that name (case-insensitive), or "".
  std::string_view Header(std::string_view name) const;
};

class HttpClient {
 public:
  using Callback = std::function<void(HttpResponse)>;

  virtual ~HttpClient() = default;

  // Starts a request and returns at once.  `done` runs exactly once, on the
  // client's executor, never from inside Fetch itself (so it may start new
  // fetches); with FetchError::kCancelled after CancelAll().
  virtual void Fetch(HttpRequest request, Callback done) = 0;

  // Ends every transfer in flight; their callbacks run with kCancelled.
  virtual void CancelAll() = 0;

  // Transfers started and not yet completed.
  virtual size_t InFlight() const = 0;
};

}  // namespace mineral::net
