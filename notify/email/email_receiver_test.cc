// EmailReceiver through libcurl (CurlHttpClient) to a real SMTP listener on
// 127.0.0.1 that parses what it receives.
#include "notify/email/email_receiver.h"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <optional>

#include "net/curl_http_client.h"
#include "notify/sample.h"
#include "tests/testkit/smtp_test_server.h"

namespace mineral::notify::email {
namespace {

using testkit::SmtpServerOptions;
using testkit::SmtpTestServer;

struct Harness {
  boost::asio::io_context io;
  net::CurlHttpClient curl{io};

  DeliveryResult Send(const EmailReceiverOptions& options, const Message& m) {
    EmailReceiver receiver(curl, options);
    std::optional<DeliveryResult> got;
    receiver.Send(m, [&](DeliveryResult r) { got = std::move(r); });
    io.restart();
    while (!got && io.run_one() > 0) {
    }
    REQUIRE(got.has_value());
    return *got;
  }
};

EmailReceiverOptions Options(const SmtpTestServer& server) {
  EmailReceiverOptions o;
  o.id = "mail";
  o.url = server.Url();
  o.envelope = {"mineral-alertd <alerts@example.com>", {"a@example.com", "b@example.com"}};
  o.username = "alerts";
  o.password = "s3cret";
  o.require_starttls = false;  // the test server speaks clear text only
  o.timeout = std::chrono::seconds(10);
  return o;
}

SmtpServerOptions WithLogin() {
  SmtpServerOptions o;
  o.username = "alerts";
  o.password = "s3cret";
  return o;
}

TEST_CASE("an alert arrives as a parsable mail with both parts and an encoded subject",
          "[email][smtp]") {
  SmtpTestServer server(WithLogin());
  Harness h;
  Alert alert = SampleAlert();
  alert.items.front().title = "\xE5\x95\x86\xE5\x8A\xA1\xE9\x83\xA8: gallium licences";
  DeliveryResult r = h.Send(Options(server), SingleAlertMessage("mail", alert));
  INFO(r.error);
  REQUIRE(r.ok);
  CHECK(r.status == 250);
  auto mails = server.Mails();
  REQUIRE(mails.size() == 1);
  CHECK(mails[0].auth_user == "alerts");
  CHECK(mails[0].mail_from == "alerts@example.com");
  CHECK(mails[0].recipients == std::vector<std::string>{"a@example.com", "b@example.com"});
  testkit::ParsedMail mail = testkit::ParseMail(mails[0].data);
  INFO(mail.problem);
  REQUIRE(mail.ok);
  CHECK(mail.headers["subject"].starts_with("=?UTF-8?B?"));
  CHECK(testkit::DecodeEncodedWords(mail.headers["subject"]) ==
        "[CRITICAL] \xE5\x95\x86\xE5\x8A\xA1\xE9\x83\xA8: gallium licences");
  CHECK(mail.headers["message-id"] == "<7f3c2a9e41d05b68@example.com>");
  REQUIRE(mail.parts.size() == 2);
  CHECK(mail.parts[0].body.find("Rule:     china-gallium-export-controls") != std::string::npos);
  CHECK(mail.parts[1].body.find("<mark>") != std::string::npos);
}

TEST_CASE("STARTTLS is required by default: a clear-text-only server gets nothing",
          "[email][smtp]") {
  SmtpTestServer server(WithLogin());
  Harness h;
  EmailReceiverOptions options = Options(server);
  options.require_starttls = true;
  DeliveryResult r = h.Send(options, SingleAlertMessage("mail", SampleAlert()));
  CHECK_FALSE(r.ok);
  CHECK(r.error.find("STARTTLS") != std::string::npos);
  CHECK(r.error.find("s3cret") == std::string::npos);
  CHECK(server.Mails().empty());
}

// STARTTLS required of a listener that offers it with a self-signed
// certificate: with verification off the mail goes encrypted, with it on
// (a fresh client) nothing is sent.
TEST_CASE("STARTTLS required and offered: encrypted, and only to a verified server",
          "[email][smtp]") {
  SmtpServerOptions server_options = WithLogin();
  server_options.starttls = true;
  SmtpTestServer server(server_options);
  Harness h;
  EmailReceiverOptions options = Options(server);
  options.require_starttls = true;
  options.verify_tls = GENERATE(false, true);
  DeliveryResult r = h.Send(options, SingleAlertMessage("mail", SampleAlert()));
  INFO(r.error);
  auto mails = server.Mails();
  if (options.verify_tls) {
    CHECK_FALSE(r.ok);
    CHECK(mails.empty());
    return;
  }
  REQUIRE(r.ok);
  REQUIRE(mails.size() == 1);
  CHECK(mails[0].tls);
  CHECK(mails[0].auth_user == "alerts");
  CHECK(testkit::ParseMail(mails[0].data).ok);
}

TEST_CASE("SMTP refusals: 5xx permanent, 4xx retried", "[email][smtp]") {
  Harness h;
  SECTION("a wrong password") {
    SmtpTestServer server(WithLogin());
    EmailReceiverOptions options = Options(server);
    options.password = "wrong";
    DeliveryResult r = h.Send(options, SingleAlertMessage("mail", SampleAlert()));
    CHECK_FALSE(r.ok);
    CHECK(r.permanent);
    CHECK(r.status == 535);
    CHECK(r.error.find("wrong") == std::string::npos);
  }
  SECTION("the only recipient refused") {
    SmtpServerOptions server_options = WithLogin();
    server_options.reject_recipients = {"a@example.com", "b@example.com"};
    SmtpTestServer server(server_options);
    DeliveryResult r = h.Send(Options(server), SingleAlertMessage("mail", SampleAlert()));
    CHECK_FALSE(r.ok);
    CHECK(r.permanent);
    CHECK(r.status == 550);
  }
  SECTION("try again later") {
    SmtpTestServer server(WithLogin());
    server.SetFailTransient(true);
    DeliveryResult r = h.Send(Options(server), SingleAlertMessage("mail", SampleAlert()));
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.permanent);
    CHECK(r.status == 451);
    server.SetFailTransient(false);
    CHECK(h.Send(Options(server), SingleAlertMessage("mail", SampleAlert())).ok);
  }
  SECTION("nobody listening") {
    EmailReceiverOptions options;
    options.id = "mail";
    options.url = "smtp://127.0.0.1:1";
    options.envelope = {"a@example.com", {"b@example.com"}};
    DeliveryResult r = h.Send(options, SingleAlertMessage("mail", SampleAlert()));
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.permanent);
  }
}

}  // namespace
}  // namespace mineral::notify::email
