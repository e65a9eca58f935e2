// libFuzzer target: the JSON Feed parser alone, and feeds::Parse told the
// document is a JSON Feed.
//
//   build/fuzz/fuzz/fuzz_json_feed -dict=fuzz/json.dict -max_len=65536 CORPUS SEEDS
#include <cstddef>
#include <cstdint>
#include <string>

#include "feeds/json_feed.h"
#include "feeds/parser.h"
#include "fuzz/fuzz_checks.h"
#include "text/text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mineral;
  const std::string_view input = fuzz::AsText(data, size);
  feeds::ParseOptions options = fuzz::FuzzOptions();

  std::string sanitized;
  std::string_view utf8 = input;
  if (!text::IsValidUtf8(input)) {
    sanitized = text::SanitizeUtf8(input);
    utf8 = sanitized;
  }
  auto raw = feeds::ParseJsonFeed(utf8, options);
  if (raw.ok()) fuzz::CheckUtf8(*raw);

  options.format = FeedFormat::kJsonFeed;
  auto parsed = feeds::Parse(input, options);
  if (parsed.ok()) fuzz::CheckNormalized(*parsed, options);
  return 0;
}
