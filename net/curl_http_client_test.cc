// CurlHttpClient against a real server on 127.0.0.1 (tests/testkit), one
// misbehaviour per case.
#include "net/curl_http_client.h"

#include <sys/inotify.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "tests/testkit/http_test_server.h"

namespace mineral::net {
namespace {

using testkit::HttpTestServer;
using testkit::TestReply;
using testkit::TestRequest;
using namespace std::chrono_literals;

TestReply Ok(std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  TestReply reply;
  reply.body = std::move(body);
  reply.headers = std::move(headers);
  return reply;
}

TestReply RedirectTo(int status, std::string location) {
  TestReply reply;
  reply.status = status;
  reply.headers = {{"Location", std::move(location)}};
  return reply;
}

struct Fixture {
  boost::asio::io_context io;
  CurlHttpClient client{io};

  // Runs the loop until the fetch completes (or 30 s pass: a hang fails).
  HttpResponse Get(HttpRequest request) {
    std::optional<HttpResponse> out;
    client.Fetch(std::move(request), [&](HttpResponse r) { out = std::move(r); });
    auto deadline = std::chrono::steady_clock::now() + 30s;
    io.restart();  // a loop that ran out of work stays stopped until restarted
    while (!out && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
    REQUIRE(out.has_value());
    return std::move(*out);
  }
  HttpResponse Get(const std::string& url) {
    HttpRequest request;
    request.url = url;
    return Get(std::move(request));
  }
};

TEST_CASE("UrlAuthority: host and port, lower case, no user info", "[net]") {
  CHECK(UrlAuthority("https://User:pw@Example.ORG:8443/x?y#z") == "example.org:8443");
  CHECK(UrlAuthority("http://127.0.0.1:9/") == "127.0.0.1:9");
  CHECK(UrlAuthority("https://www.sec.gov?x") == "www.sec.gov");
  CHECK(UrlAuthority("not a url").empty());
}

TEST_CASE("RedactUrl: user info hidden, the rest kept", "[net]") {
  CHECK(RedactUrl("https://user:pa55@example.org/feed?x=1") == "https://***@example.org/feed?x=1");
  CHECK(RedactUrl("https://t0ken@example.org:8443/a") == "https://***@example.org:8443/a");
  CHECK(RedactUrl("http://u:p@h") == "http://***@h");
  // An '@' after the authority is not user info.
  CHECK(RedactUrl("https://example.org/a@b?mail=x@y") == "https://example.org/a@b?mail=x@y");
  CHECK(RedactUrl("https://example.org") == "https://example.org");
  CHECK(RedactUrl("file:feeds/x.rss") == "file:feeds/x.rss");
  CHECK(RedactUrl("") == "");
}

TEST_CASE("200: status, headers, body and the request we sent", "[net]") {
  HttpTestServer server;
  server.Route("/feed",
               Ok("<rss/>", {{"ETag", "\"v1\""}, {"Content-Type", "application/rss+xml"}}));
  Fixture f;
  HttpRequest request;
  request.url = server.Url("/feed?x=1");
  request.headers = {{"X-Api-Key", "k1"}};
  request.user_agent = "Acme Research admin@example.com";
  HttpResponse r = f.Get(request);
  CHECK(r.ok());
  CHECK(r.status == 200);
  CHECK(r.body == "<rss/>");
  CHECK(r.Header("etag") == "\"v1\"");
  CHECK(r.Header("Content-Type") == "application/rss+xml");
  CHECK(r.final_url == server.Url("/feed?x=1"));
  CHECK(r.permanent_url.empty());
  CHECK(r.http_version == "1.1");
  auto requests = server.Requests("/feed");
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].Header("x-api-key") == "k1");
  CHECK(requests[0].Header("user-agent") == "Acme Research admin@example.com");
  CHECK(requests[0].Header("accept-encoding").find("gzip") != std::string::npos);
}

TEST_CASE("the default User-Agent names the daemon", "[net]") {
  HttpTestServer server;
  server.Route("/", Ok("x"));
  Fixture f;
  f.Get(server.Url("/"));
  CHECK(server.Requests()[0].Header("user-agent").starts_with("mineral-alertd/"));
}

TEST_CASE("304 comes back as a status with an empty body", "[net]") {
  HttpTestServer server;
  server.Route("/feed", [](const TestRequest& req) {
    TestReply reply;
    if (req.Header("if-none-match") == "\"v1\"" ||
        req.Header("if-modified-since") == "Tue, 01 Oct 2024 10:00:00 GMT") {
      reply.status = 304;
      reply.headers = {{"ETag", "\"v1\""}};
    } else {
      reply.body = "<rss/>";
    }
    return reply;
  });
  Fixture f;
  SECTION("If-None-Match") {
    HttpRequest request;
    request.url = server.Url("/feed");
    request.headers = {{"If-None-Match", "\"v1\""}};
    HttpResponse r = f.Get(request);
    CHECK(r.status == 304);
    CHECK(r.body.empty());
    CHECK(r.Header("etag") == "\"v1\"");
  }
  SECTION("If-Modified-Since") {
    HttpRequest request;
    request.url = server.Url("/feed");
    request.headers = {{"If-Modified-Since", "Tue, 01 Oct 2024 10:00:00 GMT"}};
    CHECK(f.Get(request).status == 304);
  }
}

TEST_CASE("gzip bodies are decoded", "[net]") {
  HttpTestServer server;
  server.Route("/gz", Ok(testkit::Gzip("<rss>decoded</rss>"), {{"Content-Encoding", "gzip"}}));
  Fixture f;
  HttpResponse r = f.Get(server.Url("/gz"));
  CHECK(r.ok());
  CHECK(r.body == "<rss>decoded</rss>");
}

TEST_CASE("redirects: permanent ones move the feed, temporary ones do not", "[net]") {
  HttpTestServer server;
  server.Route("/final", Ok("body"));
  server.Route("/p301", RedirectTo(301, "/final"));
  server.Route("/p308", RedirectTo(308, server.Url("/final")));
  server.Route("/t302", RedirectTo(302, "/final"));
  server.Route("/t307", RedirectTo(307, "/final"));
  server.Route("/chain-301-302", RedirectTo(301, "/t302"));
  server.Route("/chain-302-301", RedirectTo(302, "/p301"));
  server.Route("/chain-301-301", RedirectTo(301, "/p301"));
  Fixture f;

  struct Case {
    const char* path;
    const char* permanent;  // "" when the feed did not move
    size_t hops;
  };
  auto c = GENERATE(Case{"/p301", "/final", 1}, Case{"/p308", "/final", 1}, Case{"/t302", "", 1},
                    Case{"/t307", "", 1}, Case{"/chain-301-302", "/t302", 2},
                    Case{"/chain-302-301", "", 2}, Case{"/chain-301-301", "/final", 2});
  CAPTURE(c.path);
  HttpResponse r = f.Get(server.Url(c.path));
  CHECK(r.ok());
  CHECK(r.status == 200);
  CHECK(r.body == "body");
  CHECK(r.final_url == server.Url("/final"));
  CHECK(r.permanent_url == (*c.permanent ? server.Url(c.permanent) : ""));
  CHECK(r.redirects.size() == c.hops);
}

TEST_CASE("redirect loops, long chains and redirects off the web are errors", "[net]") {
  HttpTestServer server;
  server.Route("/a", RedirectTo(302, "/b"));
  server.Route("/b", RedirectTo(302, "/a"));
  for (int i = 0; i < 10; ++i)
    server.Route("/hop" + std::to_string(i), RedirectTo(302, "/hop" + std::to_string(i + 1)));
  server.Route("/to-file", RedirectTo(302, "file:///etc/passwd"));
  server.Route("/self", RedirectTo(302, "/self"));
  Fixture f;
  HttpResponse loop = f.Get(server.Url("/a"));
  CHECK(loop.error == FetchError::kRedirectLoop);
  CHECK(loop.status == 0);
  // The first URL counts as visited from the first redirect on.
  HttpResponse self = f.Get(server.Url("/self"));
  CHECK(self.error == FetchError::kRedirectLoop);
  CHECK(self.redirects.empty());
  HttpResponse chain = f.Get(server.Url("/hop0"));
  CHECK(chain.error == FetchError::kTooManyRedirects);
  CHECK(chain.error_message ==
        "more than 5 redirects from 127.0.0.1:" + std::to_string(server.port()));
  HttpResponse file = f.Get(server.Url("/to-file"));
  CHECK(file.error == FetchError::kUnsupportedScheme);
  CHECK(f.client.InFlight() == 0);
}

TEST_CASE("error statuses are answers, with their headers", "[net]") {
  HttpTestServer server;
  TestReply gone;
  gone.status = 410;
  server.Route("/gone", gone);
  TestReply busy;
  busy.status = 503;
  busy.headers = {{"Retry-After", "120"}};
  server.Route("/busy", busy);
  TestReply limited;
  limited.status = 429;
  limited.headers = {{"Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT"}};
  server.Route("/limited", limited);
  Fixture f;
  CHECK(f.Get(server.Url("/missing")).status == 404);
  CHECK(f.Get(server.Url("/gone")).status == 410);
  HttpResponse b = f.Get(server.Url("/busy"));
  CHECK(b.ok());
  CHECK(b.status == 503);
  CHECK(b.Header("retry-after") == "120");
  CHECK(f.Get(server.Url("/limited")).Header("Retry-After") == "Wed, 21 Oct 2026 07:28:00 GMT");
}

TEST_CASE("connection refused", "[net]") {
  uint16_t port;
  {
    // A port that was just free: bind, note, close.
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  Fixture f;
  HttpResponse r = f.Get("http://127.0.0.1:" + std::to_string(port) + "/feed");
  CHECK(r.error == FetchError::kConnect);
  CHECK(r.status == 0);
  CHECK_THAT(r.error_message, Catch::Contains("127.0.0.1:" + std::to_string(port)));
}

TEST_CASE("a reset mid-body is a transfer error, not a short feed", "[net]") {
  HttpTestServer server;
  TestReply reply = Ok(std::string(100000, 'x'));
  reply.mode = TestReply::Mode::kResetMidBody;
  server.Route("/reset", reply);
  Fixture f;
  HttpResponse r = f.Get(server.Url("/reset"));
  CHECK(r.error == FetchError::kTransfer);
  CHECK(r.body.empty());
}

TEST_CASE("deadlines: one byte a second trips low-speed, a stall trips the total", "[net]") {
  HttpTestServer server;
  TestReply drip = Ok("0123456789");
  drip.mode = TestReply::Mode::kDrip;
  drip.drip_interval = 500ms;
  server.Route("/drip", drip);
  TestReply stall = Ok("x");
  stall.mode = TestReply::Mode::kStallAfterHeaders;
  server.Route("/stall", stall);
  Fixture f;

  HttpRequest slow;
  slow.url = server.Url("/drip");
  slow.low_speed_bytes = 100;
  slow.low_speed_time = 1s;
  auto start = std::chrono::steady_clock::now();
  HttpResponse r = f.Get(slow);
  CHECK(r.error == FetchError::kTimeout);
  CHECK(std::chrono::steady_clock::now() - start < 4s);

  HttpRequest stalled;
  stalled.url = server.Url("/stall");
  stalled.total_timeout = 700ms;
  start = std::chrono::steady_clock::now();
  r = f.Get(stalled);
  CHECK(r.error == FetchError::kTimeout);
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(took >= 600ms);
  CHECK(took < 3s);
}

TEST_CASE("size limit: a huge Content-Length and a gzip bomb cost nothing", "[net]") {
  HttpTestServer server;
  TestReply huge;
  huge.mode = TestReply::Mode::kEndlessBody;
  huge.declared_length = 10ull << 30;  // 10 GiB
  server.Route("/huge", huge);
  TestReply chunked = huge;
  chunked.headers = {{"Transfer-Encoding", "chunked"}};
  chunked.mode = TestReply::Mode::kNormal;
  // A chunked body of 2 MiB with no length up front: caught while streaming.
  std::string chunk(1 << 20, 'y');
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
  chunked.body = std::string(size_line) + chunk + "\r\n" + size_line + chunk + "\r\n0\r\n\r\n";
  server.Route("/chunked", chunked);
  server.Route("/bomb", Ok(testkit::GzipBomb(size_t{128} << 20), {{"Content-Encoding", "gzip"}}));
  Fixture f;

  auto request = [&](const char* path) {
    HttpRequest r;
    r.url = server.Url(path);
    r.max_body_bytes = 1 << 20;
    return r;
  };
  HttpResponse r = f.Get(request("/huge"));
  CHECK(r.error == FetchError::kTooLarge);
  CHECK(r.error_message ==
        "body larger than 1048576 bytes from 127.0.0.1:" + std::to_string(server.port()));
  CHECK(f.Get(request("/chunked")).error == FetchError::kTooLarge);
  HttpResponse bomb = f.Get(request("/bomb"));
  CHECK(bomb.error == FetchError::kTooLarge);
  CHECK(bomb.body.empty());
}

TEST_CASE("a gzip body cut short is a transfer error, not a short feed", "[net]") {
  HttpTestServer server;
  const std::string gz = testkit::Gzip("<rss><channel><title>Wire</title></channel></rss>");
  server.Route("/cut", Ok(gz.substr(0, gz.size() / 2), {{"Content-Encoding", "gzip"}}));
  server.Route("/junk", Ok("<rss>not gzip at all</rss>", {{"Content-Encoding", "gzip"}}));
  server.Route("/br", Ok("brotli bytes", {{"Content-Encoding", "br"}}));
  Fixture f;
  HttpResponse cut = f.Get(server.Url("/cut"));
  CHECK(cut.error == FetchError::kTransfer);
  CHECK(cut.error_message == "truncated body: the gzip stream ends early (127.0.0.1:" +
                                 std::to_string(server.port()) + ")");
  CHECK(cut.body.empty());
  HttpResponse junk = f.Get(server.Url("/junk"));
  CHECK(junk.error == FetchError::kTransfer);
  CHECK(junk.error_message ==
        "body is not valid gzip (127.0.0.1:" + std::to_string(server.port()) + ")");
  HttpResponse br = f.Get(server.Url("/br"));  // not asked for: not guessed at
  CHECK(br.error == FetchError::kTransfer);
  CHECK_THAT(br.error_message, Catch::StartsWith("unsupported Content-Encoding 'br'"));
  auto requests = server.Requests("/cut");
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].Header("accept-encoding") == "gzip, deflate");
}

