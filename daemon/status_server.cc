#include "daemon/status_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <set>

namespace mineral::daemon {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct StatusServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, StatusHandler h) : acceptor(io), handler(std::move(h)) {}

  asio::awaitable<void> Accept() {
    auto self = shared_from_this();
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        continue;  // a client that vanished during accept: keep serving
      }
      asio::co_spawn(acceptor.get_executor(), Serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> Serve(tcp::socket socket) {
    auto self = shared_from_this();
    auto owned = std::make_shared<beast::tcp_stream>(std::move(socket));
    beast::tcp_stream& stream = *owned;
    open.insert(owned);
    struct Forget {
      Impl& impl;
      std::shared_ptr<beast::tcp_stream> stream;
      ~Forget() { impl.open.erase(stream); }
    } forget{*this, owned};
    beast::flat_buffer buffer;
    for (;;) {
      stream.expires_after(std::chrono::seconds(10));
      http::request_parser<http::string_body> parser;
      parser.header_limit(8 * 1024);
      parser.body_limit(4 * 1024);
      boost::system::error_code ec;
      co_await http::async_read(stream, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      const auto& request = parser.get();
      http::response<http::string_body> response;
      response.version(request.version());
      response.set(http::field::server, "mineral-alertd");
      if (request.method() != http::verb::get && request.method() != http::verb::head) {
        response.result(http::status::method_not_allowed);
        response.set(http::field::allow, "GET, HEAD");
        response.body() = "only GET and HEAD\n";
        response.set(http::field::content_type, "text/plain; charset=utf-8");
      } else {
        StatusReply reply =
            handler(std::string_view(request.target().data(), request.target().size()));
        response.result(static_cast<unsigned>(reply.status));
        response.set(http::field::content_type, reply.content_type);
        response.body() = std::move(reply.body);
      }
      response.set(http::field::cache_control, "no-store");
      response.keep_alive(request.keep_alive());
      response.prepare_payload();
      if (request.method() == http::verb::head) response.body().clear();
      co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !response.keep_alive()) break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  tcp::acceptor acceptor;
  StatusHandler handler;
  // Connections being served, so Stop can end keep-alive ones at once
  // instead of waiting out their deadline.
  std::set<std::shared_ptr<beast::tcp_stream>> open;
};

Result<std::unique_ptr<StatusServer>> StatusServer::Start(asio::io_context& io,
                                                          const std::string& address,
                                                          StatusHandler handler) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) {
    return Status::InvalidArgument("status address '" + address + "': expected HOST:PORT");
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned long port = 0;
  try {
    size_t used = 0;
    port = std::stoul(address.substr(colon + 1), &used);
    if (used != address.size() - colon - 1 || port > 65535) throw std::invalid_argument("port");
  } catch (const std::exception&) {
    return Status::InvalidArgument("status address '" + address + "': bad port");
  }
  boost::system::error_code ec;
  const asio::ip::address ip = asio::ip::make_address(host, ec);
  if (ec) {
    return Status::InvalidArgument("status address '" + address +
                                   "': not an IP address (use 127.0.0.1 or [::1])");
  }
  auto impl = std::make_shared<Impl>(io, std::move(handler));
  const tcp::endpoint endpoint(ip, static_cast<uint16_t>(port));
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::IoError("status address " + address + ": " + ec.message());
  asio::co_spawn(io, impl->Accept(), asio::detached);
  return std::unique_ptr<StatusServer>(new StatusServer(std::move(impl)));
}

StatusServer::~StatusServer() { Stop(); }

uint16_t StatusServer::port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void StatusServer::Stop() {
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  for (const auto& stream : impl_->open) stream->socket().close(ignored);
}

}  // namespace mineral::daemon
