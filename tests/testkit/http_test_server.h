// HttpTestServer: a real HTTP/1.1 server on 127.0.0.1 for integration tests,
// running on its own thread, that answers each path the way a test tells it
// to, including the ways real servers misbehave: dripping one byte a second,
// resetting the connection mid-body, stalling after the headers, declaring
// a 10 GB body, or speaking TLS with a certificate nobody trusts.
//
// Thread-safety: Route/Requests/Connections may be called from the test
// thread while the server runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mineral::testkit {

struct TestRequest {
  std::string method;
  std::string target;                          // path and query, as sent
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  // When the request was read (for tests of pacing: Retry-After, backoff).
  std::chrono::steady_clock::time_point received_at;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

struct TestReply {
  enum class Mode {
    kNormal,
    kDrip,                  // body one byte per drip_interval
    kResetMidBody,          // half the body, then a TCP reset
    kStallAfterHeaders,     // headers, then nothing until the client gives up
    kEndlessBody,           // Content-Length: declared_length, zeros until the client stops
    kCloseWithoutResponse,  // read the request, close the connection
    kEndlessChunked,        // Transfer-Encoding: chunked, 64 KiB chunks of `body` for ever
  };

  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent as is (pre-compressed when a test sets Content-Encoding)
  Mode mode = Mode::kNormal;
  std::chrono::milliseconds drip_interval{1000};
  uint64_t declared_length = 0;  // kEndlessBody
};

using Handler = std::function<TestReply(const TestRequest&)>;

struct TestServerOptions {
  // Serve HTTPS with a freshly generated self-signed certificate for
  // "wrong.example.invalid": a verifying client must refuse it.
  bool tls = false;
  // Listen on this port of 127.0.0.1 (0: any free port).  A test that needs
  // "connection refused" first points a client at testkit::FreePort() and
  // starts the server there later.
  uint16_t port = 0;
};

class HttpTestServer {
 public:
  explicit HttpTestServer(TestServerOptions options = {});
  ~HttpTestServer();  // stops the server and joins its thread

  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  // Answers requests whose path (target without query) equals `path`.
  // Unrouted paths get 404.
  void Route(const std::string& path, Handler handler);
  // Shorthand: always the same reply.
  void Route(const std::string& path, TestReply reply);

  uint16_t port() const;
  // "http://127.0.0.1:PORT" + path ("https://..." for a TLS server).
  std::string Url(std::string_view path) const;

  std::vector<TestRequest> Requests() const;  // every request so far, in order
  std::vector<TestRequest> Requests(std::string_view path) const;
  int Connections() const;  // TCP connections accepted

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// gzip (RFC 1952) of `data`, for Content-Encoding tests.
std::string Gzip(std::string_view data);
// gzip of `n` zero bytes, built in chunks: a small body that decodes huge.
std::string GzipBomb(size_t n);

}  // namespace mineral::testkit