TEST_CASE("TLS: a certificate nobody trusts is refused unless verification is off", "[net]") {
  HttpTestServer server({.tls = true});
  server.Route("/feed", Ok("secret"));
  Fixture f;
  HttpResponse r = f.Get(server.Url("/feed"));
  CHECK(r.error == FetchError::kTls);
  CHECK(r.body.empty());
  HttpRequest insecure;
  insecure.url = server.Url("/feed");
  insecure.verify_tls = false;
  HttpResponse ok = f.Get(insecure);
  CHECK(ok.ok());
  CHECK(ok.status == 200);
  CHECK(ok.body == "secret");
}

TEST_CASE("the CA bundle is read once, not at every TLS handshake", "[net][tls]") {
  // A copy of the system bundle, watched for opens.  Each fetch below is a
  // new connection (the certificate is refused, so nothing is kept): before
  // the fix, each one opened and parsed the whole bundle again.
  const std::filesystem::path system_bundle = "/etc/ssl/certs/ca-certificates.crt";
  REQUIRE(std::filesystem::exists(system_bundle));  // ca-certificates
  char dir_template[] = "/tmp/mineral-ca-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  const std::filesystem::path dir = dir_template;
  const std::filesystem::path bundle = dir / "ca.crt";
  std::filesystem::copy_file(system_bundle, bundle);

  HttpTestServer server({.tls = true});
  server.Route("/feed", Ok("secret"));
  boost::asio::io_context io;
  ClientOptions options;
  options.ca_file = bundle.string();
  CurlHttpClient client(io, options);

  // Closes are watched too: inotify folds identical events in a row into
  // one, and open, close, open, close are never identical in a row.
  const int watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  REQUIRE(watch_fd >= 0);
  REQUIRE(inotify_add_watch(watch_fd, bundle.c_str(), IN_OPEN | IN_CLOSE_NOWRITE) >= 0);
  constexpr int kFetches = 4;
  for (int i = 0; i < kFetches; ++i) {
    std::optional<HttpResponse> out;
    HttpRequest request;
    request.url = server.Url("/feed");
    client.Fetch(std::move(request), [&](HttpResponse r) { out = std::move(r); });
    io.restart();
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!out && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
    REQUIRE(out.has_value());
    CHECK(out->error == FetchError::kTls);  // the bundle was used to verify
  }
  int opens = 0;
  alignas(inotify_event) char events[4096];
  for (ssize_t n; (n = read(watch_fd, events, sizeof events)) > 0;) {
    for (char* at = events; at < events + n;) {
      auto* event = reinterpret_cast<inotify_event*>(at);
      if (event->mask & IN_OPEN) ++opens;
      at += sizeof(inotify_event) + event->len;
    }
  }
  close(watch_fd);
  std::filesystem::remove_all(dir);
  CHECK(server.Requests().empty());  // no handshake got through
  CHECK(opens == 1);
}

