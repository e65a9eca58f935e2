#include "notify/email/email_receiver.h"

namespace mineral::notify::email {

EmailReceiver::EmailReceiver(net::SmtpClient& smtp, EmailReceiverOptions options)
    : smtp_(smtp), options_(std::move(options)) {
  if (!options_.now) {
    options_.now = [] {
      return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    };
  }
}

net::SmtpRequest EmailReceiver::BuildRequest(const Message& message, UtcTime date) const {
  net::SmtpRequest r;
  r.url = options_.url;
  r.mail_from = BareAddress(options_.envelope.from);
  for (const std::string& to : options_.envelope.to) r.recipients.push_back(BareAddress(to));
  r.message =
      BuildMessage(options_.envelope, RenderEmail(message, options_.templates), message.id, date);
  r.username = options_.username;
  r.password = options_.password;
  r.require_tls = options_.require_starttls;
  r.verify_tls = options_.verify_tls;
  r.total_timeout = options_.timeout;
  r.connect_timeout = std::min(options_.timeout, r.connect_timeout);
  return r;
}

void EmailReceiver::Send(const Message& message, Callback done) {
  smtp_.Send(BuildRequest(message, options_.now()),
             [done = std::move(done)](net::SmtpResponse response) {
               DeliveryResult result;
               result.status = response.code;
               result.latency = response.elapsed;
               if (response.ok()) {
                 result.ok = true;
               } else {
                 result.error = "smtp: " + response.error_message;
                 // RFC 5321 4.2.1: 5yz is a permanent negative completion reply.
                 result.permanent = response.code >= 500 && response.code < 600;
               }
               done(std::move(result));
             });
}

}  // namespace mineral::notify::email
