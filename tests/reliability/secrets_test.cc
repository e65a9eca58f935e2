// The secret canary (issue 8, security): every secret a config references
// (webhook and Slack/Discord/Teams URLs given by url_file, url_env and
// url_credential, signing secrets by secret_file, secret_env and
// secret_credential, SMTP passwords by password_file, password_env and
// password_credential) holds a unique string containing "k4n4ry".  The real
// binary then runs `check`, `run` (receivers that answer 401 and 500, refuse
// the connection, fail the TLS handshake, reject the SMTP login, lack
// STARTTLS, or are not URLs at all), a SIGHUP with a broken config,
// `test-receiver` for each receiver, `outbox`, `alerts`, `history` and
// `feeds`; every byte they wrote, the status pages and the SQLite files are
// searched for the canary.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/testkit/daemon_process.h"
#include "tests/testkit/http_test_server.h"
#include "tests/testkit/smtp_test_server.h"
#include "tests/testkit/temp_dir.h"

namespace mineral {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testkit::DaemonProcess;
using testkit::Eventually;
using testkit::FreePort;
using testkit::Has;
using testkit::HttpTestServer;
using testkit::ReadFile;
using testkit::StatusClient;
using testkit::TestReply;
using testkit::WriteFile;

constexpr char kCanary[] = "k4n4ry";
// A feed's credential in its URL's user info.  The config and the database
// hold it (the URL is the feed's address, and the database is the daemon's
// state, as private as the config); nothing else may show it.
constexpr char kFeedCanary[] = "f33d-s3cr3t";

TestReply Reply(int status, std::string body) {
  TestReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// Where a canary shows up in `text`, with some context, or "" if nowhere.
std::string FindCanary(const std::string& text, const char* canary = kCanary) {
  const size_t at = text.find(canary);
  if (at == std::string::npos) return "";
  const size_t from = at < 80 ? 0 : at - 80;
  return text.substr(from, 200);
}

struct Output {
  std::string what;  // "check stdout", "/metrics", ...
  std::string text;
};

testkit::CommandResult RunBinary(const fs::path& dir, const std::vector<std::string>& args,
                                 const std::vector<std::string>& env) {
  return testkit::RunCommand(MINERAL_BINARY, args, dir, env);
}

std::string Rss() {
  return "<rss version=\"2.0\"><channel><title>Wire</title>"
         "<item><title>China bans gallium exports to the US</title><guid>g1</guid></item>"
         "</channel></rss>";
}

TEST_CASE("secret canary: no secret in logs, output, status pages or the database",
          "[security][secrets]") {
  testkit::TempDir temp("mineral-secrets");
  const fs::path& dir = temp.path;
  fs::create_directories(dir / "secrets");
  fs::create_directories(dir / "creds");

  HttpTestServer feeds;
  feeds.Route("/wire", Reply(200, Rss()));
  feeds.Route("/private", Reply(503, "down for maintenance"));
  // Webhook endpoints: 401 and 500, their paths holding tokens as Slack's
  // and Discord's do.
  HttpTestServer hooks;
  hooks.Route("/hook-401/k4n4ry-path-401", Reply(401, "unauthorized"));
  hooks.Route("/hook-500", Reply(500, "internal error"));
  hooks.Route("/api/webhooks/1/k4n4ry-discord-token", Reply(500, "internal error"));
  // A TLS endpoint whose certificate nobody trusts.
  testkit::TestServerOptions tls_options;
  tls_options.tls = true;
  HttpTestServer tls(tls_options);
  tls.Route("/services/T0/B0/k4n4ry-slack-token", Reply(200, "ok"));
  // An SMTP server whose login the canary passwords do not match.
  testkit::SmtpServerOptions smtp_options;
  smtp_options.username = "alerts";
  smtp_options.password = "the-right-one";
  testkit::SmtpTestServer smtp(smtp_options);
  const uint16_t refused_port = FreePort();  // nobody listens there

  const std::string hooks_base = "http://127.0.0.1:" + std::to_string(hooks.port());
  WriteFile(dir / "secrets" / "hook-401.url",
            "http://k4n4ry-user:k4n4ry-url-password@127.0.0.1:" + std::to_string(hooks.port()) +
                "/hook-401/k4n4ry-path-401\n");
  WriteFile(dir / "secrets" / "hook-401.key", "k4n4ry-signing-file\n");
  WriteFile(dir / "secrets" / "slack.url", tls.Url("/services/T0/B0/k4n4ry-slack-token"));
  WriteFile(dir / "secrets" / "smtp.password", "k4n4ry-smtp-file\n");
  WriteFile(dir / "creds" / "refused-url",
            "http://127.0.0.1:" + std::to_string(refused_port) + "/k4n4ry-refused-path");
  WriteFile(dir / "creds" / "signing", "k4n4ry-signing-credential");
  WriteFile(dir / "creds" / "smtp-password", "k4n4ry-smtp-credential");
  const std::vector<std::string> env = {
      "HOOK_500_URL=" + hooks_base + "/hook-500?token=k4n4ry-query-token",
      "SIGNING_SECRET=k4n4ry-signing-env",
      "DISCORD_URL=" + hooks_base + "/api/webhooks/1/k4n4ry-discord-token",
      "TEAMS_URL=k4n4ry-teams-not-a-url:/x",
      "SMTP_PASSWORD=k4n4ry-smtp-env",
      "CREDENTIALS_DIRECTORY=" + (dir / "creds").string(),
  };

  const uint16_t port = FreePort();
  WriteFile(dir / "rules.toml",
            "[[rule]]\nid = \"gallium-ban\"\nseverity = \"critical\"\n"
            "when = 'mineral:gallium AND clause:export-ban'\n");
  const std::string mail = "kind = \"email\"\nurl = \"" + smtp.Url() +
                           "\"\nfrom = \"alerts@example.org\"\nto = [\"desk@example.org\"]\n"
                           "username = \"alerts\"\n";
  const std::string config =
      "rules = [\"rules.toml\"]\n"
      "[daemon]\nstate_dir = \"state\"\nlog_level = \"debug\"\n"
      "status_listen = \"127.0.0.1:" +
      std::to_string(port) +
      "\"\nmin_interval = \"1s\"\ndefault_interval = \"1s\"\nmax_interval = \"1s\"\n"
      "[[feed]]\nid = \"wire\"\nalert_backlog = true\nurl = \"" +
      feeds.Url("/wire") +
      "\"\n"
      "[[feed]]\nid = \"private\"\nurl = \"http://reader-f33d-s3cr3t:pw-f33d-s3cr3t@127.0.0.1:" +
      std::to_string(feeds.port()) +
      "/private\"\n"
      "[[receiver]]\nid = \"hook-401\"\nkind = \"webhook\"\n"
      "url_file = \"secrets/hook-401.url\"\nsecret_file = \"secrets/hook-401.key\"\n"
      "[[receiver]]\nid = \"hook-500\"\nkind = \"webhook\"\n"
      "url_env = \"HOOK_500_URL\"\nsecret_env = [\"SIGNING_SECRET\"]\n"
      "[[receiver]]\nid = \"hook-refused\"\nkind = \"webhook\"\n"
      "url_credential = \"refused-url\"\nsecret_credential = \"signing\"\n"
      "[[receiver]]\nid = \"slack-tls\"\nkind = \"slack\"\nurl_file = \"secrets/slack.url\"\n"
      "[[receiver]]\nid = \"discord-500\"\nkind = \"discord\"\nurl_env = \"DISCORD_URL\"\n"
      "[[receiver]]\nid = \"teams-bad-url\"\nkind = \"teams\"\nurl_env = \"TEAMS_URL\"\n"
      "[[receiver]]\nid = \"mail-file\"\n" +
      mail +
      "starttls = false\npassword_file = \"secrets/smtp.password\"\n"
      "[[receiver]]\nid = \"mail-env\"\n" +
      mail +
      "starttls = false\npassword_env = \"SMTP_PASSWORD\"\n"
      "[[receiver]]\nid = \"mail-credential\"\n" +
      mail +
      "password_credential = \"smtp-password\"\n"
      "[[route]]\nreceivers = [\"hook-401\", \"hook-500\", \"hook-refused\", \"slack-tls\", "
      "\"discord-500\", \"teams-bad-url\", \"mail-file\", \"mail-env\", \"mail-credential\"]\n";
  const fs::path config_path = dir / "config.toml";
  WriteFile(config_path, config);
  const std::vector<std::string> receivers = {"hook-401",  "hook-500",    "hook-refused",
                                              "slack-tls", "discord-500", "teams-bad-url",
                                              "mail-file", "mail-env",    "mail-credential"};

  std::vector<Output> outputs;
  auto keep = [&](const std::string& what, const testkit::CommandResult& c) {
    outputs.push_back({what + " stdout", c.out});
    outputs.push_back({what + " stderr", c.err});
  };

  const auto check = RunBinary(dir, {"check", "--config", config_path.string()}, env);
  INFO(check.out + check.err);
  CHECK(check.exit_code == 0);
  keep("check", check);

  {
    DaemonProcess daemon(MINERAL_BINARY, {"run", "--config", config_path.string()}, dir / "run.log",
                         env);
    StatusClient status(port);
    REQUIRE(status.WaitFor("/readyz", [](const auto& r) { return r.status == 200; }));
    // Every receiver that can be built has tried and failed at least once.
    const bool attempted = status.WaitFor(
        "/metrics",
        [&](const auto& r) {
          for (const std::string& id : receivers) {
            if (id == "teams-bad-url") continue;  // may be refused before any attempt
            if (!Has(r, "mineral_deliveries_total{receiver=\"" + id + "\"")) return false;
          }
          return true;
        },
        30s);
    INFO(daemon.Log());
    CHECK(attempted);
    // The secrets were used: the URL's user info went out as Basic auth,
    // the signing secrets signed.
    auto posts = hooks.Requests("/hook-401/k4n4ry-path-401");
    REQUIRE_FALSE(posts.empty());
    CHECK(posts[0].Header("authorization").starts_with("Basic "));
    CHECK_FALSE(posts[0].Header("webhook-signature").empty());
    REQUIRE_FALSE(hooks.Requests("/hook-500").empty());
    CHECK(tls.Requests().empty());
    CHECK(smtp.Mails().empty());
    // The private feed was asked for, with its credential, and failed.
    CHECK(status.WaitFor("/metrics", [](const auto& r) {
      return Has(r, "mineral_poll_errors_total{kind=\"http\"}");
    }));
    auto private_polls = feeds.Requests("/private");
    REQUIRE_FALSE(private_polls.empty());
    CHECK(private_polls[0].Header("authorization").starts_with("Basic "));

    for (const char* page : {"/metrics", "/healthz", "/readyz", "/alerts.json", "/alerts.atom"}) {
      outputs.push_back({page, status.Get(page).body});
    }

    // SIGHUP with a broken config: refused, with its errors in the log.
    WriteFile(config_path, config +
                               "[[receiver]]\nid = \"broken\"\nkind = \"webhook\"\n"
                               "url_file = \"secrets/missing.url\"\nsecret = \"x\"\n");
    daemon.Signal(SIGHUP);
    CHECK(status.WaitFor("/metrics", [](const auto& r) {
      return Has(r, "mineral_config_reloads_total{result=\"error\"} 1\n");
    }));
    WriteFile(config_path, config);
    daemon.Signal(SIGTERM);
    CHECK(daemon.Wait(20s) == 0);
    outputs.push_back({"run log", daemon.Log()});
  }

  for (const std::string& id : receivers) {
    const auto c = RunBinary(dir, {"test-receiver", id, "--config", config_path.string()}, env);
    CHECK(c.exit_code != 0);  // none of them accepts
    keep("test-receiver " + id, c);
  }
  const std::string cfg = config_path.string();
  const auto outbox = RunBinary(dir, {"outbox", "--config", cfg, "--json"}, env);
  CHECK(outbox.exit_code == 0);
  // Each failure is on record, with its reason.
  CHECK_THAT(outbox.out, Catch::Contains("reply 535"));
  CHECK_THAT(outbox.out, Catch::Contains("STARTTLS"));
  keep("outbox --json", outbox);
  keep("outbox --dead", RunBinary(dir, {"outbox", "--config", cfg, "--dead"}, env));
  keep("outbox", RunBinary(dir, {"outbox", "--config", cfg}, env));
  keep("alerts", RunBinary(dir, {"alerts", "--config", cfg, "--json"}, env));
  const auto history = RunBinary(dir, {"history", "--config", cfg, "alert:1"}, env);
  CHECK(history.exit_code == 0);
  keep("history", history);
  keep("history --json", RunBinary(dir, {"history", "--config", cfg, "--json", "alert:1"}, env));
  keep("feeds", RunBinary(dir, {"feeds", "--config", cfg, "--json"}, env));

  // The feed's credential: nowhere but in the state (checked above it).
  for (const Output& o : outputs) {
    INFO(o.what);
    CHECK(FindCanary(o.text, kFeedCanary) == "");
  }
  // The check and the run said the URL holds a credential, without it.
  CHECK_THAT(check.err + check.out, Catch::Contains("the URL holds user info"));

  // The database, its WAL and anything else the daemon left in its state.
  for (const auto& entry : fs::directory_iterator(dir / "state")) {
    outputs.push_back({entry.path().filename().string(), ReadFile(entry.path())});
  }

  size_t bytes = 0;
  for (const Output& o : outputs) {
    bytes += o.text.size();
    INFO(o.what);
    CHECK(FindCanary(o.text) == "");
  }
  CHECK(bytes > 10000);  // the outputs were really collected
}

}  // namespace
}  // namespace mineral
