#include "model/status.h"

#include <catch2/catch.hpp>

namespace mineral {
namespace {

TEST_CASE("Status is OK by default and names its code") {
  CHECK(Status().ok());
  CHECK(Status().ToString() == "ok");
  const Status s = Status::ParseError("feed.xml:3:7: unexpected '<'");
  CHECK_FALSE(s.ok());
  CHECK(s.code() == Status::Code::kParseError);
  CHECK(s.ToString() == "parse error: feed.xml:3:7: unexpected '<'");
}

TEST_CASE("Result holds a value or a status") {
  Result<int> good = 42;
  REQUIRE(good.ok());
  CHECK(*good == 42);
  Result<int> bad = Status::TooLarge("document is 20 MB, limit is 16 MB");
  CHECK_FALSE(bad.ok());
  CHECK(bad.status().code() == Status::Code::kTooLarge);
}

}  // namespace
}  // namespace mineral
