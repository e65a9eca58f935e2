#include "text/run_scan.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MINERAL_RUN_SCAN_X86 1
#endif

namespace mineral::text::internal {
namespace {

// Bytes that end a run wherever they are: \t \n \v \f \r, and for markup
// '<' and '&'.
template <bool kMarkup>
constexpr bool Stops(unsigned char c) {
  return (c >= '\t' && c <= '\r') || (kMarkup && (c == '<' || c == '&'));
}

// 1 for the bytes that end a run when a space comes before them: a space
// (two in a row collapse) and the bytes that stop a run.
template <bool kMarkup>
constexpr std::array<uint8_t, 256> kBreaksAfterSpace = [] {
  std::array<uint8_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[c] = c == ' ' || Stops<kMarkup>(static_cast<unsigned char>(c)) ? 1 : 0;
  }
  return table;
}();

// The definition, a byte at a time, copying as it goes: for CPUs without the
// blocks below, and for runs shorter than a block (where a call to memcpy
// would cost more than the bytes).
template <bool kMarkup, bool kCopy>
size_t ScanBytes(const char* s, size_t i, size_t n, char* out) {
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (Stops<kMarkup>(c)) break;
    if (c == ' ' &&
        (i + 1 == n || kBreaksAfterSpace<kMarkup>[static_cast<unsigned char>(s[i + 1])])) {
      break;
    }
    if constexpr (kCopy) *out++ = static_cast<char>(c);
  }
  return i;
}

#if defined(MINERAL_RUN_SCAN_X86)

// Where a block of kWidth bytes breaks, from the bits of its bytes that stop
// runs and of its spaces: a stop, or a space whose next byte (for the last
// one, `after`) breaks runs after a space.
template <size_t kWidth, bool kMarkup>
uint32_t Combine(uint32_t stop_bits, uint32_t space_bits, unsigned char after) {
  const uint32_t next_breaks = ((stop_bits | space_bits) >> 1) |
                               (uint32_t{kBreaksAfterSpace<kMarkup>[after]} << (kWidth - 1));
  return stop_bits | (space_bits & next_breaks);
}

// One block of kWidth bytes: where, within it, a run breaks.  A byte breaks
// the run when it stops runs, or when it is a space and the byte after it
// (for the last one, `after`) breaks runs after a space.
struct Sse2 {
  static constexpr size_t kWidth = 16;

  static void Copy(const char* p, char* out) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }

  template <bool kMarkup>
  static uint32_t Breaks(const char* p, unsigned char after) {
    using Block = __m128i;
    const Block v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // \t-\r moved to -128..-124, so one signed compare tests the range.
    const Block shifted = _mm_add_epi8(v, _mm_set1_epi8(static_cast<char>(0x80 - '\t')));
    Block stop =
        _mm_cmplt_epi8(shifted, _mm_set1_epi8(static_cast<char>(-128 + ('\r' - '\t') + 1)));
    if constexpr (kMarkup) {
      stop = _mm_or_si128(stop, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('<')),
                                             _mm_cmpeq_epi8(v, _mm_set1_epi8('&'))));
    }
    const auto stop_bits = static_cast<uint32_t>(_mm_movemask_epi8(stop));
    const auto space_bits =
        static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' '))));
    return Combine<kWidth, kMarkup>(stop_bits, space_bits, after);
  }
};

struct Avx2 {
  static constexpr size_t kWidth = 32;

  __attribute__((target("avx2"))) static void Copy(const char* p, char* out) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out),
                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }

  template <bool kMarkup>
  __attribute__((target("avx2"))) static uint32_t Breaks(const char* p, unsigned char after) {
    using Block = __m256i;
    const Block v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const Block shifted = _mm256_add_epi8(v, _mm256_set1_epi8(static_cast<char>(0x80 - '\t')));
    Block stop =
        _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(-128 + ('\r' - '\t') + 1)), shifted);
    if constexpr (kMarkup) {
      stop = _mm256_or_si256(stop, _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('<')),
                                                   _mm256_cmpeq_epi8(v, _mm256_set1_epi8('&'))));
    }
    const auto stop_bits = static_cast<uint32_t>(_mm256_movemask_epi8(stop));
    const auto space_bits =
        static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(' '))));
    return Combine<kWidth, kMarkup>(stop_bits, space_bits, after);
  }
};

