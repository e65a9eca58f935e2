#include "text/utf8_validate.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "text/text.h"

namespace mineral::text {
namespace {

using internal::Utf8Isa;

std::vector<Utf8Isa> SupportedIsas() {
  std::vector<Utf8Isa> isas = {Utf8Isa::kScalar};
  if (internal::BestUtf8Isa() >= Utf8Isa::kAvx2) isas.push_back(Utf8Isa::kAvx2);
  return isas;
}

// The validators that are not the reference, for the tests that compare
// with it: empty on a CPU or build without them.
std::vector<Utf8Isa> VectorIsas() {
  std::vector<Utf8Isa> isas = SupportedIsas();
  isas.erase(isas.begin());
  return isas;
}

const char* Name(Utf8Isa isa) { return isa == Utf8Isa::kAvx2 ? "AVX2" : "scalar"; }

// Restores the best validator when a test is done with another.
struct IsaScope {
  explicit IsaScope(Utf8Isa isa) { internal::UseUtf8IsaForTesting(isa); }
  ~IsaScope() { internal::UseUtf8IsaForTesting(internal::BestUtf8Isa()); }
};

// `text` in a heap block of exactly its size, so AddressSanitizer reports a
// read of the byte after it (a std::string would hide one behind its NUL).
class ExactBuffer {
 public:
  explicit ExactBuffer(std::string_view text) : size_(text.size()), bytes_(new char[text.size()]) {
    if (size_ != 0) std::memcpy(bytes_.get(), text.data(), size_);
  }
  std::string_view view() const { return {bytes_.get(), size_}; }

