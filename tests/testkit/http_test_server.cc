#include "tests/testkit/http_test_server.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <zlib.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "tests/testkit/tls.h"

namespace mineral::testkit {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 404:
      return "Not Found";
    case 410:
      return "Gone";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

bool HasHeader(const TestReply& reply, std::string_view name) {
  for (const auto& [key, value] : reply.headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      return true;
  }
  return false;
}

std::string HeadBlock(const TestReply& reply, uint64_t content_length) {
  std::string head =
      "HTTP/1.1 " + std::to_string(reply.status) + " " + ReasonPhrase(reply.status) + "\r\n";
  for (const auto& [name, value] : reply.headers) head += name + ": " + value + "\r\n";
  bool bodyless = reply.status == 204 || reply.status == 304;
  if (!bodyless && !HasHeader(reply, "content-length") && !HasHeader(reply, "transfer-encoding"))
    head += "Content-Length: " + std::to_string(content_length) + "\r\n";
  head += "\r\n";
  return head;
}

}  // namespace

void UseSelfSignedCertificate(asio::ssl::context& ctx) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("wrong.example.invalid"), -1,
                             -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  SSL_CTX_use_certificate(ctx.native_handle(), cert);
  SSL_CTX_use_PrivateKey(ctx.native_handle(), key);
  X509_free(cert);
  EVP_PKEY_free(key);
}

