#include "tests/testkit/faults.h"

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "model/json_out.h"
#include "text/text.h"

namespace mineral::testkit {
namespace {

std::string XmlEscape(const std::string& text) { return text::EscapeHtml(text); }

TestReply Feed(std::string body, std::string content_type) {
  TestReply reply;
  reply.body = std::move(body);
  reply.headers = {{"Content-Type", std::move(content_type)}};
  return reply;
}

TestReply Rss(const FeedSource& feed) {
  return Feed(RssDocument(feed()), "application/rss+xml; charset=utf-8");
}

TestReply Status(int status, int retry_after_seconds) {
  TestReply reply;
  reply.status = status;
  reply.headers = {{"Content-Type", "text/plain"}};
  if (retry_after_seconds > 0)
    reply.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  reply.body = "slow down\n";
  return reply;
}

TestReply Redirect(const std::string& location) {
  TestReply reply;
  reply.status = 302;
  reply.headers = {{"Location", location}};
  return reply;
}

// "?hop=N" of a target, 0 when absent.
int Hop(const std::string& target) {
  const size_t at = target.find("?hop=");
  return at == std::string::npos ? 0 : std::stoi(target.substr(at + 5));
}

// The same zero-filled bomb for every route and server: built once.
const std::string& Bomb(size_t bytes) {
  static std::mutex mutex;
  static std::map<size_t, std::string> built;
  std::lock_guard lock(mutex);
  auto it = built.find(bytes);
  if (it == built.end()) it = built.emplace(bytes, GzipBomb(bytes)).first;
  return it->second;
}

// Titles and summaries with bytes that are not UTF-8: a lone continuation
// byte, a truncated sequence, 0xFF.
std::vector<TestEntry> Corrupt(std::vector<TestEntry> entries) {
  for (TestEntry& e : entries) {
    e.title += " \x80 caf\xC3 \xFF";
    e.summary += " \xE2\x82 end";
  }
  return entries;
}

}  // namespace

std::string RssDocument(const std::vector<TestEntry>& entries) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<rss version=\"2.0\"><channel><title>Test wire</title><link>http://example.org/</link>\n";
  for (const TestEntry& e : entries) {
    xml += "<item><title>" + XmlEscape(e.title) + "</title><link>" + XmlEscape(e.link) +
           "</link><guid isPermaLink=\"false\">" + XmlEscape(e.id) + "</guid><description>" +
           XmlEscape(e.summary) + "</description></item>\n";
  }
  return xml + "</channel></rss>\n";
}

std::string AtomDocument(const std::vector<TestEntry>& entries) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Test wire</title>"
      "<id>urn:test:wire</id><updated>2026-01-01T00:00:00Z</updated>\n";
  for (const TestEntry& e : entries) {
    xml += "<entry><title>" + XmlEscape(e.title) + "</title><link href=\"" + XmlEscape(e.link) +
           "\"/><id>" + XmlEscape(e.id) + "</id><updated>2026-01-01T00:00:00Z</updated><summary>" +
           XmlEscape(e.summary) + "</summary></entry>\n";
  }
  return xml + "</feed>\n";
}

std::string JsonFeedDocument(const std::vector<TestEntry>& entries) {
  std::string json =
      "{\"version\": \"https://jsonfeed.org/version/1.1\", \"title\": \"Test wire\", "
      "\"items\": [";
  for (size_t i = 0; i < entries.size(); ++i) {
    const TestEntry& e = entries[i];
    if (i > 0) json += ",";
    json += "\n{\"id\": " + JsonQuote(e.id) + ", \"title\": " + JsonQuote(e.title) +
            ", \"url\": " + JsonQuote(e.link) + ", \"content_text\": " + JsonQuote(e.summary) + "}";
  }
  return json + "]}\n";
}

const std::vector<Fault>& AllFaults() {
  static const std::vector<Fault> all = {
      Fault::kSlowDrip,          Fault::kStallAfterHeaders, Fault::kResetMidBody,
      Fault::kTruncatedGzip,     Fault::kGzipBomb,          Fault::kHugeContentLength,
      Fault::kEndlessChunked,    Fault::kRedirectLoop,      Fault::kRedirectChain,
      Fault::kLongRedirectChain, Fault::kWrongContentType,  Fault::kHtmlErrorPage,
      Fault::kInvalidUtf8,       Fault::kFormatSwitch,      Fault::k429WithRetryAfter,
      Fault::k429NoRetryAfter,   Fault::k503WithRetryAfter, Fault::k503NoRetryAfter,
      Fault::kIntermittent500,   Fault::kTlsWrongHost,
  };
  return all;
}

const char* FaultName(Fault fault) {
  switch (fault) {
    case Fault::kNone:
      return "none";
    case Fault::kSlowDrip:
      return "slow-drip";
    case Fault::kStallAfterHeaders:
      return "stall-after-headers";
    case Fault::kResetMidBody:
      return "reset-mid-body";
    case Fault::kTruncatedGzip:
      return "truncated-gzip";
    case Fault::kGzipBomb:
      return "gzip-bomb";
    case Fault::kHugeContentLength:
      return "10gb-content-length";
    case Fault::kEndlessChunked:
      return "endless-chunked";
    case Fault::kRedirectLoop:
      return "redirect-loop";
    case Fault::kRedirectChain:
      return "redirect-chain";
    case Fault::kLongRedirectChain:
      return "long-redirect-chain";
    case Fault::kWrongContentType:
      return "wrong-content-type";
    case Fault::kHtmlErrorPage:
      return "html-error-page-200";
    case Fault::kInvalidUtf8:
      return "invalid-utf8";
    case Fault::kFormatSwitch:
      return "format-switch";
    case Fault::k429WithRetryAfter:
      return "429-retry-after";
    case Fault::k429NoRetryAfter:
      return "429-no-retry-after";
    case Fault::k503WithRetryAfter:
      return "503-retry-after";
    case Fault::k503NoRetryAfter:
      return "503-no-retry-after";
    case Fault::kIntermittent500:
      return "intermittent-500";
    case Fault::kTlsWrongHost:
      return "tls-wrong-host";
  }
  return "unknown";
}

