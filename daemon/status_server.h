// The status HTTP server: /metrics, /healthz, /readyz and the alert feeds,
// served by Beast on the daemon's own io_context (no thread of its own).
// Loopback by default; every connection has a deadline and every request a
// size limit, and it answers only GET and HEAD.
//
// Thread-safety: not thread-safe; use on the io_context's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "model/status.h"

namespace mineral::daemon {

struct StatusReply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Called with the request target ("/metrics", "/alerts.json?x=1").
using StatusHandler = std::function<StatusReply(std::string_view target)>;

class StatusServer {
 public:
  // Listens on `address` ("127.0.0.1:9187", "[::1]:9187"; port 0 picks one).
  // Fails with a clear message when the address is malformed or taken.
  static Result<std::unique_ptr<StatusServer>> Start(boost::asio::io_context& io,
                                                     const std::string& address,
                                                     StatusHandler handler);
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  uint16_t port() const;
  // Stops accepting and closes every open connection (a reply being written
  // is cut short: the client retries).
  void Stop();

  struct Impl;

 private:
  explicit StatusServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace mineral::daemon
