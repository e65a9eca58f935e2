// libFuzzer target: feeds::ParseDate.
//
//   build/fuzz/fuzz/fuzz_date -dict=fuzz/date.dict -max_len=128 CORPUS SEEDS
//
// Checks: a parsed date lies in years 0-10000 (the parser reads years
// 1-9999; a zone offset can move that by a day); the default offset applies
// to zone-less dates only, so it moves the result by exactly that offset or
// not at all; the fast paths give what the general parsers give; and the
// RFC 3339 form of a result parses back to it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "feeds/date.h"
#include "fuzz/fuzz_checks.h"
#include "model/time.h"

namespace {

int YearOf(mineral::UtcTime t) {
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(t)};
  return static_cast<int>(ymd.year());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mineral;
  if (size > 4096) return 0;
  const std::string_view input = fuzz::AsText(data, size);

  const auto utc = feeds::ParseDate(input);
  const auto ny = feeds::ParseDate(input, -300);  // UTC-5
  // The fast paths for RFC 1123 / RFC 3339 change nothing.
  FUZZ_CHECK(utc == feeds::ParseDateWithoutFastPaths(input));
  FUZZ_CHECK(ny == feeds::ParseDateWithoutFastPaths(input, -300));
  if (utc) {
    const int year = YearOf(*utc);
    FUZZ_CHECK(year >= 0 && year <= 10000);
    if (ny) {
      const auto shift = *ny - *utc;
      FUZZ_CHECK(shift == std::chrono::seconds(0) || shift == std::chrono::hours(5));
    }
    if (year >= 1 && year <= 9999) {
      const std::string rfc3339 = FormatRfc3339(*utc);
      const auto again = feeds::ParseDate(rfc3339, 123);
      FUZZ_CHECK(again.has_value() && *again == *utc);
    }
  }
  if (ny) {
    const int year = YearOf(*ny);
    FUZZ_CHECK(year >= 0 && year <= 10000);
  }
  return 0;
}
