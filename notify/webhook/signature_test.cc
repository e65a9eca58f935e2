#include "notify/webhook/signature.h"

#include <catch2/catch.hpp>

namespace mineral::notify::webhook {
namespace {

TEST_CASE("Sign reproduces the Standard Webhooks test vector", "[signature]") {
  // The example of the Standard Webhooks reference libraries.
  auto key = SigningKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  REQUIRE(key.ok());
  CHECK(Sign(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})") ==
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST_CASE("a secret without whsec_ is raw bytes; a bad whsec_ is an error", "[signature]") {
  CHECK(*SigningKey("plain secret") == "plain secret");
  CHECK_FALSE(SigningKey("whsec_***").ok());
}

TEST_CASE("several keys give several signatures in one header", "[signature]") {
  auto headers = SignatureHeaders({"old", "new"}, "msg_1", 1700000000, "{}");
  REQUIRE(headers.size() == 3);
  CHECK(headers[0] == std::pair<std::string, std::string>{"webhook-id", "msg_1"});
  CHECK(headers[1] == std::pair<std::string, std::string>{"webhook-timestamp", "1700000000"});
  CHECK(headers[2].second ==
        Sign("old", "msg_1", 1700000000, "{}") + " " + Sign("new", "msg_1", 1700000000, "{}"));
}

TEST_CASE("base64 round-trips every length", "[signature]") {
  std::string bytes;
  for (int n = 0; n < 10; ++n) {
    auto decoded = Base64Decode(Base64Encode(bytes));
    REQUIRE(decoded.ok());
    CHECK(*decoded == bytes);
    bytes += static_cast<char>(n * 37);
  }
  CHECK(Base64Encode("hello") == "aGVsbG8=");
  CHECK_FALSE(Base64Decode("abc").ok());
}

}  // namespace
}  // namespace mineral::notify::webhook