void RouteFault(HttpTestServer& server, const std::string& path, Fault fault, FeedSource feed,
                FaultOptions options) {
  const bool tls = server.Url("").starts_with("https:");
  if (fault == Fault::kTlsWrongHost && !tls)
    throw std::invalid_argument("Fault::kTlsWrongHost needs a TLS HttpTestServer");
  // Per-route request count, for the faults that change between requests.
  auto count = std::make_shared<std::atomic<long>>(0);
  Handler handler;
  switch (fault) {
    case Fault::kNone:
    case Fault::kTlsWrongHost:  // the server's certificate is the fault
      handler = [feed](const TestRequest&) { return Rss(feed); };
      break;
    case Fault::kSlowDrip:
      handler = [feed, options](const TestRequest&) {
        TestReply reply = Rss(feed);
        reply.mode = TestReply::Mode::kDrip;
        reply.drip_interval = options.drip_interval;
        return reply;
      };
      break;
    case Fault::kStallAfterHeaders:
      handler = [feed](const TestRequest&) {
        TestReply reply = Rss(feed);
        reply.mode = TestReply::Mode::kStallAfterHeaders;
        return reply;
      };
      break;
    case Fault::kResetMidBody:
      handler = [feed](const TestRequest&) {
        TestReply reply = Rss(feed);
        reply.mode = TestReply::Mode::kResetMidBody;
        return reply;
      };
      break;
    case Fault::kTruncatedGzip:
      handler = [feed](const TestRequest&) {
        TestReply reply = Rss(feed);
        std::string gz = Gzip(reply.body);
        reply.body = gz.substr(0, gz.size() / 2);
        reply.headers.emplace_back("Content-Encoding", "gzip");
        return reply;
      };
      break;
    case Fault::kGzipBomb:
      // Compressed now, not at the first request: deflating 64 MiB took
      // longer than a test client's 3 s deadline on a loaded machine, so
      // the client saw a timeout instead of the bomb (flaky in CI).
      handler = [&bomb = Bomb(options.gzip_bomb_bytes)](const TestRequest&) {
        TestReply reply = Feed(bomb, "application/rss+xml");
        reply.headers.emplace_back("Content-Encoding", "gzip");
        return reply;
      };
      break;
    case Fault::kHugeContentLength:
      handler = [](const TestRequest&) {
        TestReply reply = Feed("", "application/rss+xml");
        reply.mode = TestReply::Mode::kEndlessBody;
        reply.declared_length = 10'000'000'000ull;
        return reply;
      };
      break;
    case Fault::kEndlessChunked:
      handler = [feed](const TestRequest&) {
        TestReply reply = Rss(feed);
        reply.mode = TestReply::Mode::kEndlessChunked;
        return reply;
      };
      break;
    case Fault::kRedirectLoop:
      handler = [path](const TestRequest& request) {
        return Redirect(request.target.find("?loop") == std::string::npos ? path + "?loop" : path);
      };
      break;
    case Fault::kRedirectChain:
    case Fault::kLongRedirectChain: {
      const int hops = fault == Fault::kRedirectChain ? 3 : 10;
      handler = [feed, path, hops](const TestRequest& request) {
        const int hop = Hop(request.target);
        if (hop >= hops) return Rss(feed);
        return Redirect(path + "?hop=" + std::to_string(hop + 1));
      };
      break;
    }
    case Fault::kWrongContentType:
      handler = [feed](const TestRequest&) {
        return Feed(RssDocument(feed()), "text/html; charset=utf-8");
      };
      break;
    case Fault::kHtmlErrorPage:
      handler = [](const TestRequest&) {
        return Feed(
            "<!DOCTYPE html>\n<html><head><title>Service unavailable</title></head>"
            "<body><h1>Service unavailable</h1><p>We are down for maintenance. Please try "
            "again later.</p></body></html>\n",
            "text/html; charset=utf-8");
      };
      break;
    case Fault::kInvalidUtf8:
      handler = [feed](const TestRequest&) {
        return Feed(RssDocument(Corrupt(feed())), "application/rss+xml; charset=utf-8");
      };
      break;
    case Fault::kFormatSwitch:
      handler = [feed, count](const TestRequest&) {
        switch ((*count)++ % 3) {
          case 0:
            return Rss(feed);
          case 1:
            return Feed(AtomDocument(feed()), "application/atom+xml");
          default:
            return Feed(JsonFeedDocument(feed()), "application/feed+json");
        }
      };
      break;
    case Fault::k429WithRetryAfter:
    case Fault::k429NoRetryAfter:
    case Fault::k503WithRetryAfter:
    case Fault::k503NoRetryAfter: {
      const bool is429 = fault == Fault::k429WithRetryAfter || fault == Fault::k429NoRetryAfter;
      const bool with = fault == Fault::k429WithRetryAfter || fault == Fault::k503WithRetryAfter;
      TestReply reply = Status(is429 ? 429 : 503, with ? options.retry_after_seconds : 0);
      handler = [reply](const TestRequest&) { return reply; };
      break;
    }
    case Fault::kIntermittent500:
      handler = [feed, count](const TestRequest&) {
        if ((*count)++ % 2 == 0) return Status(500, 0);
        return Rss(feed);
      };
      break;
  }
  server.Route(path, std::move(handler));
}

}  // namespace mineral::testkit
