#include "text/utf8_validate.h"

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "text/run_scan.h"
#include "text/text.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MINERAL_UTF8_X86 1
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mineral::text {
namespace internal {
namespace {

bool IsValidScalar(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  while (i < n) {
#if defined(__SSE2__)
    // Runs of ASCII, 32 bytes at a time; a block with a byte of 0x80 or more
    // moves `i` straight to that byte.
    while (i + 32 <= n) {
      const auto* v = reinterpret_cast<const __m128i*>(p + i);
      const unsigned lo = static_cast<unsigned>(_mm_movemask_epi8(_mm_loadu_si128(v)));
      const unsigned hi = static_cast<unsigned>(_mm_movemask_epi8(_mm_loadu_si128(v + 1)));
      const unsigned mask = lo | (hi << 16);
      if (mask != 0) {
        i += static_cast<size_t>(__builtin_ctz(mask));
        break;
      }
      i += 32;
    }
    if (i == n) break;  // the input ended with a whole block of ASCII
#endif
    if (i + 8 <= n && p[i] < 0x80) {
      uint64_t chunk;
      std::memcpy(&chunk, p + i, 8);
      if ((chunk & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    // A run of sequences (CJK text is one), without going back to the ASCII
    // scan between them.  The common ones without DecodeUtf8Char's range
    // table: three bytes led by E1-EC or EE-EF (most of CJK, punctuation
    // such as U+2019), whose second byte may be any continuation byte, and
    // two bytes led by C2-DF.
    const auto continuation = [&](size_t k) { return (p[k] & 0xC0) == 0x80; };
    do {
      const unsigned lead = p[i];
      if (lead >= 0xE1 && lead <= 0xEF && lead != 0xED && i + 2 < n && continuation(i + 1) &&
          continuation(i + 2)) {
        i += 3;
      } else if (lead >= 0xC2 && lead <= 0xDF && i + 1 < n && continuation(i + 1)) {
        i += 2;
      } else {
        const Utf8Char ch = DecodeUtf8Char(text.substr(i));
        if (!ch.valid) return false;
        i += static_cast<size_t>(ch.length);
      }
    } while (i < n && p[i] >= 0x80);
  }
  return true;
}

bool HasC1Control(std::string_view text) {
  for (size_t at = text.find('\xC2'); at != std::string_view::npos && at + 1 < text.size();
       at = text.find('\xC2', at + 1)) {
    const auto next = static_cast<unsigned char>(text[at + 1]);
    if (next >= 0x80 && next <= 0x9F) return true;
  }
  return false;
}

#if defined(MINERAL_UTF8_X86)

// Keiser and Lemire's validator.  Nearly every ill-formed input shows in a
// pair of adjacent bytes: the one before (`prev`) and the current one
// (`cur`).  Each bit below is one kind of bad pair, and the pair's three
// nibbles (prev's high and low, cur's high) each select, from a 16-entry
// table, the kinds they take part in; a kind is present where all three
// agree, so three byte shuffles and two ANDs classify 32 pairs at once.
// The one rule two bytes cannot decide, that the third and fourth bytes of
// a sequence are continuations and no other continuation follows one, is
// checked from the bytes two and three places back (kTwoConts below).
constexpr uint8_t kTooShort = 1 << 0;   // a lead byte (C0-FF), then no continuation
constexpr uint8_t kTooLong = 1 << 1;    // ASCII, then a continuation (80-BF)
constexpr uint8_t kOverlong3 = 1 << 2;  // E0 80-9F
constexpr uint8_t kTooLarge = 1 << 3;   // F4-FF 90-BF: above U+10FFFF
constexpr uint8_t kSurrogate = 1 << 4;  // ED A0-BF
constexpr uint8_t kOverlong2 = 1 << 5;  // C0-C1 80-BF
constexpr uint8_t kFx8x = 1 << 6;       // F0 80-8F (overlong) or F5-FF 80-8F (too large)
constexpr uint8_t kTwoConts = 1 << 7;   // 80-BF 80-BF: right only as a 3rd or 4th byte
// The kinds that depend on the high nibbles alone: every low nibble of prev
// lets them through.
constexpr uint8_t kAnyLowNibble = kTooShort | kTooLong | kTwoConts;

using NibbleTable = std::array<uint8_t, 16>;

constexpr NibbleTable kByPrevHigh = [] {
  NibbleTable t{};
  for (int h = 0; h < 16; ++h) {
    if (h < 0x8) {
      t[h] = kTooLong;
    } else if (h < 0xC) {
      t[h] = kTwoConts;
    } else {
      t[h] = kTooShort;
    }
  }
  t[0xC] |= kOverlong2;
  t[0xE] |= kOverlong3 | kSurrogate;
  t[0xF] |= kTooLarge | kFx8x;
  return t;
}();

constexpr NibbleTable kByPrevLow = [] {
  NibbleTable t{};
  for (int l = 0; l < 16; ++l) {
    t[l] = kAnyLowNibble;
    if (l <= 0x1) t[l] |= kOverlong2;          // C0, C1
    if (l == 0x0) t[l] |= kOverlong3 | kFx8x;  // E0, F0
    if (l == 0xD) t[l] |= kSurrogate;          // ED
    if (l >= 0x4) t[l] |= kTooLarge;           // F4-FF
    if (l >= 0x5) t[l] |= kFx8x;               // F5-FF
  }
  return t;
}();

constexpr NibbleTable kByCurHigh = [] {
  NibbleTable t{};
  for (int h = 0; h < 16; ++h) {
    if (h < 0x8 || h >= 0xC) {
      t[h] = kTooShort;
    } else {
      t[h] = kTooLong | kTwoConts | kOverlong2;  // every continuation byte
    }
  }
  t[0x8] |= kOverlong3 | kFx8x;
  t[0x9] |= kOverlong3 | kTooLarge;
  t[0xA] |= kSurrogate | kTooLarge;
  t[0xB] |= kSurrogate | kTooLarge;
  return t;
}();

// The most each of a block's last three bytes may be with the block ending
// there: a lead byte there starts a sequence the block does not finish.
constexpr std::array<uint8_t, 32> kMaxAtEnd = [] {
  std::array<uint8_t, 32> t{};
  for (auto& b : t) b = 0xFF;
  t[29] = 0xF0 - 1;  // a four-byte lead three from the end
  t[30] = 0xE0 - 1;  // a three- or four-byte lead two from the end
  t[31] = 0xC0 - 1;  // any lead last
  return t;
}();

// No vector type crosses a function that is not built for AVX2; everything
// below is inlined into CheckAvx2.
struct Avx2State {
  __m256i prev;        // the block before
  __m256i error;       // any bit set: invalid
  __m256i incomplete;  // the last non-ASCII block ended inside a sequence
  __m256i c1;          // any byte set: a C2 80-9F pair
};

__attribute__((target("avx2"), always_inline)) inline __m256i Broadcast(const NibbleTable& t) {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t.data())));
}

// The block `cur` shifted by `kBack` bytes towards its end, the last `kBack`
// bytes of `prev` coming in at the front: each byte's k-th predecessor.
template <int kBack>
__attribute__((target("avx2"), always_inline)) inline __m256i Before(__m256i cur, __m256i prev) {
  // Lanes [prev.high, cur.low], so that each 16-byte lane of the alignr
  // below has the lane before it to draw from.
  const __m256i straddle = _mm256_permute2x128_si256(prev, cur, 0x21);
  return _mm256_alignr_epi8(cur, straddle, 16 - kBack);
}

__attribute__((target("avx2"), always_inline)) inline void CheckBlock(__m256i cur,
                                                                      Avx2State& state) {
  if (_mm256_movemask_epi8(cur) == 0) {
    // ASCII throughout: all that can be wrong is a sequence the block before
    // left unfinished.
    state.error = _mm256_or_si256(state.error, state.incomplete);
    state.prev = cur;
    return;
  }
  const __m256i low_nibbles = _mm256_set1_epi8(0x0F);
  const __m256i prev1 = Before<1>(cur, state.prev);
  const __m256i prev_high = _mm256_and_si256(_mm256_srli_epi16(prev1, 4), low_nibbles);
  const __m256i prev_low = _mm256_and_si256(prev1, low_nibbles);
  const __m256i cur_high = _mm256_and_si256(_mm256_srli_epi16(cur, 4), low_nibbles);
  const __m256i pair_errors =
      _mm256_and_si256(_mm256_and_si256(_mm256_shuffle_epi8(Broadcast(kByPrevHigh), prev_high),
                                        _mm256_shuffle_epi8(Broadcast(kByPrevLow), prev_low)),
                       _mm256_shuffle_epi8(Broadcast(kByCurHigh), cur_high));
  // Where a byte must be the third or fourth of a sequence: two bytes after
  // E0-FF or three after F0-FF.  Saturating subtraction leaves bit 7 set
  // exactly for those leads.
  const __m256i prev2 = Before<2>(cur, state.prev);
  const __m256i prev3 = Before<3>(cur, state.prev);
  const __m256i third = _mm256_subs_epu8(prev2, _mm256_set1_epi8(static_cast<char>(0xE0 - 0x80)));
  const __m256i fourth = _mm256_subs_epu8(prev3, _mm256_set1_epi8(static_cast<char>(0xF0 - 0x80)));
  const __m256i must_continue =
      _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8(static_cast<char>(0x80)));
  // kTwoConts (bit 7) must be set exactly where a continuation is due: a
  // second continuation in a row elsewhere is too long, and a due byte that
  // is no continuation after one is too short.
  state.error = _mm256_or_si256(state.error, _mm256_xor_si256(pair_errors, must_continue));
  state.incomplete =
      _mm256_subs_epu8(cur, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaxAtEnd.data())));
  // C2 then 80-9F; as signed bytes 80-9F are those below A0 (-96).
  const __m256i c1 =
      _mm256_and_si256(_mm256_cmpeq_epi8(prev1, _mm256_set1_epi8(static_cast<char>(0xC2))),
                       _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(0xA0)), cur));
  state.c1 = _mm256_or_si256(state.c1, c1);
  state.prev = cur;
}

