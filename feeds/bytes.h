#pragma once

// Equality of short byte strings without a memcmp call.  The reader and the
// builder compare names (tags, prefixes, attributes) of a few bytes each, a
// few times per element: a call to memcmp, and its branches on the length,
// cost more than the compare.

#include <cstdint>
#include <cstring>
#include <string_view>

namespace mineral::feeds {

// The n bytes at a and b are equal, for sizeof(Word) <= n <= 2 * sizeof(Word):
// the first and the last word of each, overlapping when n is not 2 words.
template <typename Word>
inline bool SameByTwoWords(const char* a, const char* b, size_t n) {
  Word a0, a1, b0, b1;
  std::memcpy(&a0, a, sizeof(Word));
  std::memcpy(&b0, b, sizeof(Word));
  std::memcpy(&a1, a + n - sizeof(Word), sizeof(Word));
  std::memcpy(&b1, b + n - sizeof(Word), sizeof(Word));
  return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

// The n bytes at a and b are equal.
inline bool SameBytes(const char* a, const char* b, size_t n) {
  if (n >= 8 && n <= 16) return SameByTwoWords<uint64_t>(a, b, n);
  if (n >= 4 && n < 8) return SameByTwoWords<uint32_t>(a, b, n);
  if (n < 4) {
    for (size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
  return std::memcmp(a, b, n) == 0;
}

inline bool SameBytes(std::string_view a, std::string_view b) {
  return a.size() == b.size() && SameBytes(a.data(), b.data(), a.size());
}

}  // namespace mineral::feeds
