#include "tests/testkit/smtp_test_server.h"

#include <openssl/evp.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <istream>
#include <mutex>
#include <sstream>
#include <thread>

#include "tests/testkit/tls.h"

namespace mineral::testkit {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

std::string Base64Decode(const std::string& text) {
  std::string clean;
  for (char c : text) {
    if (c != '\r' && c != '\n' && c != ' ') clean += c;
  }
  if (clean.empty()) return "";
  std::string out(clean.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()),
                          static_cast<int>(clean.size()));
  if (n < 0) return "";
  size_t len = static_cast<size_t>(n);
  if (clean.back() == '=') --len;
  if (clean.size() > 1 && clean[clean.size() - 2] == '=') --len;
  out.resize(len);
  return out;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// "MAIL FROM:<a@b> SIZE=1" -> "a@b"
std::string AngleAddress(const std::string& arg) {
  size_t lt = arg.find('<');
  size_t gt = arg.find('>', lt);
  if (lt == std::string::npos || gt == std::string::npos)
    return Trim(arg.substr(arg.find(':') + 1));
  return arg.substr(lt + 1, gt - lt - 1);
}

}  // namespace

struct SmtpTestServer::Impl {
  explicit Impl(SmtpServerOptions opts) : options(std::move(opts)) {
    UseSelfSignedCertificate(tls);
    acceptor.open(tcp::v4());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    acceptor.listen();
    asio::co_spawn(io, Accept(), asio::detached);
    thread = std::thread([this] { io.run(); });
  }

  ~Impl() {
    asio::post(io, [this] {
      boost::system::error_code ignored;
      acceptor.close(ignored);
      io.stop();
    });
    thread.join();
  }

  asio::awaitable<void> Accept() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      asio::co_spawn(io, Session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    try {
      asio::streambuf buffer;
      bool upgrade = co_await Serve(socket, buffer, false);
      if (upgrade) {
        // STARTTLS (RFC 3207): the session starts afresh over TLS.
        asio::ssl::stream<tcp::socket&> secure(socket, tls);
        co_await secure.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
        asio::streambuf fresh;
        co_await Serve(secure, fresh, true);
      }
    } catch (const std::exception&) {
      // The client went away: nothing to record.
    }
  }

