#include "daemon/status_server.h"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <optional>

#include "net/curl_http_client.h"

namespace mineral::daemon {
namespace {

using namespace std::chrono_literals;

TEST_CASE("serves the handler's replies on loopback; GET and HEAD only", "[status]") {
  boost::asio::io_context io;
  auto server = StatusServer::Start(io, "127.0.0.1:0", [](std::string_view target) {
    if (target == "/healthz") return StatusReply{200, "text/plain; charset=utf-8", "ok\n"};
    return StatusReply{404, "text/plain; charset=utf-8", "no such page\n"};
  });
  REQUIRE(server.ok());
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());
  net::CurlHttpClient http(io);
  auto get = [&](const std::string& path, const std::string& method = "GET") {
    std::optional<net::HttpResponse> out;
    net::HttpRequest r;
    r.url = base + path;
    r.method = method;
    if (method == "POST") r.body = "x";
    http.Fetch(r, [&](net::HttpResponse resp) { out = std::move(resp); });
    io.restart();
    while (!out) io.run_one_for(100ms);
    return *out;
  };
  net::HttpResponse ok = get("/healthz");
  CHECK(ok.status == 200);
  CHECK(ok.body == "ok\n");
  CHECK(ok.Header("cache-control") == "no-store");
  CHECK(get("/nope").status == 404);
  CHECK(get("/healthz", "POST").status == 405);
}

TEST_CASE("bad addresses are refused with a clear message", "[status]") {
  boost::asio::io_context io;
  auto handler = [](std::string_view) { return StatusReply{}; };
  auto no_port = StatusServer::Start(io, "localhost", handler);
  REQUIRE_FALSE(no_port.ok());
  CHECK(no_port.status().message() == "status address 'localhost': expected HOST:PORT");
  auto name = StatusServer::Start(io, "localhost:9187", handler);
  REQUIRE_FALSE(name.ok());
  CHECK(name.status().message() ==
        "status address 'localhost:9187': not an IP address (use 127.0.0.1 or [::1])");
  auto first = StatusServer::Start(io, "127.0.0.1:0", handler);
  REQUIRE(first.ok());
  auto taken = StatusServer::Start(io, "127.0.0.1:" + std::to_string((*first)->port()), handler);
  REQUIRE_FALSE(taken.ok());
  CHECK_THAT(taken.status().message(), Catch::Contains("Address already in use"));
}

}  // namespace
}  // namespace mineral::daemon
