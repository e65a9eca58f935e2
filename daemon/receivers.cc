#include "daemon/receivers.h"

#include <boost/url/parse.hpp>
#include <filesystem>

#include "feeds/timezone.h"
#include "notify/discord/payload.h"
#include "notify/email/email_receiver.h"
#include "notify/http_receiver.h"
#include "notify/local/local_receivers.h"
#include "notify/slack/payload.h"
#include "notify/teams/payload.h"
#include "notify/webhook/payload.h"
#include "notify/webhook/signature.h"

namespace mineral::daemon {
namespace {

Status Named(const config::ReceiverConfig& config, const Status& status) {
  return Status::InvalidArgument("receiver '" + config.id + "': " + status.message());
}

// Where a secret comes from, as errors may name it.
std::string Describe(const config::SecretRef& ref) {
  switch (ref.kind) {
    case config::SecretRef::Kind::kFile:
      return "secret file '" + ref.name + "'";
    case config::SecretRef::Kind::kEnv:
      return "secret variable '" + ref.name + "'";
    case config::SecretRef::Kind::kCredential:
      return "secret credential '" + ref.name + "'";
  }
  return "secret";
}

// A URL read from a secret (url_file, url_env, url_credential) is checked
// here, where its value is first known, as the loader checks a `url`
// written in the config.  The error names the reference, never the value:
// a Slack or Discord URL is itself the credential, and an HTTP client's
// error would quote what it could not parse.
Status CheckSecretUrl(const config::ReceiverConfig& config, std::string_view url) {
  const bool email = config.kind == config::ReceiverKind::kEmail;
  auto parsed = boost::urls::parse_absolute_uri(url);
  bool ok = parsed.has_value() && parsed->has_authority() && !parsed->encoded_host().empty();
  if (ok) {
    const std::string scheme = std::string(parsed->scheme());
    ok = email ? scheme == "smtp" || scheme == "smtps" : scheme == "https" || scheme == "http";
  }
  if (ok) return Status::Ok();
  return Named(config,
               Status::InvalidArgument("the URL in " + Describe(*config.url_ref) + " is not an " +
                                       (email ? "smtp:// or smtps://" : "https:// or http://") +
                                       " URL with a host"));
}

notify::Renderer RendererFor(config::ReceiverKind kind) {
  switch (kind) {
    case config::ReceiverKind::kSlack:
      return notify::slack::RenderPayload;
    case config::ReceiverKind::kDiscord:
      return notify::discord::RenderPayload;
    case config::ReceiverKind::kTeams:
      return notify::teams::RenderPayload;
    default:
      return notify::webhook::RenderPayload;
  }
}

// A path as messages name files: relative to the working directory when
// under it (as `check` names rule files), else as it is.
std::string DisplayPath(const std::string& absolute) {
  std::error_code ec;
  std::filesystem::path cwd = std::filesystem::current_path(ec);
  if (ec) return absolute;
  std::filesystem::path relative = std::filesystem::path(absolute).lexically_relative(cwd);
  if (relative.empty() || relative.begin()->string() == "..") return absolute;
  return relative.string();
}

const notify::ReceiverTemplates* TemplatesOf(const config::ReceiverConfig& config,
                                             const ReceiverDeps& deps) {
  if (deps.templates == nullptr) return nullptr;
  auto found = deps.templates->find(config.id);
  return found == deps.templates->end() ? nullptr : &found->second;
}

}  // namespace

LoadedTemplates LoadReceiverTemplates(const config::Config& config,
                                      const config::Environment& env) {
  LoadedTemplates loaded;
  for (const config::ReceiverConfig& r : config.receivers) {
    notify::ReceiverTemplates templates;
    struct Key {
      const std::string& path;
      notify::TemplateUse use;
      std::shared_ptr<const notify::Template>& slot;
    };
    const Key keys[] = {
        {r.subject_template, notify::TemplateUse::kText, templates.subject},
        {r.text_template, notify::TemplateUse::kText, templates.text},
        {r.html_template, notify::TemplateUse::kHtml, templates.html},
        {r.body_template, notify::TemplateUse::kJsonBody, templates.body},
    };
    bool any = false;
    for (const Key& key : keys) {
      // An unreadable file is the config loader's error (positioned at the key).
      if (key.path.empty() || !env.IsReadable(key.path)) continue;
      const std::string name = DisplayPath(key.path);
      Result<std::string> text = env.ReadFile(key.path, config::LoadOptions{}.max_file_bytes);
      if (!text.ok()) {
        loaded.errors.push_back("receiver '" + r.id +
                                "': cannot read template: " + text.status().message());
        continue;
      }
      Result<notify::Template> compiled = notify::CompileTemplate(*text, name, key.use);
      if (!compiled.ok()) {
        loaded.errors.push_back(compiled.status().message());
        continue;
      }
      key.slot = std::make_shared<const notify::Template>(std::move(compiled).value());
      any = true;
    }
    if (any) loaded.templates[r.id] = std::move(templates);
  }
  return loaded;
}

Result<std::unique_ptr<notify::Receiver>> BuildReceiver(const config::ReceiverConfig& config,
                                                        const ReceiverDeps& deps) {
  std::string url = config.url;
  if (config.url_ref) {
    auto resolved = deps.secrets.Read(*config.url_ref);
    if (!resolved.ok()) return Named(config, resolved.status());
    url = std::move(resolved).value();
    // A file's trailing newline was trimmed; a variable is taken as set.
    while (!url.empty() && (url.back() == '\n' || url.back() == '\r')) url.pop_back();
    if (Status checked = CheckSecretUrl(config, url); !checked.ok()) return checked;
  }
  switch (config.kind) {
    case config::ReceiverKind::kFile:
      return std::unique_ptr<notify::Receiver>(
          std::make_unique<notify::FileReceiver>(config.id, config.path));
    case config::ReceiverKind::kConsole:
      return std::unique_ptr<notify::Receiver>(
          std::make_unique<notify::ConsoleReceiver>(config.id, deps.console));
    case config::ReceiverKind::kEmail: {
      notify::email::EmailReceiverOptions o;
      o.id = config.id;
      o.url = url;
      o.envelope = {config.email.from, config.email.to};
      o.username = config.email.username;
      if (config.email.password) {
        auto password = deps.secrets.Read(*config.email.password);
        if (!password.ok()) return Named(config, password.status());
        o.password = std::move(password).value();
      }
      o.require_starttls = config.email.require_starttls;
      o.timeout = config.timeout;
      if (const notify::ReceiverTemplates* t = TemplatesOf(config, deps)) o.templates = *t;
      return std::unique_ptr<notify::Receiver>(
          std::make_unique<notify::email::EmailReceiver>(deps.smtp, std::move(o)));
    }
    case config::ReceiverKind::kWebhook:
    case config::ReceiverKind::kSlack:
    case config::ReceiverKind::kDiscord:
    case config::ReceiverKind::kTeams: {
      notify::HttpReceiverOptions o;
      o.id = config.id;
      o.url = url;
      o.headers = config.headers;
      o.timeout = config.timeout;
      for (const config::SecretRef& ref : config.secrets) {
        auto secret = deps.secrets.Read(ref);
        if (!secret.ok()) return Named(config, secret.status());
        auto key = notify::webhook::SigningKey(*secret);
        if (!key.ok()) return Named(config, key.status());
        o.signing_keys.push_back(std::move(key).value());
      }
      notify::Renderer render = RendererFor(config.kind);
      const notify::ReceiverTemplates* t = TemplatesOf(config, deps);
      if (t != nullptr && t->body) {
        render = [body = t->body](const notify::Message& message) {
          return notify::RenderMessageTemplate(*body, message, notify::TemplateUse::kJsonBody);
        };
      }
      return std::unique_ptr<notify::Receiver>(
          std::make_unique<notify::HttpReceiver>(deps.http, std::move(render), std::move(o)));
    }
  }
  return Status::Unsupported("receiver '" + config.id + "': unknown kind");
}

ReceiverSettings BuildReceiverSettings(const config::ReceiverConfig& config) {
  ReceiverSettings s;
  s.limits.max_attempts = config.max_attempts;
  s.limits.max_age = std::chrono::duration_cast<Seconds>(config.max_age);
  RetryPolicy retry;
  retry.base = std::chrono::duration_cast<Seconds>(config.retry_base);
  retry.cap = std::chrono::duration_cast<Seconds>(config.retry_cap);
  s.retry = retry;
  BreakerPolicy breaker;
  breaker.open_for = std::chrono::duration_cast<Seconds>(config.circuit_open_for);
  breaker.max_open_for = std::chrono::duration_cast<Seconds>(config.circuit_max_open_for);
  s.breaker = breaker;
  s.enabled = config.enabled;
  s.concurrency = config.concurrency;
  const config::DeliveryTiming& t = config.timing;
  s.timing.group_wait = std::chrono::duration_cast<Seconds>(t.group_wait);
  s.timing.group_interval = std::chrono::duration_cast<Seconds>(t.group_interval);
  s.timing.digest_at = t.digest_at;
  s.timing.quiet_hours = t.quiet_hours;
  s.timing.critical_ignores_quiet_hours = t.critical_ignores_quiet_hours;
  s.timing.rate_count = static_cast<int>(t.rate_limit.count);
  s.timing.rate_per = std::chrono::duration_cast<Seconds>(t.rate_limit.per);
  // The loader checked the zone name; should it not load now, quiet hours
  // are read in UTC rather than not at all.
  if (t.timezone != "UTC") {
    if (auto zone = feeds::LoadTimeZone(t.timezone); zone.ok()) s.zone = std::move(zone).value();
  }
  return s;
}

BuiltReceivers BuildReceivers(const config::Config& config, const ReceiverDeps& deps) {
  BuiltReceivers built;
  for (const config::ReceiverConfig& r : config.receivers) {
    auto receiver = BuildReceiver(r, deps);
    if (!receiver.ok()) {
      built.errors.push_back(receiver.status().message());
      continue;
    }
    built.receivers.emplace_back(std::move(receiver).value(), BuildReceiverSettings(r));
  }
  return built;
}

}  // namespace mineral::daemon
