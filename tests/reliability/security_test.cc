// Security defaults of the real binary (issue 8): TLS verification on for
// feeds and receivers, SMTP credentials never sent without TLS unless the
// config says so, the status server on loopback unless an address says
// otherwise.  Each default is shown next to its explicit opt-out, so a test
// that passes shows the default at work, not a setup that never connects.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
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
using testkit::FreePort;
using testkit::HttpTestServer;
using testkit::ReadFile;
using testkit::StatusClient;
using testkit::TestReply;
using testkit::WriteFile;

using Command = testkit::CommandResult;

// `mineral-alertd ARGS` to the end, with a config of `config_text` in `dir`
// given as --config after the arguments.
Command Run(const fs::path& dir, std::vector<std::string> args, const std::string& config_text,
            const std::vector<std::string>& env = {}) {
  WriteFile(dir / "config.toml", config_text);
  args.push_back("--config");
  args.push_back((dir / "config.toml").string());
  return testkit::RunCommand(MINERAL_BINARY, args, dir, env);
}

TestReply Ok(std::string body) {
  TestReply r;
  r.body = std::move(body);
  return r;
}

const char kRss[] =
    "<rss version=\"2.0\"><channel><title>Wire</title>"
    "<item><title>Copper market quiet</title><guid>g1</guid></item></channel></rss>";

const std::string kDaemon = "[daemon]\nstate_dir = \"state\"\nstatus_listen = \"\"\n";

TEST_CASE("TLS: a feed whose certificate nobody trusts is refused by default", "[security]") {
  testkit::TempDir temp("mineral-sec-feed");
  testkit::TestServerOptions tls;
  tls.tls = true;
  HttpTestServer server(tls);
  server.Route("/feed", Ok(kRss));
  const std::string feed = "[[feed]]\nid = \"wire\"\nurl = \"" + server.Url("/feed") + "\"\n";

  const Command refused = Run(temp.path, {"poll-once"}, kDaemon + feed);
  INFO(refused.out + refused.err);
  CHECK_THAT(refused.out, Catch::Contains("error=\"tls: ") && Catch::Contains("1 failed"));
  CHECK(server.Requests().empty());
  CHECK(server.Connections() >= 1);  // it did connect, and stopped at the handshake
  const Command health = Run(temp.path, {"feeds", "--json"}, kDaemon + feed);
  INFO(health.out + health.err);
  CHECK_THAT(health.out, Catch::Contains("\"last_error\":\"tls: "));

  // The opt-out, spelt out in the config, fetches the same feed.
  const Command insecure =
      Run(temp.path, {"poll-once"}, kDaemon + feed + "insecure_skip_tls_verify = true\n");
  INFO(insecure.out + insecure.err);
  CHECK_THAT(insecure.out, Catch::Contains("1 ok, 0 failed"));
  CHECK(server.Requests("/feed").size() == 1);
}

TEST_CASE("TLS: a webhook whose certificate nobody trusts gets nothing", "[security]") {
  testkit::TempDir temp("mineral-sec-hook");
  testkit::TestServerOptions tls;
  tls.tls = true;
  HttpTestServer server(tls);
  TestReply accepted;
  accepted.status = 204;
  server.Route("/hook", accepted);
  for (const char* kind : {"webhook", "slack", "discord", "teams"}) {
    const Command c = Run(temp.path, {"test-receiver", "out"},
                          kDaemon + "[[receiver]]\nid = \"out\"\nkind = \"" + kind +
                              "\"\nurl = \"" + server.Url("/hook") + "\"\n");
    INFO(kind << ": " << c.out << c.err);
    CHECK(c.exit_code == 1);
    CHECK_THAT(c.err, Catch::Contains("tls"));
  }
  CHECK(server.Requests().empty());
  CHECK(server.Connections() >= 4);
}

std::string MailReceiver(const testkit::SmtpTestServer& smtp, const std::string& extra) {
  return "[[receiver]]\nid = \"mail\"\nkind = \"email\"\nurl = \"" + smtp.Url() +
         "\"\nfrom = \"alerts@example.org\"\nto = [\"desk@example.org\"]\n"
         "username = \"alerts\"\npassword_file = \"password\"\n" +
         extra;
}

testkit::SmtpServerOptions WithLogin(bool starttls) {
  testkit::SmtpServerOptions o;
  o.username = "alerts";
  o.password = "s3cret";
  o.starttls = starttls;
  return o;
}

