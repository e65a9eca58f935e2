#include "model/time.h"

#include <catch2/catch.hpp>

namespace mineral {
namespace {

TEST_CASE("FormatRfc3339 prints UTC with a Z suffix") {
  using namespace std::chrono;
  CHECK(FormatRfc3339(UtcTime{}) == "1970-01-01T00:00:00Z");
  const UtcTime t = sys_days{year{2003} / 12 / 31} + hours{10} + minutes{14} + seconds{55};
  CHECK(FormatRfc3339(t) == "2003-12-31T10:14:55Z");
  CHECK(FormatRfc3339(sys_days{year{1969} / 12 / 31} + hours{23}) == "1969-12-31T23:00:00Z");
}

TEST_CASE("DaysFromCivil agrees with std::chrono") {
  using namespace std::chrono;
  for (int y : {1600, 1899, 1970, 2000, 2024, 2100}) {
    for (unsigned m = 1; m <= 12; ++m) {
      const sys_days d{year{y} / month{m} / day{28}};
      CHECK(DaysFromCivil(y, m, 28) == d.time_since_epoch().count());
    }
  }
}

}  // namespace
}  // namespace mineral