// A block at a time while a byte past the block remains (its `after`); then
// the last block, which ends at n and so overlaps bytes scanned (and copied:
// storing it again writes the same bytes) already; its `after` is '\n',
// which stops runs, as the end of the input does.  Copying stores every block
// whole, wherever the run ends in it.  Input shorter than a block goes to the
// narrower blocks, or a byte at a time: nothing is read outside s[i, n), and
// no block is read from memory just written a byte at a time (a padded copy
// of the tail did that: the store-to-load forwarding stall cost more than
// the scan).  No vector type crosses these functions' boundaries:
// ScanBlocks<Avx2> exists in code built without AVX.
template <class V, class Narrower, bool kMarkup, bool kCopy>
size_t ScanBlocks(const char* s, size_t i, size_t n, char* out) {
  if (n - i < V::kWidth) {
    if constexpr (std::is_void_v<Narrower>) {
      return ScanBytes<kMarkup, kCopy>(s, i, n, out);
    } else {
      return ScanBlocks<Narrower, void, kMarkup, kCopy>(s, i, n, out);
    }
  }
  for (; n - i > V::kWidth; i += V::kWidth) {
    const uint32_t breaks =
        V::template Breaks<kMarkup>(s + i, static_cast<unsigned char>(s[i + V::kWidth]));
    if constexpr (kCopy) {
      V::Copy(s + i, out);
      out += V::kWidth;
    }
    if (breaks != 0) return i + static_cast<size_t>(__builtin_ctz(breaks));
  }
  if (i == n) return n;
  const size_t back = V::kWidth - (n - i);  // bytes of the last block before i
  const uint32_t breaks = V::template Breaks<kMarkup>(s + n - V::kWidth, '\n') >> back;
  if constexpr (kCopy) V::Copy(s + n - V::kWidth, out - back);
  return breaks == 0 ? n : i + static_cast<size_t>(__builtin_ctz(breaks));
}

// ScanBlocks compiled for each ISA: flatten inlines the block functions,
// which only code built for AVX2 may do for Avx2's.
template <bool kMarkup, bool kCopy>
size_t ScanSse2(const char* s, size_t i, size_t n, char* out) {
  return ScanBlocks<Sse2, void, kMarkup, kCopy>(s, i, n, out);
}

template <bool kMarkup, bool kCopy>
__attribute__((target("avx2"), flatten)) size_t ScanAvx2(const char* s, size_t i, size_t n,
                                                         char* out) {
  return ScanBlocks<Avx2, Sse2, kMarkup, kCopy>(s, i, n, out);
}

#endif  // MINERAL_RUN_SCAN_X86

template <size_t (*kScan)(const char*, size_t, size_t, char*)>
size_t EndOnly(const char* s, size_t i, size_t n) {
  return kScan(s, i, n, nullptr);
}

constexpr RunScanners kPortable = {
    EndOnly<ScanBytes<false, false>>,
    ScanBytes<false, true>,
    ScanBytes<true, true>,
};

#if defined(MINERAL_RUN_SCAN_X86)
constexpr RunScanners kSse2 = {
    EndOnly<ScanSse2<false, false>>,
    ScanSse2<false, true>,
    ScanSse2<true, true>,
};
constexpr RunScanners kAvx2 = {
    EndOnly<ScanAvx2<false, false>>,
    ScanAvx2<false, true>,
    ScanAvx2<true, true>,
};
#endif

const RunScanners& ScannersFor(Isa isa) {
  switch (isa) {
#if defined(MINERAL_RUN_SCAN_X86)
    case Isa::kAvx2:
      return kAvx2;
    case Isa::kSse2:
      return kSse2;
#endif
    default:
      return kPortable;
  }
}

Isa DetectIsa() {
#if defined(MINERAL_RUN_SCAN_X86)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) return Isa::kAvx2;
#if defined(__SSE2__)
  return Isa::kSse2;
#else
  if (__builtin_cpu_supports("sse2")) return Isa::kSse2;
#endif
#endif
  return Isa::kPortable;
}

std::atomic<const RunScanners*> g_scanners{nullptr};

}  // namespace

Isa BestIsa() {
  static const Isa best = DetectIsa();
  return best;
}

Isa ActiveIsa() {
  // The weakest Isa whose scanners are those in use (without x86 every Isa
  // has the portable ones).
  const RunScanners* active = &Scanners();
  for (const Isa isa : {Isa::kPortable, Isa::kSse2, Isa::kAvx2}) {
    if (&ScannersFor(isa) == active) return isa;
  }
  return Isa::kPortable;
}

void UseIsaForTesting(Isa isa) { g_scanners.store(&ScannersFor(isa), std::memory_order_relaxed); }

const RunScanners& Scanners() {
  const RunScanners* scanners = g_scanners.load(std::memory_order_relaxed);
  if (scanners == nullptr) {
    // Racing first calls store the same value.
    scanners = &ScannersFor(BestIsa());
    g_scanners.store(scanners, std::memory_order_relaxed);
  }
  return *scanners;
}

}  // namespace mineral::text::internal