TEST_CASE("file:// URLs read local files, for offline use", "[net]") {
  std::string path = "/tmp/mineral-net-test-" + std::to_string(::getpid()) + ".xml";
  {
    std::ofstream out(path);
    out << "<rss version=\"2.0\"/>";
  }
  Fixture f;
  HttpResponse r = f.Get("file://" + path);
  CHECK(r.ok());
  CHECK(r.status == 200);
  CHECK(r.body == "<rss version=\"2.0\"/>");
  std::remove(path.c_str());
  HttpResponse missing = f.Get("file://" + path);
  CHECK(missing.error == FetchError::kFile);
  CHECK(f.Get("ftp://example.org/x").error == FetchError::kUnsupportedScheme);
}

TEST_CASE("connections are reused and limited per host", "[net]") {
  HttpTestServer server;
  TestReply slow = Ok("x");
  slow.mode = TestReply::Mode::kDrip;
  slow.drip_interval = 20ms;
  server.Route("/feed", slow);
  boost::asio::io_context io;
  ClientOptions options;
  options.max_host_connections = 3;
  CurlHttpClient client(io, options);
  int done = 0;
  for (int i = 0; i < 30; ++i) {
    HttpRequest request;
    request.url = server.Url("/feed");
    client.Fetch(request, [&](HttpResponse r) {
      CHECK(r.status == 200);
      ++done;
    });
  }
  CHECK(client.InFlight() == 30);
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (done < 30 && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
  CHECK(done == 30);
  CHECK(server.Connections() <= 3);
  CHECK(server.Requests().size() == 30);
}

TEST_CASE("POST sends the body", "[net]") {
  HttpTestServer server;
  server.Route("/hook", [](const TestRequest& req) {
    TestReply reply;
    reply.status = req.method == "POST" && req.body == "{\"a\":1}" ? 204 : 400;
    return reply;
  });
  Fixture f;
  HttpRequest request;
  request.url = server.Url("/hook");
  request.method = "POST";
  request.body = "{\"a\":1}";
  request.headers = {{"Content-Type", "application/json"}};
  CHECK(f.Get(request).status == 204);
}

TEST_CASE("a reused handle carries nothing of its last request", "[net]") {
  // Finished handles are reset and reused: the next request must not
  // inherit the last one's method, body, headers, deadline or redirect rule.
  HttpTestServer server;
  server.Route("/a", Ok("a"));
  server.Route("/moved", RedirectTo(302, "/a"));
  TestReply stall = Ok("x");
  stall.mode = TestReply::Mode::kStallAfterHeaders;
  server.Route("/stall", stall);
  Fixture f;
  HttpRequest post;
  post.url = server.Url("/a");
  post.method = "POST";
  post.body = "{\"a\":1}";
  post.headers = {{"X-Once", "1"}};
  post.max_redirects = 0;
  post.total_timeout = 300ms;
  CHECK(f.Get(post).status == 200);
  HttpRequest stalled;
  stalled.url = server.Url("/stall");
  stalled.total_timeout = 300ms;
  CHECK(f.Get(stalled).error == FetchError::kTimeout);
  for (int i = 0; i < 3; ++i) {
    HttpResponse r = f.Get(server.Url("/moved"));  // default deadline, redirects followed
    CHECK(r.status == 200);
    CHECK(r.body == "a");
  }
  std::vector<TestRequest> requests = server.Requests("/a");
  REQUIRE(requests.size() == 4);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].Header("x-once") == "1");
  for (size_t i = 1; i < requests.size(); ++i) {
    CHECK(requests[i].method == "GET");
    CHECK(requests[i].body.empty());
    CHECK(requests[i].Header("x-once").empty());
  }
}

