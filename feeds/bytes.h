#pragma once

// Equality of short byte strings without a memcmp call.  The reader and the
// builder compare names (tags, prefixes, attributes) of a few bytes each, a
// few times per element: a call to memcmp, and its branches on the length,
// cost more than the compare.

#include <cstdint>
#include <cstring>
#include <string_view>

namespace mineral::feeds {

// The first and the last Word of the n bytes at p, for sizeof(Word) <= n <=
// 2 * sizeof(Word): together they cover every byte, overlapping when n is
// not two words.
template <typename Word>
struct TwoWords {
  Word first, last;
};
template <typename Word>
inline TwoWords<Word> FirstAndLastWords(const char* p, size_t n) {
  TwoWords<Word> w;
  std::memcpy(&w.first, p, sizeof(Word));
  std::memcpy(&w.last, p + n - sizeof(Word), sizeof(Word));
  return w;
}

// The n bytes at a and b are equal, for sizeof(Word) <= n <= 2 * sizeof(Word).
template <typename Word>
inline bool SameByTwoWords(const char* a, const char* b, size_t n) {
  const TwoWords<Word> x = FirstAndLastWords<Word>(a, n), y = FirstAndLastWords<Word>(b, n);
  return ((x.first ^ y.first) | (x.last ^ y.last)) == 0;
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
