// SmtpClient: sending one email through an SMTP server (libcurl's smtp and
// smtps), as an interface so the email receiver is tested with a fake or a
// local listener.  CurlHttpClient implements it on the same curl multi
// handle and io_context as HTTP: no thread, no blocking call on the loop.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "net/http_client.h"

namespace mineral::net {

struct SmtpRequest {
  // smtp://host[:port] (587 usual: STARTTLS) or smtps://host[:port] (465:
  // TLS from the first byte).
  std::string url;
  std::string mail_from;                // envelope sender, bare address
  std::vector<std::string> recipients;  // bare addresses, at least one
  std::string message;                  // RFC 5322 bytes, CRLF line ends
  // AUTH (PLAIN or LOGIN, whichever the server offers) when username is set.
  // The password is never logged nor put in an error message.
  std::string username;
  std::string password;
  // With smtp://: refuse to go on unless the server offers STARTTLS and the
  // upgrade succeeds (default).  false: use STARTTLS when offered, else send
  // in clear text (the caller logs a warning).
  bool require_tls = true;
  bool verify_tls = true;  // peer certificate and host name (default on)
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{60'000};
};

struct SmtpResponse {
  FetchError error = FetchError::kNone;  // kTls also when STARTTLS was required and refused
  std::string error_message;             // names the host, never the password
  // The server's last reply code (250 after a successful DATA; 550 when a
  // recipient was rejected; 535 when AUTH failed); 0 when none came.
  int code = 0;
  std::chrono::milliseconds elapsed{0};
  bool ok() const { return error == FetchError::kNone; }
};

class SmtpClient {
 public:
  using Callback = std::function<void(SmtpResponse)>;
  virtual ~SmtpClient() = default;
  // Starts sending and returns at once; `done` runs exactly once, on the
  // client's executor, never from inside Send.
  virtual void Send(SmtpRequest request, Callback done) = 0;
};

}  // namespace mineral::net
