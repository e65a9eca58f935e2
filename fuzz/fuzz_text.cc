// libFuzzer target: the text helpers (HTML to text, character references,
// charset conversion, Unicode normalization, UTF-8 hygiene).
//
//   build/fuzz/fuzz/fuzz_text -dict=fuzz/xml.dict -max_len=8192 CORPUS SEEDS
//
// The first byte picks the charset hint for DecodeToUtf8; the rest is the
// input every function reads.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "feeds/encoding.h"
#include "fuzz/fuzz_checks.h"
#include "text/run_scan.h"
#include "text/text.h"
#include "text/utf8_validate.h"

namespace {

constexpr std::string_view kCharsets[] = {
    "",     "utf-8",  "windows-1252", "iso-8859-1", "gb2312", "gb18030",   "shift_jis", "euc-kr",
    "big5", "utf-16", "utf-16be",     "utf-32",     "koi8-r", "x-unknown", "us-ascii",  "utf-7",
};

bool NoRemovedControls(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mineral;
  if (size == 0) return 0;
  const std::string_view hint = kCharsets[data[0] % std::size(kCharsets)];
  const std::string_view input = fuzz::AsText(data + 1, size - 1);
  const bool valid = text::IsValidUtf8(input);
  FUZZ_CHECK(valid == fuzz::ReferenceValidUtf8(input));
  // Every UTF-8 validator this CPU runs (AVX2 lookups, the scalar loop)
  // against the scalar reference, C1 controls included.
  const text::Utf8Check reference = text::internal::CheckUtf8Scalar(input);
  FUZZ_CHECK(reference.valid == valid);
  for (const auto isa : {text::internal::Utf8Isa::kScalar, text::internal::Utf8Isa::kAvx2}) {
    if (isa > text::internal::BestUtf8Isa()) continue;
    text::internal::UseUtf8IsaForTesting(isa);
    const text::Utf8Check check = text::CheckUtf8(input);
    FUZZ_CHECK(check.valid == reference.valid);
    FUZZ_CHECK(check.c1_controls == reference.c1_controls);
  }
  text::internal::UseUtf8IsaForTesting(text::internal::BestUtf8Isa());

  // Never fails, whatever the bytes; UTF-8 in gives UTF-8 out.
  const std::string plain = text::HtmlToText(input);
  FUZZ_CHECK(fuzz::Collapsed(plain));
  // The fast paths for tags give what the byte loops give.
  FUZZ_CHECK(plain == text::HtmlToTextWithoutFastPaths(input));
  const std::string decoded = text::DecodeHtmlEntities(input);
  const std::string collapsed = text::CollapseWhitespace(input);
  FUZZ_CHECK(fuzz::Collapsed(collapsed));
  FUZZ_CHECK(collapsed == fuzz::ReferenceCollapse(input));
  std::string in_place(input);
  text::CollapseWhitespaceInPlace(in_place);
  FUZZ_CHECK(in_place == collapsed);
  // Without markup or references, HTML to text is collapsing alone.
  if (input.find_first_of("<&") == std::string_view::npos) FUZZ_CHECK(plain == collapsed);
  // The run scanners of every instruction set this CPU has (AVX2, SSE2, a
  // byte loop) give the same text; libFuzzer's input is a heap block of its
  // exact size, so ASan sees any read past it.
  for (const auto isa :
       {text::internal::Isa::kPortable, text::internal::Isa::kSse2, text::internal::Isa::kAvx2}) {
    if (isa > text::internal::BestIsa()) continue;
    text::internal::UseIsaForTesting(isa);
    FUZZ_CHECK(text::HtmlToText(input) == plain);
    FUZZ_CHECK(text::CollapseWhitespace(input) == collapsed);
    std::string isa_in_place(input);
    text::CollapseWhitespaceInPlace(isa_in_place);
    FUZZ_CHECK(isa_in_place == collapsed);
  }
  text::internal::UseIsaForTesting(text::internal::BestIsa());
  const std::string normalized = text::NormalizeForMatching(input);
  if (valid) {
    FUZZ_CHECK(fuzz::Utf8(plain));
    FUZZ_CHECK(fuzz::Utf8(decoded));
    FUZZ_CHECK(fuzz::Utf8(collapsed));
    FUZZ_CHECK(fuzz::Utf8(normalized));
  }

  const std::string escaped = text::EscapeHtml(input);
  FUZZ_CHECK(escaped.find_first_of("<>\"") == std::string::npos);
  FUZZ_CHECK(text::DecodeHtmlEntities(escaped) == input);

  const std::string clean = text::SanitizeUtf8(input);
  FUZZ_CHECK(fuzz::Utf8(clean));
  FUZZ_CHECK(NoRemovedControls(clean));
  if (valid && NoRemovedControls(input)) FUZZ_CHECK(clean == input);

  const std::string replaced = text::ReplaceInvalidUtf8(input);
  FUZZ_CHECK(fuzz::Utf8(replaced));
  if (valid) FUZZ_CHECK(replaced == input);
  // Valid UTF-8 holds no encoded surrogates, so it comes back unchanged.
  if (valid) FUZZ_CHECK(text::ReplaceEncodedSurrogates(input) == input);

  // One line, no control byte; the identity on text without controls.
  const std::string escaped_controls = text::EscapeControls(input);
  const auto is_control = [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; };
  FUZZ_CHECK(std::none_of(escaped_controls.begin(), escaped_controls.end(), is_control));
  if (std::none_of(input.begin(), input.end(), is_control)) FUZZ_CHECK(escaped_controls == input);

  if (input.size() <= 64) FUZZ_CHECK(fuzz::Utf8(text::LookupHtmlEntity(input)));

  auto doc = feeds::DecodeToUtf8(input, hint);
  if (doc.ok()) {
    FUZZ_CHECK(fuzz::Utf8(doc->text));
    FUZZ_CHECK(!doc->charset.empty());
  }
  return 0;
}
