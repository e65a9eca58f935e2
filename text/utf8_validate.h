// UTF-8 validation of whole documents at close to memory speed: the lookup
// tables of Keiser and Lemire ("Validating UTF-8 In Less Than One Instruction
// Per Byte", Software: Practice and Experience, 2021), 32 bytes at a time
// with AVX2 where the CPU has it (chosen once, at run time), a sequence at a
// time otherwise.
#pragma once

#include <string_view>

namespace mineral::text {

// What one pass over a text finds.
struct Utf8Check {
  bool valid = false;        // exactly IsValidUtf8 (text.h)
  bool c1_controls = false;  // valid, and holds a C1 control U+0080-U+009F
};

// Whether `text` is valid UTF-8 (no overlong forms, no surrogates, nothing
// above U+10FFFF, no sequence cut off) and, when it is, whether it holds a
// C1 control (the bytes C2 80 to C2 9F), in one read of the text.  Pure;
// thread-safe but for UseUtf8IsaForTesting.
Utf8Check CheckUtf8(std::string_view text);

namespace internal {

// The validators, weakest first: kScalar runs everywhere.
enum class Utf8Isa { kScalar, kAvx2 };

// The strongest validator this build and this CPU run.
Utf8Isa BestUtf8Isa();

// The validator CheckUtf8 (and IsValidUtf8) use: BestUtf8Isa() unless a test
// chose another.
Utf8Isa ActiveUtf8Isa();

// For tests and fuzzing: makes CheckUtf8 use `isa`, which must not be
// stronger than BestUtf8Isa().  Not thread-safe with concurrent checks.
void UseUtf8IsaForTesting(Utf8Isa isa);

// The reference the vector code is tested against: a sequence at a time
// (ASCII skipped in blocks), the definition of IsValidUtf8 before the vector
// validator, and a search for C2 80-9F.  CheckUtf8 with kScalar.
Utf8Check CheckUtf8Scalar(std::string_view text);

}  // namespace internal
}  // namespace mineral::text