 private:
  size_t size_;
  std::unique_ptr<char[]> bytes_;
};

// The bytes of `text` in hex, for failure messages about invalid text.
std::string Hex(std::string_view text) {
  std::string out;
  for (const char c : text) {
    char byte[4];
    std::snprintf(byte, sizeof byte, "%02X ", static_cast<unsigned char>(c));
    out += byte;
  }
  return out;
}

// Whether the validator in use agrees with the reference on `text`; reports
// the text when not.  A plain `if` first: Catch's INFO per case is slow.
// Callers pass text in a block of its exact size (ExactBuffer, an array)
// where reading past it would matter.
bool Agrees(std::string_view text) {
  const Utf8Check expected = internal::CheckUtf8Scalar(text);
  const Utf8Check got = CheckUtf8(text);
  if (got.valid == expected.valid && got.c1_controls == expected.c1_controls) return true;
  FAIL_CHECK(Name(internal::ActiveUtf8Isa())
             << " on " << text.size() << " bytes [" << Hex(text) << "]: valid " << got.valid
             << ", C1 " << got.c1_controls << "; reference " << expected.valid << ", "
             << expected.c1_controls);
  return false;
}

bool AgreesExact(std::string_view text) { return Agrees(ExactBuffer(text).view()); }

// A random character of 1 to 4 bytes, from each range UTF-8 encodes
// differently, the edges of the forbidden ranges included.
std::string RandomChar(std::mt19937& rng) {
  static constexpr char32_t kRanges[][2] = {
      {0x00, 0x7F},         {0x80, 0x9F},     {0xA0, 0x7FF},      {0x800, 0xFFF},
      {0x1000, 0xD7FF},     {0xE000, 0xFFFF}, {0x10000, 0x3FFFF}, {0x40000, 0xFFFFF},
      {0x100000, 0x10FFFF}, {0xD7F0, 0xD7FF}, {0xE000, 0xE00F},   {0x10FFF0, 0x10FFFF},
  };
  const auto& range = kRanges[rng() % std::size(kRanges)];
  std::string out;
  AppendUtf8(range[0] + static_cast<char32_t>(rng() % (range[1] - range[0] + 1)), out);
  return out;
}

std::string RandomValidText(std::mt19937& rng, size_t chars) {
  std::string text;
  for (size_t k = 0; k < chars; ++k) {
    // Mostly ASCII for some texts, so whole ASCII blocks come up too.
    text += rng() % 3 == 0 ? std::string(1 + rng() % 40, 'a') : RandomChar(rng);
  }
  return text;
}

TEST_CASE("The best UTF-8 validator is the one in use unless a test chose another", "[text]") {
  CHECK(internal::ActiveUtf8Isa() == internal::BestUtf8Isa());
  {
    const IsaScope scope(Utf8Isa::kScalar);
    CHECK(internal::ActiveUtf8Isa() == Utf8Isa::kScalar);
  }
  CHECK(internal::ActiveUtf8Isa() == internal::BestUtf8Isa());
#if defined(__x86_64__)
  __builtin_cpu_init();
  CHECK((internal::BestUtf8Isa() == Utf8Isa::kAvx2) == (__builtin_cpu_supports("avx2") != 0));
#endif
}

TEST_CASE("CheckUtf8 reports validity and C1 controls", "[text]") {
  struct Case {
    std::string_view text;
    bool valid;
    bool c1;
  };
  const Case cases[] = {
      {"", true, false},
      {"plain ASCII", true, false},
      {"don\xC2\x92t", true, true},
      {"\xC2\x80", true, true},
      {"\xC2\x9F", true, true},
      {"\xC2\xA0 no-break space", true, false},
      {"\xC3\x82\x92", false, false},      // C3 82 then a stray continuation
      {"\xE2\x80\x99\xC2", false, false},  // cut off after C2
      {"\xC2\x92\xFF", false, false},      // a C1 control in invalid text
  };
  for (const Utf8Isa isa : SupportedIsas()) {
    const IsaScope scope(isa);
    for (const Case& c : cases) {
      for (const size_t offset : {size_t{0}, size_t{31}, size_t{63}, size_t{100}}) {
        const std::string text = std::string(offset, 'a') + std::string(c.text);
        INFO(Name(isa) << ", after " << offset << " bytes: " << Hex(c.text));
        const Utf8Check check = CheckUtf8(ExactBuffer(text).view());
        CHECK(check.valid == c.valid);
        CHECK(check.c1_controls == c.c1);
        CHECK(IsValidUtf8(text) == c.valid);
      }
    }
  }
}

TEST_CASE("CheckUtf8 agrees with the reference on every string of one and two bytes", "[text]") {
  // Alone, after a whole ASCII block (the sequence in the second block), and
  // straddling the first block's end, with text after them too.
  for (const Utf8Isa isa : SupportedIsas()) {
    const IsaScope scope(isa);
    for (int a = 0; a <= 0xFF; ++a) {
      const char one[] = {static_cast<char>(a)};
      REQUIRE(Agrees(std::string_view(one, 1)));
      for (int b = 0; b <= 0xFF; ++b) {
        const std::string two = {static_cast<char>(a), static_cast<char>(b)};
        for (const std::string& text :
             {two, std::string(32, 'a') + two, std::string(31, 'a') + two,
              std::string(31, 'a') + two + "\u00e9xyz", "\u7a00" + two + "\u7a00"}) {
          REQUIRE(AgreesExact(text));
        }
      }
    }
  }
}

TEST_CASE("CheckUtf8 agrees with the reference on every string of three bytes", "[text]") {
  // All 2^24 alone; the middle byte at the end of a 32-byte block, with the
  // bytes around it in the two blocks, only where the first is no ASCII (an
  // ASCII first byte makes it a string of two, covered above).
  for (const Utf8Isa isa : VectorIsas()) {
    const IsaScope scope(isa);
    std::string straddling = std::string(30, 'a') + "xyz";
    for (uint32_t v = 0; v < (uint32_t{1} << 24); ++v) {
      const char three[] = {static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                            static_cast<char>(v)};
      REQUIRE(Agrees(std::string_view(three, 3)));
      if ((v >> 16) < 0x80) continue;
      straddling.replace(30, 3, three, 3);
      REQUIRE(Agrees(straddling));
    }
  }
}

TEST_CASE("CheckUtf8 agrees with the reference on four bytes led by E0-FF", "[text]") {
  // Every lead of a three- or four-byte sequence and every second byte, the
  // third and fourth from each class of byte the validity rules tell apart
  // (ASCII, the edges of the continuation ranges the leads narrow, each kind
  // of lead), alone and with the lead three bytes before a block's end.
  const unsigned char classes[] = {0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2,
                                   0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0, 0xF3, 0xF4, 0xF5, 0xFF};
  for (const Utf8Isa isa : VectorIsas()) {
    const IsaScope scope(isa);
    std::string straddling(29, 'a');
    straddling += "wxyz";
    for (int a = 0xE0; a <= 0xFF; ++a) {
      for (int b = 0; b <= 0xFF; ++b) {
        for (const unsigned char c : classes) {
          for (const unsigned char d : classes) {
            const char four[] = {static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                                 static_cast<char>(d)};
            REQUIRE(Agrees(std::string_view(four, 4)));
            straddling.replace(29, 4, four, 4);
            REQUIRE(Agrees(straddling));
          }
        }
      }
    }
  }
}

TEST_CASE("CheckUtf8 agrees with the reference on valid text with any byte changed", "[text]") {
  // Random valid text of up to about four 32-byte blocks; every byte in turn
  // replaced by bytes of each class (ASCII, continuations at the edges of
  // the narrowed ranges, every kind of lead, bytes never valid), and every
  // prefix (cut off inside a sequence or not).
  const unsigned char replacements[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0,
                                        0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xED,
                                        0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xF8, 0xFE, 0xFF};
  for (const Utf8Isa isa : VectorIsas()) {
    const IsaScope scope(isa);
    std::mt19937 rng(20261127);
    for (int round = 0; round < 300; ++round) {
      const std::string text = RandomValidText(rng, 1 + rng() % 40);
      REQUIRE(AgreesExact(text));
      REQUIRE(IsValidUtf8(text));
      for (size_t at = 0; at < text.size(); ++at) {
        std::string changed = text;
        for (const unsigned char r : replacements) {
          changed[at] = static_cast<char>(r);
          REQUIRE(AgreesExact(changed));
        }
        changed[at] = static_cast<char>(rng());
        REQUIRE(AgreesExact(changed));
        REQUIRE(AgreesExact(std::string_view(text).substr(0, at)));
      }
    }
  }
}

TEST_CASE("CheckUtf8 finds each sequence at every position of its blocks", "[text]") {
  // Each sequence at every offset across four 32-byte blocks, alone at the
  // end, followed by ASCII, and followed by more sequences, in ASCII and in
  // text of two-byte characters (which sends every block through the
  // lookups, with a byte of the sequence before it possibly in the block
  // before).
  const std::string_view sequences[] = {
      "\u00e9",
      "\u2019",
      "\u7a00",
      "\U0001F600",
      "\xC2\x80",
      "\xC2\x9F",
      "\u00a0",
      "\u0800",
      "\ud7ff",
      "\ue000",
      "\U00010000",
      "\U0010FFFF",
      "\xC2\x92",
      "\x80",
      "\xBF",
      "\xC0\x80",
      "\xC1\xBF",
      "\xC2",
      "\xE2\x82",
      "\xE0\x80\xAF",
      "\xE0\x9F\xBF",
      "\xED\xA0\x80",
      "\xED\xBF\xBF",
      "\xF0\x8F\xBF\xBF",
      "\xF0\x9F\x98",
      "\xF4\x90\x80\x80",
      "\xF5\x80\x80\x80",
      "\xFF",
      "\xC3\xA9\xA9",
      "\xE2\x80\x99\x80",
      "\xF0\x9F\x98\x80\x80",
  };
  for (const Utf8Isa isa : SupportedIsas()) {
    const IsaScope scope(isa);
    for (const std::string_view fill : {std::string_view("a"), std::string_view("\u00e9")}) {
      for (size_t offset = 0; offset < 130; offset += fill.size()) {
        std::string before;
        while (before.size() < offset) before += fill;
        for (const std::string_view seq : sequences) {
          const std::string text = before + std::string(seq);
          REQUIRE(AgreesExact(text));
          REQUIRE(AgreesExact(text + std::string(40, 'b')));
          REQUIRE(AgreesExact(text + "\u7a00\u00e9\u7a00\u00e9"));
        }
      }
    }
  }
}

TEST_CASE("CheckUtf8 agrees with the reference on long random text", "[text]") {
  // Documents' worth of text, some with a single damaged byte far in.
  for (const Utf8Isa isa : SupportedIsas()) {
    const IsaScope scope(isa);
    std::mt19937 rng(42);
    for (int round = 0; round < 20; ++round) {
      std::string text = RandomValidText(rng, 5000);
      REQUIRE(AgreesExact(text));
      if (round % 2 == 1) text[rng() % text.size()] = static_cast<char>(0x80 + rng() % 0x80);
      REQUIRE(AgreesExact(text));
    }
  }
}

}  // namespace
}  // namespace mineral::text
