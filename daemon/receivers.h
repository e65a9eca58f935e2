// The configured receivers, built: config::ReceiverConfig -> notify::Receiver
// with its secrets read (SecretReader) and its delivery settings.
#pragma once

#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/delivery_loop.h"
#include "daemon/secrets.h"
#include "net/http_client.h"
#include "net/smtp_client.h"
#include "notify/receiver.h"
#include "notify/receiver_templates.h"

namespace mineral::daemon {

// Every receiver's template overrides, by receiver id (LoadReceiverTemplates).
using TemplateSet = std::map<std::string, notify::ReceiverTemplates>;

struct ReceiverDeps {
  net::HttpClient& http;
  net::SmtpClient& smtp;
  std::ostream& console;  // where console receivers write (stdout)
  const SecretReader& secrets;
  // The loaded templates; null or no entry for a receiver: its built-in
  // layouts.
  const TemplateSet* templates = nullptr;
};

// Reads and compiles the template files every receiver names
// (subject_template, text_template, html_template, body_template) through
// `env`: `errors` holds every error found, each positioned in its file
// ("templates/slack.json:3:14: unknown name 'titel' ..." with the line and
// a caret), in config order.  Templates are read once, here: a reload reads
// them again, and refuses the new config when one does not load.
struct LoadedTemplates {
  TemplateSet templates;
  std::vector<std::string> errors;
};
LoadedTemplates LoadReceiverTemplates(const config::Config& config, const config::Environment& env);

// One receiver, with its templates from `deps.templates`.  Fails when a
// secret does not resolve or a whsec_ secret is not base64; the message
// names the receiver and the reference, not a value.
Result<std::unique_ptr<notify::Receiver>> BuildReceiver(const config::ReceiverConfig& config,
                                                        const ReceiverDeps& deps);

// max_attempts, max_age, concurrency, enabled, quiet hours, rate limit and
// grouping from the config (the zone loaded from /usr/share/zoneinfo).
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