  // Speaks SMTP over `socket` until QUIT (false) or an accepted STARTTLS
  // (true: the caller upgrades the connection and calls again with tls).
  template <typename Stream>
  asio::awaitable<bool> Serve(Stream& socket, asio::streambuf& buffer, bool tls_on) {
    auto reply = [&socket](std::string line) -> asio::awaitable<void> {
      line += "\r\n";
      co_await asio::async_write(socket, asio::buffer(line), asio::use_awaitable);
    };
    auto read_line = [&]() -> asio::awaitable<std::string> {
      co_await asio::async_read_until(socket, buffer, "\r\n", asio::use_awaitable);
      std::istream in(&buffer);
      std::string line;
      std::getline(in, line);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      co_return line;
    };
    // After STARTTLS the client speaks first (EHLO again): no new greeting
    // (RFC 3207 section 4.2).
    if (!tls_on) co_await reply("220 127.0.0.1 ESMTP mineral-alertd test server");
    ReceivedMail mail;
    bool authed = options.username.empty();
    for (;;) {
      std::string line = co_await read_line();
      std::string verb = Upper(line.substr(0, line.find(' ')));
      if (verb == "EHLO" || verb == "HELO") {
        std::string ehlo = "250-127.0.0.1\r\n250-8BITMIME\r\n";
        if (options.starttls && !tls_on) ehlo += "250-STARTTLS\r\n";
        // As most servers do, AUTH is offered only once the session is
        // encrypted when STARTTLS is on offer.
        if (!options.username.empty() && (tls_on || !options.starttls)) {
          ehlo += "250-AUTH PLAIN LOGIN\r\n";
        }
        co_await reply(ehlo + "250 SIZE 10485760");
      } else if (verb == "STARTTLS" && options.starttls && !tls_on) {
        co_await reply("220 2.0.0 Ready to start TLS");
        co_return true;
      } else if (verb == "AUTH") {
        {
          std::lock_guard lock(mutex);
          ++auth_attempts;
        }
        std::string rest = Trim(line.substr(4));
        std::string user;
        std::string pass;
        if (Upper(rest).starts_with("PLAIN")) {
          std::string b64 = Trim(rest.substr(5));
          if (b64.empty()) {
            co_await reply("334 ");
            b64 = co_await read_line();
          }
          std::string decoded = Base64Decode(b64);  // authzid \0 user \0 pass
          size_t a = decoded.find('\0');
          size_t b = decoded.find('\0', a + 1);
          if (a != std::string::npos && b != std::string::npos) {
            user = decoded.substr(a + 1, b - a - 1);
            pass = decoded.substr(b + 1);
          }
        } else if (Upper(rest).starts_with("LOGIN")) {
          std::string initial = Trim(rest.substr(5));
          if (initial.empty()) {
            co_await reply("334 VXNlcm5hbWU6");
            initial = co_await read_line();
          }
          user = Base64Decode(initial);
          co_await reply("334 UGFzc3dvcmQ6");
          pass = Base64Decode(co_await read_line());
        }
        if (!options.username.empty() && user == options.username && pass == options.password) {
          authed = true;
          mail.auth_user = user;
          co_await reply("235 2.7.0 Authentication successful");
        } else {
          co_await reply("535 5.7.8 Authentication credentials invalid");
        }
      } else if (verb == "MAIL") {
        if (!authed) {
          co_await reply("530 5.7.0 Authentication required");
          continue;
        }
        mail.mail_from = AngleAddress(line);
        mail.recipients.clear();
        co_await reply("250 2.1.0 Ok");
      } else if (verb == "RCPT") {
        std::string rcpt = AngleAddress(line);
        if (std::find(options.reject_recipients.begin(), options.reject_recipients.end(), rcpt) !=
            options.reject_recipients.end()) {
          co_await reply("550 5.1.1 No such user");
        } else {
          mail.recipients.push_back(rcpt);
          co_await reply("250 2.1.5 Ok");
        }
      } else if (verb == "DATA") {
        if (mail.recipients.empty()) {
          co_await reply("554 5.5.1 No valid recipients");
          continue;
        }
        co_await reply("354 End data with <CR><LF>.<CR><LF>");
        std::string data;
        for (;;) {
          std::string l = co_await read_line();
          if (l == ".") break;
          if (l.starts_with(".")) l.erase(0, 1);  // RFC 5321 4.5.2 dot-unstuffing
          data += l + "\r\n";
        }
        bool fail;
        {
          std::lock_guard lock(mutex);
          fail = fail_transient;
          if (!fail) {
            mail.data = std::move(data);
            mail.tls = tls_on;
            mails.push_back(mail);
          }
        }
        co_await reply(fail ? "451 4.3.0 Try again later" : "250 2.0.0 Ok: queued");
      } else if (verb == "RSET") {
        mail.recipients.clear();
        co_await reply("250 2.0.0 Ok");
      } else if (verb == "NOOP") {
        co_await reply("250 2.0.0 Ok");
      } else if (verb == "QUIT") {
        co_await reply("221 2.0.0 Bye");
        co_return false;
      } else {
        co_await reply("502 5.5.2 Command not recognized");
      }
    }
  }

  SmtpServerOptions options;
  asio::io_context io;
  asio::ssl::context tls{asio::ssl::context::tls_server};
  tcp::acceptor acceptor{io};
  std::thread thread;
  mutable std::mutex mutex;
  std::vector<ReceivedMail> mails;
  int auth_attempts = 0;
  bool fail_transient = false;
};

SmtpTestServer::SmtpTestServer(SmtpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->fail_transient = impl_->options.fail_transient;
}

SmtpTestServer::~SmtpTestServer() = default;

uint16_t SmtpTestServer::port() const { return impl_->acceptor.local_endpoint().port(); }

std::string SmtpTestServer::Url() const { return "smtp://127.0.0.1:" + std::to_string(port()); }

std::vector<ReceivedMail> SmtpTestServer::Mails() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->mails;
}

int SmtpTestServer::AuthAttempts() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->auth_attempts;
}

void SmtpTestServer::SetFailTransient(bool fail) {
  std::lock_guard lock(impl_->mutex);
  impl_->fail_transient = fail;
}

