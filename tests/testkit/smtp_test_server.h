// SmtpTestServer: a small ESMTP server on 127.0.0.1 for integration tests,
// on its own thread.  It speaks enough of RFC 5321 for libcurl (EHLO, AUTH
// PLAIN and LOGIN, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT),
// records every accepted mail, and can refuse: a recipient, a password, or
// every mail with a transient 451.  It offers STARTTLS (RFC 3207, with a
// self-signed certificate) only when asked: a client that requires it must
// refuse to talk to one that does not.
//
// Thread-safety: Mails() and the setters may be called from the test thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mineral::testkit {

struct ReceivedMail {
  std::string mail_from;                // bare address, as in MAIL FROM:<...>
  std::vector<std::string> recipients;  // bare addresses of accepted RCPTs
  std::string data;                     // the message, dot-unstuffed, CRLF line ends
  std::string auth_user;                // "" when no AUTH
  bool tls = false;                     // the mail came after STARTTLS
};

struct SmtpServerOptions {
  // When set, AUTH is offered and a mail needs a login with these.
  std::string username;
  std::string password;
  // RCPT of these addresses gets 550.
  std::vector<std::string> reject_recipients;
  // Every DATA gets 451 (a transient failure) while this is true.
  bool fail_transient = false;
  // Offer STARTTLS (a self-signed certificate: clients must not verify).
  bool starttls = false;
};

class SmtpTestServer {
 public:
  explicit SmtpTestServer(SmtpServerOptions options = {});
  ~SmtpTestServer();

  SmtpTestServer(const SmtpTestServer&) = delete;
  SmtpTestServer& operator=(const SmtpTestServer&) = delete;

  uint16_t port() const;
  std::string Url() const;  // "smtp://127.0.0.1:PORT"
  std::vector<ReceivedMail> Mails() const;
  // AUTH commands received, accepted or not: 0 means no credential reached
  // this server.
  int AuthAttempts() const;
  void SetFailTransient(bool fail);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// A parsed RFC 5322 message: unfolded headers (names lowercased) and, for
// multipart/alternative, each part's headers and decoded body (base64 or
// 7bit/8bit).  Enough for tests to check what a mail client would show.
struct ParsedMailPart {
  std::map<std::string, std::string> headers;
  std::string body;  // decoded
};
struct ParsedMail {
  std::map<std::string, std::string> headers;
  std::vector<ParsedMailPart> parts;  // empty for a single-part message
  bool ok = false;                    // every header line and boundary well-formed
  std::string problem;                // why not
};
ParsedMail ParseMail(const std::string& data);

// An RFC 2047 header value decoded to UTF-8 (B and Q encoded-words).
std::string DecodeEncodedWords(const std::string& value);

}  // namespace mineral::testkit
