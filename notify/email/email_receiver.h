// EmailReceiver: a message as one email (email/message.h) to every
// recipient, through net::SmtpClient.  The Message-ID derives from the
// message id, so a retried mail is recognisably the same mail.
//
// Outcomes: the server's 250 after DATA is ok; a 5xx reply (recipient
// refused, AUTH refused, message rejected) is permanent; a 4xx reply, no
// connection, a timeout or a refused STARTTLS upgrade are retried.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "model/time.h"
#include "net/smtp_client.h"
#include "notify/email/message.h"
#include "notify/receiver.h"

namespace mineral::notify::email {

struct EmailReceiverOptions {
  std::string id;
  std::string url;  // smtp://host[:port] (STARTTLS) or smtps://host[:port]
  Envelope envelope;
  std::string username;  // "" : no AUTH
  std::string password;  // resolved from its secret by the caller
  bool require_starttls = true;
  bool verify_tls = true;
  std::chrono::milliseconds timeout{30'000};  // whole attempt (default 30 s)
  std::function<UtcTime()> now;               // Date header (default system_clock)
  // Subject, text and HTML templates (checked by CompileTemplate); null
  // members: the built-in layout.
  ReceiverTemplates templates;
};

class EmailReceiver final : public Receiver {
 public:
  EmailReceiver(net::SmtpClient& smtp, EmailReceiverOptions options);

  const std::string& id() const override { return options_.id; }
  void Send(const Message& message, Callback done) override;

  // The SMTP request Send would make (tests; the password is included).
  net::SmtpRequest BuildRequest(const Message& message, UtcTime date) const;

 private:
  net::SmtpClient& smtp_;
  EmailReceiverOptions options_;
};

}  // namespace mineral::notify::email
