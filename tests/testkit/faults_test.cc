// Each fault of RouteFault as a real client sees it: net::CurlHttpClient
// against the testkit server on 127.0.0.1, with tight deadlines and a 1 MiB
// body limit.
#include "tests/testkit/faults.h"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <set>
#include <stdexcept>

#include "net/curl_http_client.h"

namespace mineral::testkit {
namespace {

using namespace std::chrono_literals;
using net::FetchError;
using net::HttpResponse;

std::vector<TestEntry> Entries() {
  return {{"id-1", "China bans gallium exports", "http://example.org/1", "Gallium and germanium."},
          {"id-2", "Copper market quiet", "http://example.org/2", "Nothing <new>."}};
}

struct Client {
  boost::asio::io_context io;
  net::CurlHttpClient http{io};

  HttpResponse Get(const std::string& url, bool verify_tls = true) {
    net::HttpRequest request;
    request.url = url;
    request.verify_tls = verify_tls;
    request.total_timeout = 3s;
    request.low_speed_bytes = 100;
    request.low_speed_time = 1s;
    request.max_body_bytes = 1 << 20;
    std::optional<HttpResponse> out;
    http.Fetch(std::move(request), [&](HttpResponse r) { out = std::move(r); });
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!out && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
    REQUIRE(out.has_value());
    return std::move(*out);
  }
};

// One fault on a fresh server, fetched once.
HttpResponse FetchOnce(Fault fault) {
  HttpTestServer server;
  RouteFault(server, "/feed", fault, Entries);
  Client client;
  return client.Get(server.Url("/feed"));
}

TEST_CASE("faults: the ones a client must refuse, and the error it gives", "[faults]") {
  struct Case {
    Fault fault;
    FetchError error;
  };
  const Case c = GENERATE(Case{Fault::kSlowDrip, FetchError::kTimeout},
                          Case{Fault::kStallAfterHeaders, FetchError::kTimeout},
                          Case{Fault::kResetMidBody, FetchError::kTransfer},
                          Case{Fault::kTruncatedGzip, FetchError::kTransfer},
                          Case{Fault::kGzipBomb, FetchError::kTooLarge},
                          Case{Fault::kHugeContentLength, FetchError::kTooLarge},
                          Case{Fault::kEndlessChunked, FetchError::kTooLarge},
                          Case{Fault::kRedirectLoop, FetchError::kRedirectLoop},
                          Case{Fault::kLongRedirectChain, FetchError::kTooManyRedirects});
  INFO(FaultName(c.fault));
  HttpResponse r = FetchOnce(c.fault);
  CHECK(r.error == c.error);
  CHECK(r.body.empty());
}

TEST_CASE("faults: none serves the entries as RSS", "[faults]") {
  HttpResponse r = FetchOnce(Fault::kNone);
  REQUIRE(r.ok());
  CHECK(r.status == 200);
  CHECK(r.Header("content-type") == "application/rss+xml; charset=utf-8");
  CHECK(r.body == RssDocument(Entries()));
  CHECK_THAT(r.body, Catch::Contains("<guid isPermaLink=\"false\">id-1</guid>"));
  CHECK_THAT(r.body, Catch::Contains("Nothing &lt;new&gt;."));
}

TEST_CASE("faults: a short redirect chain ends at the feed", "[faults]") {
  HttpResponse r = FetchOnce(Fault::kRedirectChain);
  REQUIRE(r.ok());
  CHECK(r.redirects.size() == 3);
  CHECK(r.final_url.ends_with("/feed?hop=3"));
  CHECK(r.body == RssDocument(Entries()));
}

TEST_CASE("faults: a feed with the wrong content type, and an HTML page with 200", "[faults]") {
  HttpResponse wrong = FetchOnce(Fault::kWrongContentType);
  REQUIRE(wrong.ok());
  CHECK(wrong.Header("content-type") == "text/html; charset=utf-8");
  CHECK(wrong.body == RssDocument(Entries()));

  HttpResponse page = FetchOnce(Fault::kHtmlErrorPage);
  REQUIRE(page.ok());
  CHECK(page.status == 200);
  CHECK(page.Header("content-type") == "text/html; charset=utf-8");
  CHECK(page.body.starts_with("<!DOCTYPE html>"));
}

TEST_CASE("faults: invalid UTF-8 arrives as sent", "[faults]") {
  HttpResponse r = FetchOnce(Fault::kInvalidUtf8);
  REQUIRE(r.ok());
  CHECK(r.Header("content-type") == "application/rss+xml; charset=utf-8");
  CHECK_THAT(r.body, Catch::Contains("China bans gallium exports \x80 caf\xC3 \xFF</title>"));
  CHECK_THAT(r.body, Catch::Contains("\xE2\x82 end"));
}

TEST_CASE("faults: the format switches on every request: RSS, Atom, JSON Feed", "[faults]") {
  HttpTestServer server;
  RouteFault(server, "/feed", Fault::kFormatSwitch, Entries);
  Client client;
  CHECK(client.Get(server.Url("/feed")).body == RssDocument(Entries()));
  HttpResponse atom = client.Get(server.Url("/feed"));
  CHECK(atom.Header("content-type") == "application/atom+xml");
  CHECK(atom.body == AtomDocument(Entries()));
  HttpResponse json = client.Get(server.Url("/feed"));
  CHECK(json.Header("content-type") == "application/feed+json");
  CHECK(json.body == JsonFeedDocument(Entries()));
  CHECK_THAT(json.body, Catch::Contains("\"id\": \"id-2\""));
  CHECK(client.Get(server.Url("/feed")).body == RssDocument(Entries()));
}

TEST_CASE("faults: 429 and 503 storms, with and without Retry-After", "[faults]") {
  struct Case {
    Fault fault;
    int status;
    std::string retry_after;
  };
  const Case c =
      GENERATE(Case{Fault::k429WithRetryAfter, 429, "3"}, Case{Fault::k429NoRetryAfter, 429, ""},
               Case{Fault::k503WithRetryAfter, 503, "3"}, Case{Fault::k503NoRetryAfter, 503, ""});
  INFO(FaultName(c.fault));
  HttpTestServer server;
  RouteFault(server, "/feed", c.fault, Entries);
  Client client;
  for (int i = 0; i < 3; ++i) {  // a storm: every request
    HttpResponse r = client.Get(server.Url("/feed"));
    REQUIRE(r.ok());
    CHECK(r.status == c.status);
    CHECK(r.Header("retry-after") == c.retry_after);
  }
}

TEST_CASE("faults: intermittent 500s, every other request", "[faults]") {
  HttpTestServer server;
  RouteFault(server, "/feed", Fault::kIntermittent500, Entries);
  Client client;
  std::vector<int> statuses;
  for (int i = 0; i < 4; ++i) statuses.push_back(client.Get(server.Url("/feed")).status);
  CHECK(statuses == std::vector<int>{500, 200, 500, 200});
}

TEST_CASE("faults: TLS with a certificate for the wrong host", "[faults]") {
  HttpTestServer plain;
  CHECK_THROWS_AS(RouteFault(plain, "/feed", Fault::kTlsWrongHost, Entries), std::invalid_argument);

  HttpTestServer server(TestServerOptions{.tls = true});
  RouteFault(server, "/feed", Fault::kTlsWrongHost, Entries);
  Client client;
  HttpResponse refused = client.Get(server.Url("/feed"));
  CHECK(refused.error == FetchError::kTls);
  // The fault is the certificate alone: without verification the feed is there.
  HttpResponse insecure = client.Get(server.Url("/feed"), /*verify_tls=*/false);
  REQUIRE(insecure.ok());
  CHECK(insecure.body == RssDocument(Entries()));
}

TEST_CASE("faults: every fault has a name, and AllFaults lists each once", "[faults]") {
  std::set<std::string> names;
  for (Fault f : AllFaults()) names.insert(FaultName(f));
  CHECK(names.size() == AllFaults().size());
  CHECK(names.size() == 20);
  CHECK_FALSE(names.contains("none"));
  CHECK_FALSE(names.contains("unknown"));
}

}  // namespace
}  // namespace mineral::testkit
