// Receivers built from the config: template files loaded and checked (every
// error positioned), receivers that render with them, and the delivery
// settings (concurrency) taken from the config.
#include "daemon/receivers.h"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <optional>
#include <sstream>

#include "config/testing.h"
#include "net/curl_http_client.h"
#include "notify/email/email_receiver.h"
#include "notify/http_receiver.h"
#include "notify/sample.h"
#include "notify/webhook/payload.h"

namespace mineral::daemon {
namespace {

std::string Cwd() { return std::filesystem::current_path().string(); }

// A template file as the loader checks it (relative to the config) and as
// it is read (absolute).
void AddTemplate(config::MemoryEnvironment& env, const std::string& name, const std::string& text) {
  env.AddFile("templates/" + name, text);
  env.AddFile(Cwd() + "/templates/" + name, text);
}

config::Config Load(const std::string& text, const config::MemoryEnvironment& env) {
  config::ConfigResult result = config::ParseConfig(text, "main.toml", env);
  INFO(config::JoinLines(result.errors));
  REQUIRE(result.ok());
  return result.config;
}

constexpr char kConfig[] = R"(
[[receiver]]
id = "hook"
kind = "webhook"
url = "https://hooks.example.com/x"
body_template = "templates/body.json"
concurrency = 9
[[receiver]]
id = "desk"
kind = "email"
url = "smtp://smtp.example.com"
from = "alerts@example.com"
to = ["desk@example.com"]
subject_template = "templates/subject.txt"
text_template = "templates/text.txt"
html_template = "templates/body.html"
[[receiver]]
id = "plain"
kind = "console"
)";

TEST_CASE("LoadReceiverTemplates reports every template error with file:line:col",
          "[receivers][templates]") {
  config::MemoryEnvironment env;
  AddTemplate(env, "body.json", "{\"text\": \"{{headline}}\",\n \"n\": {{count}},}");
  AddTemplate(env, "subject.txt", "[{{severity_label}}] {{#alerts}}{{title}}");
  AddTemplate(env, "text.txt", "{{title}}\n{{link}}\n");
  AddTemplate(env, "body.html", "<p>{{titel}}</p>");
  LoadedTemplates loaded = LoadReceiverTemplates(Load(kConfig, env), env);
  const std::vector<std::string> expected = {
      "templates/body.json:2:17: the body is not JSON when rendered for one alert: Missing a "
      "name for object member.\n \"n\": {{count}},}\n                ^",
      "templates/subject.txt:1:22: section 'alerts' is not closed (no {{/alerts}})\n"
      "[{{severity_label}}] {{#alerts}}{{title}}\n                     ^",
      "templates/body.html:1:4: unknown name 'titel' (docs/templates.md lists the names)\n"
      "<p>{{titel}}</p>\n   ^",
  };
  CHECK(config::JoinLines(loaded.errors) == config::JoinLines(expected));
  // What compiled is kept: the text template.
  REQUIRE(loaded.templates.count("desk") == 1);
  CHECK(loaded.templates["desk"].text != nullptr);
  CHECK(loaded.templates["desk"].subject == nullptr);
  CHECK(loaded.templates.count("plain") == 0);
}

TEST_CASE("receivers render with their templates; settings carry concurrency",
          "[receivers][templates]") {
  config::MemoryEnvironment env;
  AddTemplate(env, "body.json", "{\"text\": \"{{headline}}\", \"rule\": \"{{rule}}\"}\n");
  AddTemplate(env, "subject.txt", "Alert {{rule}}: {{title}}\n");
  AddTemplate(env, "text.txt", "{{title}}\n{{link}}\n");
  AddTemplate(env, "body.html", "<p>{{title}}</p>");
  config::Config config = Load(kConfig, env);
  LoadedTemplates loaded = LoadReceiverTemplates(config, env);
  REQUIRE(loaded.errors.empty());

  boost::asio::io_context io;
  net::CurlHttpClient http(io);
  std::ostringstream console;
  SecretReader secrets(env);
  ReceiverDeps deps{http, http, console, secrets, &loaded.templates};
  BuiltReceivers built = BuildReceivers(config, deps);
  REQUIRE(built.errors.empty());
  REQUIRE(built.receivers.size() == 3);

  notify::Message message = notify::SingleAlertMessage("hook", notify::SampleAlert("hook"));
  auto* hook = dynamic_cast<notify::HttpReceiver*>(built.receivers[0].first.get());
  REQUIRE(hook != nullptr);
  CHECK(hook->BuildRequest(message, UtcTime{}).body ==
        "{\"text\": \"[CRITICAL] China tightens gallium & germanium export licences "
        "\xE2\x80\x93 MOFCOM\", \"rule\": \"china-gallium-export-controls\"}\n");

  auto* desk = dynamic_cast<notify::email::EmailReceiver*>(built.receivers[1].first.get());
  REQUIRE(desk != nullptr);
  std::string mail = desk->BuildRequest(message, UtcTime{}).message;
  CHECK_THAT(mail, Catch::Contains("\r\nSubject: =?UTF-8?B?"));
  notify::email::RenderedEmail rendered =
      notify::email::RenderEmail(message, loaded.templates["desk"]);
  CHECK(rendered.subject ==
        "Alert china-gallium-export-controls: China tightens gallium & germanium export "
        "licences \xE2\x80\x93 MOFCOM");
  CHECK(rendered.html ==
        "<p>China tightens gallium &amp; germanium export licences "
        "\xE2\x80\x93 MOFCOM</p>");

  // Without templates the built-in layouts are used.
  ReceiverDeps plain_deps{http, http, console, secrets};
  auto plain_hook = BuildReceiver(config.receivers[0], plain_deps);
  REQUIRE(plain_hook.ok());
  CHECK(dynamic_cast<notify::HttpReceiver&>(**plain_hook).BuildRequest(message, UtcTime{}).body ==
        notify::webhook::RenderPayload(message));

  CHECK(built.receivers[0].second.concurrency == 9);
  CHECK(built.receivers[1].second.concurrency == 4);
  CHECK(BuildReceiverSettings(config.receivers[2]).concurrency == 4);
}

using Kind = config::SecretRef::Kind;

config::ReceiverConfig WithUrlRef(std::string id, config::ReceiverKind kind, Kind ref_kind,
                                  std::string name) {
  config::ReceiverConfig r;
  r.id = std::move(id);
  r.kind = kind;
  config::SecretRef ref;
  ref.kind = ref_kind;
  ref.name = std::move(name);
  r.url_ref = ref;
  if (kind == config::ReceiverKind::kEmail) {
    r.email.from = "alerts@example.org";
    r.email.to = {"desk@example.org"};
  }
  return r;
}

// A URL read from a secret is checked when the receiver is built, where its
// value is first known; the error says where it came from, never what it
// holds (a Slack or Discord URL is itself the credential).
TEST_CASE("a URL from a secret that is not a URL is refused without quoting it", "[receivers]") {
  config::MemoryEnvironment env;
  env.AddFile("/etc/mineral/slack.url", "hooks.slack.com/services/T0/B0/tok3n-in-path\n");
  env.AddFile("/etc/mineral/hook.url", "https://hooks.example.com/tok3n-in-path\n");
  env.AddFile("/creds/discord", "https://tok3n user@/x");
  env.SetVariable("CREDENTIALS_DIRECTORY", "/creds");
  SecretReader secrets(env, [](const std::string& name) -> std::optional<std::string> {
    if (name == "TEAMS_URL") return std::string("tok3n-scheme:/x");
    if (name == "MAIL_URL") return std::string("https://mail.example.com/tok3n");
    return std::nullopt;
  });
  boost::asio::io_context io;
  net::CurlHttpClient curl(io);
  std::ostringstream console;
  ReceiverDeps deps{curl, curl, console, secrets};
  using K = config::ReceiverKind;

  struct Case {
    const char* id;
    config::ReceiverKind kind;
    Kind ref_kind;
    const char* name;
    const char* source;  // as the error names it
  };
  const std::string web = "https:// or http://";
  const Case cases[] = {
      {"slack", K::kSlack, Kind::kFile, "/etc/mineral/slack.url",
       "secret file '/etc/mineral/slack.url'"},
      {"teams", K::kTeams, Kind::kEnv, "TEAMS_URL", "secret variable 'TEAMS_URL'"},
      {"discord", K::kDiscord, Kind::kCredential, "discord", "secret credential 'discord'"},
      {"mail", K::kEmail, Kind::kEnv, "MAIL_URL", "secret variable 'MAIL_URL'"},
  };
  for (const Case& c : cases) {
    auto built = BuildReceiver(WithUrlRef(c.id, c.kind, c.ref_kind, c.name), deps);
    REQUIRE_FALSE(built.ok());
    const std::string schemes = c.kind == K::kEmail ? "smtp:// or smtps://" : web;
    CHECK(built.status().message() == "receiver '" + std::string(c.id) + "': the URL in " +
                                          c.source + " is not an " + schemes + " URL with a host");
    CHECK(built.status().message().find("tok3n") == std::string::npos);
  }
  // A good one, trailing newline and all, builds.
  CHECK(BuildReceiver(WithUrlRef("hook", K::kWebhook, Kind::kFile, "/etc/mineral/hook.url"), deps)
            .ok());
}

}  // namespace
}  // namespace mineral::daemon
