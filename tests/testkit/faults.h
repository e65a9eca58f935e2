// Fault routes: a declarative way to make a path of an HttpTestServer serve a
// feed badly, in each of the ways real feed servers misbehave (issue 8):
//
//   testkit::HttpTestServer server;
//   RouteFault(server, "/f1", Fault::kGzipBomb, [] { return entries; });
//
// The feed's entries come from a callback, so a test can add items while a
// daemon polls; each fault decides how they reach the client (or do not).
// tests/testkit/faults_test.cc shows what net::CurlHttpClient sees for each.
//
// Thread-safety: the callback runs on the server's thread.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "tests/testkit/http_test_server.h"

namespace mineral::testkit {

// One item of a test feed.
struct TestEntry {
  std::string id;  // guid / Atom id / JSON Feed id, the same in every format
  std::string title;
  std::string link;
  std::string summary;
};

using FeedSource = std::function<std::vector<TestEntry>()>;

// The entries as an RSS 2.0, Atom 1.0 or JSON Feed 1.1 document (text is
// escaped; the bytes of titles are passed through as given).
std::string RssDocument(const std::vector<TestEntry>& entries);
std::string AtomDocument(const std::vector<TestEntry>& entries);
std::string JsonFeedDocument(const std::vector<TestEntry>& entries);

enum class Fault {
  kNone,               // the feed as RSS, served well
  kSlowDrip,           // the feed one byte per drip_interval
  kStallAfterHeaders,  // 200 and headers, then nothing
  kResetMidBody,       // half the feed, then a TCP reset
  kTruncatedGzip,      // Content-Encoding: gzip, the stream cut at half (Content-Length agrees)
  kGzipBomb,           // Content-Encoding: gzip of gzip_bomb_bytes zeros
  kHugeContentLength,  // Content-Length: 10 GB, zeros until the client stops
  kEndlessChunked,     // chunked, never ends
  kRedirectLoop,       // 302 to path?loop, which 302s back to path
  kRedirectChain,      // 3 temporary redirects (path?hop=1..3), then the feed
  kLongRedirectChain,  // 10 redirects, more than a client follows by default (5)
  kWrongContentType,   // the feed as "text/html; charset=utf-8"
  kHtmlErrorPage,      // 200 with an HTML "Service unavailable" page
  kInvalidUtf8,        // declared UTF-8, with invalid bytes in titles and summaries
  kFormatSwitch,       // RSS, then Atom, then JSON Feed, in turn on each request
  k429WithRetryAfter,  // 429, Retry-After: retry_after seconds, every time
  k429NoRetryAfter,    // 429 without Retry-After
  k503WithRetryAfter,  // 503, Retry-After: retry_after seconds
  k503NoRetryAfter,    // 503 without Retry-After
  kIntermittent500,    // every other request 500, the others the feed
  kTlsWrongHost,       // the feed over TLS with a certificate for another host
};

// Every fault but kNone, in declaration order.
const std::vector<Fault>& AllFaults();

// "slow-drip", "stall-after-headers", ..., "none".
const char* FaultName(Fault fault);

struct FaultOptions {
  std::chrono::milliseconds drip_interval{100};  // kSlowDrip: 10 bytes a second
  int retry_after_seconds = 3;                   // k429/k503WithRetryAfter
  size_t gzip_bomb_bytes = size_t{64} << 20;     // kGzipBomb: decoded size (64 MiB)
};

// Serves the feed from `feed` at `path` of `server`, with `fault`.
// kTlsWrongHost needs a server started with TestServerOptions::tls (it
// throws std::invalid_argument otherwise); every other fault works on either.
void RouteFault(HttpTestServer& server, const std::string& path, Fault fault, FeedSource feed,
                FaultOptions options = {});

}  // namespace mineral::testkit