TEST_CASE("SMTP: no password goes out without TLS unless starttls = false says so",
          "[security][smtp]") {
  testkit::TempDir temp("mineral-sec-smtp");
  WriteFile(temp.path / "password", "s3cret\n");

  SECTION("a server without STARTTLS gets neither the mail nor the password") {
    testkit::SmtpTestServer smtp(WithLogin(false));
    const Command c = Run(temp.path, {"test-receiver", "mail"}, kDaemon + MailReceiver(smtp, ""));
    INFO(c.out + c.err);
    CHECK(c.exit_code == 1);
    CHECK_THAT(c.err, Catch::Contains("does not offer STARTTLS"));
    CHECK(smtp.Mails().empty());
    CHECK(smtp.AuthAttempts() == 0);
  }
  SECTION("a server whose STARTTLS certificate nobody trusts gets nothing") {
    testkit::SmtpTestServer smtp(WithLogin(true));
    const Command c = Run(temp.path, {"test-receiver", "mail"}, kDaemon + MailReceiver(smtp, ""));
    INFO(c.out + c.err);
    CHECK(c.exit_code == 1);
    CHECK(smtp.Mails().empty());
    CHECK(smtp.AuthAttempts() == 0);
  }
  SECTION("starttls = false: the explicit opt-out, warned about by check") {
    testkit::SmtpTestServer smtp(WithLogin(false));
    const std::string config = kDaemon + MailReceiver(smtp, "starttls = false\n");
    const Command check = Run(temp.path, {"check"}, config);
    INFO(check.out + check.err);
    CHECK(check.exit_code == 0);
    CHECK_THAT(check.out + check.err, Catch::Contains("in clear text"));
    const Command c = Run(temp.path, {"test-receiver", "mail"}, config);
    INFO(c.out + c.err);
    CHECK(c.exit_code == 0);
    REQUIRE(smtp.Mails().size() == 1);
    CHECK(smtp.Mails()[0].auth_user == "alerts");
    CHECK_FALSE(smtp.Mails()[0].tls);
  }
}

// The address a TCP socket listening on `port` is bound to, from
// /proc/net/tcp and /proc/net/tcp6 ("0100007F" is 127.0.0.1, "00000000"
// 0.0.0.0), or "" when none listens there.
std::string ListeningAddress(uint16_t port) {
  char port_hex[8];
  std::snprintf(port_hex, sizeof port_hex, "%04X", port);
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      const size_t colon = local.rfind(':');
      if (state == "0A" && colon != std::string::npos && local.substr(colon + 1) == port_hex) {
        return local.substr(0, colon);
      }
    }
  }
  return "";
}

// Starts `run` with status_listen = `listen` and returns the address it
// bound, once /healthz answers on `port`.
std::string BoundAddress(const fs::path& dir, const std::string& listen, uint16_t port) {
  WriteFile(dir / "config.toml",
            "[daemon]\nstate_dir = \"state\"\nstatus_listen = \"" + listen + "\"\n");
  DaemonProcess daemon(MINERAL_BINARY, {"run", "--config", (dir / "config.toml").string()},
                       dir / "run.log");
  StatusClient status(port);
  const bool up = status.WaitFor("/healthz", [](const auto& r) { return r.status == 200; });
  INFO(daemon.Log());
  REQUIRE(up);
  const std::string address = ListeningAddress(port);
  daemon.Signal(SIGTERM);  // a clean exit, so a leak check under valgrind runs too
  CHECK(daemon.Wait(10s) == 0);
  return address;
}

TEST_CASE("the status server listens on loopback unless told an address", "[security][status]") {
  testkit::TempDir temp("mineral-sec-status");
  const uint16_t port = FreePort();
  const std::string p = std::to_string(port);
  CHECK(BoundAddress(temp.path, "127.0.0.1:" + p, port) == "0100007F");
  // A bare port means loopback, with or without the colon.
  CHECK(BoundAddress(temp.path, ":" + p, port) == "0100007F");
  CHECK(BoundAddress(temp.path, p, port) == "0100007F");
  CHECK(BoundAddress(temp.path, "localhost:" + p, port) == "0100007F");
  // Every interface only when written out, and `check` warns about it.
  CHECK(BoundAddress(temp.path, "0.0.0.0:" + p, port) == "00000000");
  const Command check =
      Run(temp.path, {"check"}, "[daemon]\nstate_dir = \"state\"\nstatus_listen = \"0.0.0.0:9\"\n");
  CHECK_THAT(check.out + check.err, Catch::Contains("listens beyond this machine"));
}

}  // namespace
}  // namespace mineral
