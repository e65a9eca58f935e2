// CurlHttpClient: HttpClient (and SmtpClient) over libcurl's multi interface, driven by one
// boost::asio::io_context (the socket-action pattern: curl tells us which
// sockets to watch and when its next timeout is; they go into an epoll set
// of our own, which Asio watches, and we call curl back for each one ready).
// No thread per request and no blocking call on the loop: a slow server
// costs one socket and one timer entry.
//
// Thread-safety: not thread-safe.  Create, call and destroy it on the thread
// that runs the io_context; callbacks run there too.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "net/http_client.h"
#include "net/smtp_client.h"

namespace mineral::net {

struct ClientOptions {
  // Sent when a request has no user_agent of its own.  Default
  // "mineral-alertd/<version>".  (SEC EDGAR asks for "Company admin@example.com".)
  std::string user_agent;
  // Connections open at once, over all hosts (default 64).  Transfers beyond
  // it wait inside curl for a free connection.
  long max_total_connections = 64;
  // Connections open at once to one host (default 4): 2,000 ASX ticker feeds
  // share a handful of connections to asx.com.au.
  long max_host_connections = 4;
  // Idle connections kept for reuse (default 64).
  long max_cached_connections = 64;
  // The CA bundle servers are verified against (default: libcurl's,
  // /etc/ssl/certs/ca-certificates.crt on Debian).  Either way the bundle is
  // parsed once and kept for new connections, never once per handshake.
  std::string ca_file;
};

// Also the SmtpClient: mail goes through the same multi handle and loop.
class CurlHttpClient final : public HttpClient, public SmtpClient {
 public:
  using Callback = HttpClient::Callback;

  CurlHttpClient(boost::asio::io_context& io, ClientOptions options = {});
  ~CurlHttpClient() override;  // cancels transfers in flight (their callbacks run with kCancelled)

  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  void Fetch(HttpRequest request, Callback done) override;
  void Send(SmtpRequest request, SmtpClient::Callback done) override;
  // Ends every HTTP and SMTP transfer in flight (callbacks run with kCancelled).
  void CancelAll() override;
  size_t InFlight() const override;

  struct Impl;  // in curl_http_client.cc

 private:
  std::unique_ptr<Impl> impl_;
};

// "libcurl/7.88.1 OpenSSL/3.0.19 zlib/... brotli/... nghttp2/..." for --version.
std::string CurlVersion();

}  // namespace mineral::net