__attribute__((target("avx2"))) Utf8Check CheckAvx2(std::string_view text) {
  const char* s = text.data();
  const size_t n = text.size();
  Avx2State state{_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(),
                  _mm256_setzero_si256()};
  size_t i = 0;
  for (; n - i >= 32; i += 32) {
    CheckBlock(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i)), state);
  }
  // The last 0-31 bytes padded with NULs, always: a NUL after a lead byte is
  // no continuation, so the end of the text is checked as the middle is.
  char tail[32] = {};
  if (n > i) std::memcpy(tail, s + i, n - i);
  CheckBlock(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(tail)), state);
  if (!_mm256_testz_si256(state.error, state.error)) return {false, false};
  return {true, !_mm256_testz_si256(state.c1, state.c1)};
}

#endif  // MINERAL_UTF8_X86

using Checker = Utf8Check (*)(std::string_view);

Checker CheckerFor(Utf8Isa isa) {
  switch (isa) {
#if defined(MINERAL_UTF8_X86)
    case Utf8Isa::kAvx2:
      return CheckAvx2;
#endif
    default:
      return CheckUtf8Scalar;
  }
}

std::atomic<Checker> g_checker{nullptr};

Checker ActiveChecker() {
  Checker checker = g_checker.load(std::memory_order_relaxed);
  if (checker == nullptr) {
    // Racing first calls store the same value.
    checker = CheckerFor(BestUtf8Isa());
    g_checker.store(checker, std::memory_order_relaxed);
  }
  return checker;
}

}  // namespace

Utf8Check CheckUtf8Scalar(std::string_view text) {
  if (!IsValidScalar(text)) return {false, false};
  return {true, HasC1Control(text)};
}

Utf8Isa BestUtf8Isa() {
  // The run scanners' detection: AVX2 where the build and the CPU have it.
  return BestIsa() == Isa::kAvx2 ? Utf8Isa::kAvx2 : Utf8Isa::kScalar;
}

Utf8Isa ActiveUtf8Isa() {
  // The weakest Isa whose checker is the one in use (without x86 every Isa
  // has the scalar one).
  const Checker active = ActiveChecker();
  for (const Utf8Isa isa : {Utf8Isa::kScalar, Utf8Isa::kAvx2}) {
    if (CheckerFor(isa) == active) return isa;
  }
  return Utf8Isa::kScalar;
}

void UseUtf8IsaForTesting(Utf8Isa isa) {
  g_checker.store(CheckerFor(isa), std::memory_order_relaxed);
}

}  // namespace internal

Utf8Check CheckUtf8(std::string_view text) { return internal::ActiveChecker()(text); }

bool IsValidUtf8(std::string_view text) { return CheckUtf8(text).valid; }

}  // namespace mineral::text