TEST_CASE("CancelAll ends every transfer with kCancelled, callbacks still run once", "[net]") {
  HttpTestServer server;
  TestReply stall = Ok("x");
  stall.mode = TestReply::Mode::kStallAfterHeaders;
  server.Route("/stall", stall);
  boost::asio::io_context io;
  CurlHttpClient client(io);
  std::vector<FetchError> results;
  for (int i = 0; i < 3; ++i) {
    HttpRequest request;
    request.url = server.Url("/stall");
    client.Fetch(request, [&](HttpResponse r) { results.push_back(r.error); });
  }
  io.run_for(200ms);
  CHECK(results.empty());
  client.CancelAll();
  CHECK(client.InFlight() == 0);
  io.restart();
  io.run_for(100ms);
  CHECK(results == std::vector<FetchError>(3, FetchError::kCancelled));
}

TEST_CASE("a feed that changes between polls", "[net]") {
  HttpTestServer server;
  std::atomic<int> version = 1;  // read on the server's thread
  server.Route("/feed", [&version](const TestRequest&) {
    return Ok("<rss>v" + std::to_string(version.load()) + "</rss>");
  });
  Fixture f;
  CHECK(f.Get(server.Url("/feed")).body == "<rss>v1</rss>");
  version = 2;
  CHECK(f.Get(server.Url("/feed")).body == "<rss>v2</rss>");
}

}  // namespace
}  // namespace mineral::net

