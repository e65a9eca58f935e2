// The inner loops of CollapseWhitespace and HtmlToText: finding where a run
// of text that is kept as it is ends, 32 bytes at a time with AVX2 where the
// CPU has it (chosen once, at run time), 16 with SSE2 otherwise.  Internal to
// the text library; the header is public so its tests can reach each ISA.
#pragma once

#include <cstddef>

namespace mineral::text::internal {

// The instruction sets the run scanners are written for, weakest first.
enum class Isa { kPortable, kSse2, kAvx2 };

// The strongest Isa this build and this CPU run.
Isa BestIsa();

// The Isa the scanners below use: BestIsa() unless a test chose another.
Isa ActiveIsa();

// For tests: makes the scanners use `isa`, which must not be stronger than
// BestIsa().  Not thread-safe with concurrent scanning.
void UseIsaForTesting(Isa isa);

// A plain run from s[i]: bytes that collapsing whitespace (and, for the
// markup variant, reading HTML) keeps as they are.  It holds no ASCII
// whitespace but single spaces each followed by a byte that is itself kept,
// and, for the markup variant, no '<' or '&'.  So a run never ends in a space,
// and what stops it (at the returned position, or n) is ASCII whitespace, or
// '<' or '&' for markup.
//
// Each scanner returns the end of the run that starts at s[i] (i <= n).
// The copying ones also copy the run to `out`, which must have room for
// (end - i) + kCopySpill bytes: they store whole blocks, and what they leave
// past the run's copy is unspecified.  None reads outside s[i, n).
struct RunScanners {
  size_t (*plain_run_end)(const char* s, size_t i, size_t n);
  size_t (*copy_plain_run)(const char* s, size_t i, size_t n, char* out);
  size_t (*copy_markup_run)(const char* s, size_t i, size_t n, char* out);  // also stops at < &
};

// The scanners for ActiveIsa().
const RunScanners& Scanners();

// How many bytes past a run the Copy variants may write.
inline constexpr size_t kCopySpill = 32;

}  // namespace mineral::text::internal
