#include "feeds/bytes.h"

#include <catch2/catch.hpp>
#include <string>

namespace mineral::feeds {
namespace {

// Every length the loads split differently (0-3 bytewise, 4-7 and 8-16 in
// two overlapping loads, longer through memcmp), a difference at every
// position, and views that start at odd offsets.
TEST_CASE("SameBytes agrees with operator== at every length and position") {
  std::string a, b;
  for (size_t n = 0; n <= 40; ++n) {
    for (size_t offset : {size_t{0}, size_t{1}, size_t{3}}) {
      a.assign(offset, '#');
      b.assign(offset, '@');
      for (size_t i = 0; i < n; ++i) a.push_back(static_cast<char>('a' + i % 26));
      b += a.substr(offset);
      const std::string_view va = std::string_view(a).substr(offset);
      const std::string_view vb = std::string_view(b).substr(offset);
      CHECK(SameBytes(va, vb));
      CHECK(SameBytes(va.data(), vb.data(), n));
      for (size_t i = 0; i < n; ++i) {
        std::string c = b;
        c[offset + i] = static_cast<char>(c[offset + i] ^ 0x80);  // also the sign bit
        const std::string_view vc = std::string_view(c).substr(offset);
        CAPTURE(n, offset, i);
        CHECK_FALSE(SameBytes(va, vc));
        CHECK_FALSE(SameBytes(va.data(), vc.data(), n));
      }
      if (n > 0) CHECK_FALSE(SameBytes(va, va.substr(0, n - 1)));  // lengths differ
    }
  }
}

}  // namespace
}  // namespace mineral::feeds