namespace mineral::net {
namespace {

// A server of idle connections: answers each connection's one request with
// a kept-alive 200, then closes the connection when told to (as servers do
// with idle keep-alive connections), on its own thread.
class ClosingServer {
 public:
  ClosingServer() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~ClosingServer() {
    CloseIdle();
    // Wakes the blocked accept (closing the acceptor would not).
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    thread_.join();
  }
  std::string Url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/x";
  }
  // Closes every connection that has been answered.
  void CloseIdle() {
    std::lock_guard lock(mutex_);
    for (auto& socket : answered_) {
      boost::system::error_code ignored;
      socket.close(ignored);
    }
    answered_.clear();
  }
  int connections() const { return connections_; }

 private:
  void Serve() {
    while (true) {
      boost::asio::ip::tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec) return;
      ++connections_;
      std::string request;
      char buffer[1024];
      while (request.find("\r\n\r\n") == std::string::npos) {
        size_t n = socket.read_some(boost::asio::buffer(buffer), ec);
        if (ec) break;
        request.append(buffer, n);
      }
      const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      boost::asio::write(socket, boost::asio::buffer(reply), ec);
      std::lock_guard lock(mutex_);
      answered_.push_back(std::move(socket));
    }
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<boost::asio::ip::tcp::socket> answered_;
  std::atomic<int> connections_{0};
};

TEST_CASE(
    "an idle connection the server closes is dropped quietly, and the next request reconnects",
    "[net]") {
  // Idle connections stay in the client's level-triggered socket set; one
  // that the server closes turns readable for good.  It must leave the set
  // at once, not wake the loop again and again while other transfers run.
  ClosingServer closing;
  HttpTestServer server;
  TestReply stall = Ok("x");
  stall.mode = TestReply::Mode::kStallAfterHeaders;
  server.Route("/stall", stall);
  Fixture f;
  CHECK(f.Get(closing.Url()).status == 200);

  // A transfer in flight keeps the client waiting on its sockets.
  std::optional<HttpResponse> stalled;
  HttpRequest request;
  request.url = server.Url("/stall");
  request.total_timeout = 5s;
  f.client.Fetch(request, [&](HttpResponse r) { stalled = std::move(r); });
  f.io.restart();
  f.io.run_for(200ms);
  closing.CloseIdle();
  // The close wakes the loop once or twice; a socket left in the set would
  // wake it without end (tens of thousands of handlers in this time).
  const size_t handlers = f.io.run_for(300ms);
  CHECK(handlers < 50);
  CHECK_FALSE(stalled.has_value());

  HttpResponse again = f.Get(closing.Url());
  CHECK(again.status == 200);
  CHECK(again.body == "ok");
  CHECK(closing.connections() == 2);
  f.client.CancelAll();
  f.io.restart();
  f.io.run_for(100ms);
  REQUIRE(stalled.has_value());
  CHECK(stalled->error == FetchError::kCancelled);
}

TEST_CASE("connections closed after every answer: each socket is let go, numbers reused", "[net]") {
  // "Connection: close": curl closes the socket after each answer, and the
  // next connection often gets the same descriptor number.
  HttpTestServer server;
  server.Route("/close", Ok("bye", {{"Connection", "close"}}));
  Fixture f;
  for (int i = 0; i < 20; ++i) {
    HttpResponse r = f.Get(server.Url("/close"));
    CHECK(r.status == 200);
    CHECK(r.body == "bye");
  }
  CHECK(server.Connections() == 20);
  // Nothing in flight and no socket watched: the loop runs out of work.
  f.io.restart();
  f.io.run_for(1s);
  CHECK(f.io.stopped());
}

}  // namespace
}  // namespace mineral::net
