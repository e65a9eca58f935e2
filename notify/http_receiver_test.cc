// HttpReceiver against a real HTTP server on 127.0.0.1 whose handler checks
// the Standard Webhooks signature with its own implementation of the
// documented algorithm (OpenSSL's EVP_MAC and BIO base64, not the code under
// test).
#include "notify/http_receiver.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <optional>
#include <sstream>

#include "net/curl_http_client.h"
#include "notify/sample.h"
#include "notify/webhook/payload.h"
#include "tests/testkit/http_test_server.h"

namespace mineral::notify {
namespace {

using testkit::HttpTestServer;
using testkit::TestReply;
using testkit::TestRequest;

std::string Hmac256(const std::string& key, const std::string& data) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params);
  EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  unsigned char out[64];
  size_t len = 0;
  EVP_MAC_final(ctx, out, &len, sizeof out);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string BioBase64Decode(const std::string& text) {
  BIO* b64 = BIO_new(BIO_f_base64());
  BIO_set_flags(b64, BIO_FLAGS_BASE64_NO_NL);
  BIO* mem = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
  BIO_push(b64, mem);
  std::string out(text.size(), '\0');
  int n = BIO_read(b64, out.data(), static_cast<int>(out.size()));
  BIO_free_all(b64);
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

// The receiving side as docs/webhook.md tells implementers to write it: any
// of the space-separated v1 signatures must match, timestamp within 5 min.
bool VerifyStandardWebhook(const TestRequest& r, const std::string& key, int64_t now) {
  std::string id = r.Header("webhook-id");
  std::string ts = r.Header("webhook-timestamp");
  if (id.empty() || ts.empty()) return false;
  if (std::llabs(std::stoll(ts) - now) > 300) return false;
  std::string expected = Hmac256(key, id + "." + ts + "." + r.body);
  std::istringstream sigs(r.Header("webhook-signature"));
  std::string sig;
  while (sigs >> sig) {
    if (!sig.starts_with("v1,")) continue;
    std::string raw = BioBase64Decode(sig.substr(3));
    if (raw.size() == expected.size() &&
        CRYPTO_memcmp(raw.data(), expected.data(), raw.size()) == 0) {
      return true;
    }
  }
  return false;
}

struct Harness {
  boost::asio::io_context io;
  net::CurlHttpClient http{io};

  DeliveryResult SendOnce(HttpReceiver& receiver, const Message& m) {
    std::optional<DeliveryResult> got;
    receiver.Send(m, [&](DeliveryResult r) { got = std::move(r); });
    io.restart();
    while (!got && io.run_one() > 0) {
    }
    REQUIRE(got.has_value());
    return *got;
  }
};

TestReply Reply(int status, std::string body = "") {
  TestReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpReceiverOptions Options(std::string url) {
  HttpReceiverOptions o;
  o.id = "r";
  o.url = std::move(url);
  return o;
}

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_CASE("a signed webhook verifies with the documented algorithm, for each rotated key",
          "[http_receiver]") {
  HttpTestServer server;
  int verified_old = 0;
  int verified_new = 0;
  server.Route("/hook", [&](const TestRequest& r) {
    verified_old += VerifyStandardWebhook(r, "old-secret", NowSeconds());
    verified_new += VerifyStandardWebhook(r, "new-secret", NowSeconds());
    bool any = VerifyStandardWebhook(r, "old-secret", NowSeconds()) ||
               VerifyStandardWebhook(r, "new-secret", NowSeconds());
    TestReply reply;
    reply.status = any ? 204 : 401;
    return reply;
  });
  Harness h;
  HttpReceiverOptions options;
  options.id = "ops";
  options.url = server.Url("/hook");
  options.signing_keys = {"old-secret", "new-secret"};
  options.headers = {{"X-Team", "compliance"}};
  HttpReceiver receiver(h.http, webhook::RenderPayload, options);
  Message m = SingleAlertMessage("ops", SampleAlert());
  DeliveryResult r = h.SendOnce(receiver, m);
  CHECK(r.ok);
  CHECK(r.status == 204);
  CHECK(verified_old == 1);
  CHECK(verified_new == 1);
  auto requests = server.Requests("/hook");
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].Header("content-type") == "application/json");
  CHECK(requests[0].Header("x-team") == "compliance");
  CHECK(requests[0].Header("webhook-id") == m.id);
  // The timestamp is the clock's now, not the alert's time or a fixed value.
  CHECK(std::llabs(std::stoll(requests[0].Header("webhook-timestamp")) - NowSeconds()) <= 5);
  CHECK(requests[0].body == webhook::RenderPayload(m));

  SECTION("a tampered body or a wrong key does not verify") {
    TestRequest tampered = requests[0];
    tampered.body += " ";
    CHECK_FALSE(VerifyStandardWebhook(tampered, "old-secret", NowSeconds()));
    CHECK_FALSE(VerifyStandardWebhook(requests[0], "other", NowSeconds()));
  }
}

TEST_CASE("answers are classified: 404 fails, 410 is gone, 429 carries Retry-After",
          "[http_receiver]") {
  HttpTestServer server;
  server.Route("/missing", Reply(404, "no such hook"));
  server.Route("/gone", Reply(410));
  TestReply busy_reply = Reply(429);
  busy_reply.headers = {{"Retry-After", "120"}};
  server.Route("/busy", busy_reply);
  server.Route("/broken", Reply(500, "oops\n"));
  server.Route("/timeout", Reply(408));
  Harness h;
  auto send = [&](const std::string& path) {
    HttpReceiver receiver(h.http, webhook::RenderPayload, Options(server.Url(path)));
    return h.SendOnce(receiver, SingleAlertMessage("r", SampleAlert()));
  };
  DeliveryResult missing = send("/missing");
  CHECK_FALSE(missing.ok);
  CHECK(missing.permanent);
  CHECK(missing.error == "HTTP 404: no such hook");
  DeliveryResult gone = send("/gone");
  CHECK(gone.permanent);
  CHECK(gone.gone);
  DeliveryResult busy = send("/busy");
  CHECK_FALSE(busy.permanent);
  CHECK(busy.retry_after == "120");
  DeliveryResult broken = send("/broken");
  CHECK_FALSE(broken.permanent);
  CHECK(broken.error == "HTTP 500: oops");
  CHECK_FALSE(send("/timeout").permanent);
}

TEST_CASE("a hung endpoint ends at the receiver's deadline, retryable", "[http_receiver]") {
  HttpTestServer server;
  TestReply hang;
  hang.mode = TestReply::Mode::kStallAfterHeaders;
  server.Route("/hang", hang);
  Harness h;
  HttpReceiverOptions options = Options(server.Url("/hang"));
  options.timeout = std::chrono::milliseconds(300);
  HttpReceiver receiver(h.http, webhook::RenderPayload, options);
  auto start = std::chrono::steady_clock::now();
  DeliveryResult r = h.SendOnce(receiver, SingleAlertMessage("r", SampleAlert()));
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.permanent);
  CHECK(r.error.starts_with("timeout"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
}

TEST_CASE("a refused connection is retryable", "[http_receiver]") {
  Harness h;
  HttpReceiver receiver(h.http, webhook::RenderPayload, Options("http://127.0.0.1:1/x"));
  DeliveryResult r = h.SendOnce(receiver, SingleAlertMessage("r", SampleAlert()));
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.permanent);
  CHECK(r.error.starts_with("connect"));
}

}  // namespace
}  // namespace mineral::notify
