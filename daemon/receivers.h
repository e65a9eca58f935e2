// The configured receivers, built: config::ReceiverConfig -> notify::Receiver
// with its secrets read (SecretReader) and its delivery settings.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/delivery_loop.h"
#include "daemon/secrets.h"
#include "net/http_client.h"
#include "net/smtp_client.h"
#include "notify/receiver.h"

namespace mineral::daemon {

struct ReceiverDeps {
  net::HttpClient& http;
  net::SmtpClient& smtp;
  std::ostream& console;  // where console receivers write (stdout)
  const SecretReader& secrets;
};

// One receiver.  Fails when a secret does not resolve or a whsec_ secret is
// not base64; the message names the receiver and the reference, not a value.
Result<std::unique_ptr<notify::Receiver>> BuildReceiver(const config::ReceiverConfig& config,
                                                        const ReceiverDeps& deps);

// max_attempts, max_age, enabled, quiet hours, rate limit and grouping from
// the config (the zone loaded from /usr/share/zoneinfo); concurrency 4.
ReceiverSettings BuildReceiverSettings(const config::ReceiverConfig& config);

// Every configured receiver, built, for DeliveryLoop::SetReceivers.  A
// receiver that does not build is left out (its rows wait in the outbox)
// and its error listed, one line each: "receiver 'ops-webhook': secret file ...".
struct BuiltReceivers {
  std::vector<std::pair<std::unique_ptr<notify::Receiver>, ReceiverSettings>> receivers;
  std::vector<std::string> errors;
};
BuiltReceivers BuildReceivers(const config::Config& config, const ReceiverDeps& deps);

}  // namespace mineral::daemon