struct HttpTestServer::Impl {
  explicit Impl(TestServerOptions opts)
      : options(opts),
        ssl(asio::ssl::context::tls_server),
        acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), opts.port)) {
    if (options.tls) UseSelfSignedCertificate(ssl);
    port = acceptor.local_endpoint().port();
    asio::co_spawn(io, Accept(), asio::detached);
    thread = std::thread([this] { io.run(); });
  }

  ~Impl() {
    io.stop();
    thread.join();
  }

  awaitable<void> Accept() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
      ++connections;
      if (options.tls) {
        asio::co_spawn(io, ServeTls(std::move(socket)), asio::detached);
      } else {
        asio::co_spawn(io, ServePlain(std::move(socket)), asio::detached);
      }
    }
  }

  awaitable<void> ServeTls(tcp::socket socket) {
    asio::ssl::stream<tcp::socket> stream(std::move(socket), ssl);
    boost::system::error_code ec;
    co_await stream.async_handshake(asio::ssl::stream_base::server,
                                    asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;  // the client refused our certificate: the point of the test
    co_await Session(stream);
  }

  awaitable<void> ServePlain(tcp::socket socket) { co_await Session(socket); }

  template <typename Stream>
  awaitable<void> Session(Stream& stream) {
    boost::beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> raw;
      boost::system::error_code ec;
      co_await http::async_read(stream, buffer, raw, asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
      TestRequest request;
      request.method = std::string(raw.method_string());
      request.target = std::string(raw.target());
      for (const auto& field : raw) {
        std::string name(field.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        request.headers[name] = std::string(field.value());
      }
      request.body = raw.body();
      request.received_at = std::chrono::steady_clock::now();
      TestReply reply = Answer(request);
      bool keep_going = co_await Reply(stream, request, reply);
      if (!keep_going || !raw.keep_alive()) co_return;
    }
  }

  TestReply Answer(const TestRequest& request) {
    std::string path = request.target.substr(0, request.target.find('?'));
    Handler handler;
    {
      std::lock_guard lock(mutex);
      requests.push_back(request);
      auto it = routes.find(path);
      if (it != routes.end()) handler = it->second;
    }
    if (!handler) {
      TestReply reply;
      reply.status = 404;
      reply.body = "not found\n";
      return reply;
    }
    return handler(request);
  }

  // Writes `bytes`; false when the client has gone.  (Arguments by value:
  // g++ 12 mishandles temporaries bound to references across co_await.)
  template <typename Stream>
  awaitable<bool> Write(Stream& stream, std::string bytes) {
    boost::system::error_code ec;
    co_await asio::async_write(stream, asio::buffer(bytes),
                               asio::redirect_error(use_awaitable, ec));
    co_return !ec;
  }

  awaitable<void> Sleep(std::chrono::milliseconds duration) {
    asio::steady_timer timer(io, duration);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
  }

  // Writes one reply; false when the connection must end after it.
  template <typename Stream>
  awaitable<bool> Reply(Stream& stream, const TestRequest& request, const TestReply& reply) {
    std::string head;
    switch (reply.mode) {
      case TestReply::Mode::kNormal: {
        head = HeadBlock(reply, reply.body.size());
        if (request.method != "HEAD") head += reply.body;
        co_return co_await Write(stream, std::move(head));
      }
      case TestReply::Mode::kDrip: {
        head = HeadBlock(reply, reply.body.size());
        if (!co_await Write(stream, std::move(head))) co_return false;
        for (char c : reply.body) {
          co_await Sleep(reply.drip_interval);
          if (!co_await Write(stream, std::string(1, c))) co_return false;
        }
        co_return true;
      }
      case TestReply::Mode::kResetMidBody: {
        head = HeadBlock(reply, reply.body.size());
        head += reply.body.substr(0, reply.body.size() / 2);
        if (!co_await Write(stream, std::move(head))) co_return false;
        co_await Sleep(std::chrono::milliseconds(50));
        boost::system::error_code ec;
        auto& socket = stream.lowest_layer();
        socket.set_option(tcp::socket::linger(true, 0), ec);  // close sends RST
        socket.close(ec);
        co_return false;
      }
      case TestReply::Mode::kStallAfterHeaders: {
        head = HeadBlock(reply, reply.body.size() + 1);
        if (!co_await Write(stream, std::move(head))) co_return false;
        co_await Sleep(std::chrono::hours(1));
        co_return false;
      }
      case TestReply::Mode::kEndlessBody: {
        head = HeadBlock(reply, reply.declared_length);
        if (!co_await Write(stream, std::move(head))) co_return false;
        for (uint64_t sent = 0; sent < reply.declared_length; sent += 64 * 1024) {
          if (!co_await Write(stream, std::string(64 * 1024, '\0'))) co_return false;
        }
        co_return true;
      }
      case TestReply::Mode::kCloseWithoutResponse:
        co_return false;
      case TestReply::Mode::kEndlessChunked: {
        TestReply chunked = reply;
        chunked.headers.emplace_back("Transfer-Encoding", "chunked");
        head = HeadBlock(chunked, 0);
        if (!co_await Write(stream, std::move(head))) co_return false;
        std::string filler = reply.body.empty() ? std::string(1, ' ') : reply.body;
        std::string data;
        while (data.size() < 64 * 1024) data += filler;
        char size_line[32];
        std::snprintf(size_line, sizeof size_line, "%zx\r\n", data.size());
        const std::string chunk = size_line + data + "\r\n";
        for (;;) {
          if (!co_await Write(stream, chunk)) co_return false;
        }
      }
    }
    co_return false;
  }

  TestServerOptions options;
  asio::io_context io;
  asio::ssl::context ssl;
  tcp::acceptor acceptor;
  uint16_t port = 0;
  std::thread thread;
  std::atomic<int> connections{0};
  mutable std::mutex mutex;
  std::map<std::string, Handler> routes;
  std::vector<TestRequest> requests;
};

HttpTestServer::HttpTestServer(TestServerOptions options)
    : impl_(std::make_unique<Impl>(options)) {}

HttpTestServer::~HttpTestServer() = default;

void HttpTestServer::Route(const std::string& path, Handler handler) {
  std::lock_guard lock(impl_->mutex);
  impl_->routes[path] = std::move(handler);
}

void HttpTestServer::Route(const std::string& path, TestReply reply) {
  Route(path, [reply](const TestRequest&) { return reply; });
}

uint16_t HttpTestServer::port() const { return impl_->port; }

std::string HttpTestServer::Url(std::string_view path) const {
  return std::string(impl_->options.tls ? "https" : "http") +
         "://127.0.0.1:" + std::to_string(impl_->port) + std::string(path);
}

std::vector<TestRequest> HttpTestServer::Requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

std::vector<TestRequest> HttpTestServer::Requests(std::string_view path) const {
  std::vector<TestRequest> out;
  for (TestRequest& r : Requests()) {
    if (std::string_view(r.target).substr(0, r.target.find('?')) == path)
      out.push_back(std::move(r));
  }
  return out;
}

int HttpTestServer::Connections() const { return impl_->connections.load(); }

namespace {

std::string Deflate(const std::function<bool(z_stream&, std::string&)>& feed) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  std::string out;
  std::string input;
  bool more = true;
  while (more) {
    input.clear();
    more = feed(z, input);
    z.next_in = reinterpret_cast<Bytef*>(input.data());
    z.avail_in = static_cast<uInt>(input.size());
    int flush = more ? Z_NO_FLUSH : Z_FINISH;
    int rc;
    do {
      char chunk[16384];
      z.next_out = reinterpret_cast<Bytef*>(chunk);
      z.avail_out = sizeof chunk;
      rc = deflate(&z, flush);
      out.append(chunk, sizeof chunk - z.avail_out);
    } while (z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
  }
  deflateEnd(&z);
  return out;
}

}  // namespace

std::string Gzip(std::string_view data) {
  return Deflate([&](z_stream&, std::string& input) {
    input.assign(data);
    return false;
  });
}

std::string GzipBomb(size_t n) {
  size_t left = n;
  return Deflate([&](z_stream&, std::string& input) {
    size_t take = std::min<size_t>(left, 1 << 20);
    input.assign(take, '\0');
    left -= take;
    return left > 0;
  });
}

}  // namespace mineral::testkit