// --- parsing -----------------------------------------------------------------

namespace {

// Splits "headers CRLF CRLF body"; headers unfolded, names lowercased.
bool ParseHeaders(const std::string& text, std::map<std::string, std::string>& headers,
                  std::string& body, std::string& problem) {
  size_t end = text.find("\r\n\r\n");
  if (end == std::string::npos) {
    problem = "no blank line after the headers";
    return false;
  }
  body = text.substr(end + 4);
  std::istringstream in(text.substr(0, end + 2));
  std::string line;
  std::string name;
  while (std::getline(in, line)) {
    if (line.empty() || line.back() != '\r') {
      problem = "header line without CRLF: " + line;
      return false;
    }
    line.pop_back();
    if (line.size() > 998) {
      problem = "header line longer than 998 characters";
      return false;
    }
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      if (name.empty()) {
        problem = "continuation line before any header";
        return false;
      }
      headers[name] += line;  // unfolding keeps the whitespace (RFC 5322 2.2.3)
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
      problem = "malformed header line: " + line;
      return false;
    }
    name = Lower(line.substr(0, colon));
    headers[name] = Trim(line.substr(colon + 1));
  }
  return true;
}

std::string DecodeBody(const std::map<std::string, std::string>& headers, const std::string& body) {
  auto it = headers.find("content-transfer-encoding");
  if (it != headers.end() && Lower(it->second) == "base64") return Base64Decode(body);
  return body;
}

}  // namespace

ParsedMail ParseMail(const std::string& data) {
  ParsedMail mail;
  std::string body;
  if (!ParseHeaders(data, mail.headers, body, mail.problem)) return mail;
  std::string type = mail.headers["content-type"];
  size_t b = type.find("boundary=\"");
  if (Lower(type).starts_with("multipart/")) {
    if (b == std::string::npos) {
      mail.problem = "multipart without a quoted boundary";
      return mail;
    }
    std::string boundary = type.substr(b + 10, type.find('"', b + 10) - b - 10);
    std::string delimiter = "\r\n--" + boundary;
    std::string rest = "\r\n" + body;
    size_t pos = rest.find(delimiter);
    while (pos != std::string::npos) {
      size_t start = pos + delimiter.size();
      if (rest.compare(start, 2, "--") == 0) {
        mail.ok = true;
        return mail;
      }
      size_t next = rest.find(delimiter, start);
      if (next == std::string::npos) break;
      std::string part_text = rest.substr(start + 2, next - start - 2);  // skip CRLF
      ParsedMailPart part;
      std::string part_body;
      if (!ParseHeaders(part_text, part.headers, part_body, mail.problem)) return mail;
      part.body = DecodeBody(part.headers, part_body);
      mail.parts.push_back(std::move(part));
      pos = next;
    }
    mail.problem = "no closing boundary";
    return mail;
  }
  mail.ok = true;
  return mail;
}

std::string DecodeEncodedWords(const std::string& value) {
  std::string out;
  size_t pos = 0;
  bool last_was_word = false;
  while (pos < value.size()) {
    size_t start = value.find("=?", pos);
    if (start == std::string::npos) {
      out += value.substr(pos);
      break;
    }
    std::string between = value.substr(pos, start - pos);
    // Whitespace between two encoded-words is dropped (RFC 2047 section 6.2).
    if (!(last_was_word && Trim(between).empty())) out += between;
    size_t q1 = value.find('?', start + 2);
    size_t q2 = q1 == std::string::npos ? q1 : value.find('?', q1 + 1);
    size_t end = q2 == std::string::npos ? q2 : value.find("?=", q2 + 1);
    if (end == std::string::npos) {
      out += value.substr(start);
      break;
    }
    std::string encoding = Upper(value.substr(q1 + 1, q2 - q1 - 1));
    std::string text = value.substr(q2 + 1, end - q2 - 1);
    if (encoding == "B") {
      out += Base64Decode(text);
    } else {
      for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '_') {
          out += ' ';
        } else if (text[i] == '=' && i + 2 < text.size()) {
          out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
          i += 2;
        } else {
          out += text[i];
        }
      }
    }
    pos = end + 2;
    last_was_word = true;
  }
  return out;
}

}  // namespace mineral::testkit
