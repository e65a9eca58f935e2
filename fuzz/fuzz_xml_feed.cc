// libFuzzer target: the XML feed parser (RSS 0.9x/2.0, RSS 1.0, Atom) alone,
// and the whole front door feeds::Parse with the format detected.
//
//   build/fuzz/fuzz/fuzz_xml_feed -dict=fuzz/xml.dict -max_len=65536 CORPUS SEEDS
#include <cstddef>
#include <cstdint>
#include <string>

#include "feeds/parser.h"
#include "feeds/xml_feed_parser.h"
#include "fuzz/fuzz_checks.h"
#include "text/text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mineral;
  const std::string_view input = fuzz::AsText(data, size);
  const feeds::ParseOptions options = fuzz::FuzzOptions();

  // ParseXmlFeed takes UTF-8 (Parse converts first), so give it UTF-8; its
  // output must then be UTF-8 too (character references included).
  std::string sanitized;
  std::string_view utf8 = input;
  if (!text::IsValidUtf8(input)) {
    sanitized = text::SanitizeUtf8(input);
    FUZZ_CHECK(fuzz::Utf8(sanitized));
    utf8 = sanitized;
  }
  auto raw = feeds::ParseXmlFeed(utf8, options);
  if (raw.ok()) fuzz::CheckUtf8(*raw);

  // The front door takes any bytes.
  auto parsed = feeds::Parse(input, options);
  if (parsed.ok()) fuzz::CheckNormalized(*parsed, options);
  return 0;
}
