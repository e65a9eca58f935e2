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

TEST_CASE("every signature with a key is that message's alone, whatever was signed before",
          "[signature]") {
  // Sign keeps a keyed context per key and copies it per message: nothing of
  // one message may carry into the next, nor one key into another.
  auto key = SigningKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  REQUIRE(key.ok());
  const std::string vector_sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
  for (int i = 0; i < 3; ++i) {
    CHECK(Sign(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})") ==
          vector_sig);
    CHECK(Sign(*key, "msg_other", 1614265330, "{}") != vector_sig);
    CHECK(Sign("another key", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
               R"({"test": 2432232314})") != vector_sig);
  }
  // An empty key is a key too (HMAC pads it with zeros); values from
  // Python's hmac module.
  for (int i = 0; i < 2; ++i) {
    CHECK(Sign("", "msg_1", 1700000000, "{}") == "v1,LzeNxZHo3O8fwpFJpLh/0B99ugILNFJw+/9lTgx0APs=");
    CHECK(Sign("x", "msg_1", 1700000000, "{}") ==
          "v1,RB2ICwSE78uwVDrjMSci3RKLbS9AfiuNvISBF2XftPI=");
  }
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
