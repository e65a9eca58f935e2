// libFuzzer target: JSON APIs read through mappings.  The input is read as a
// document with every shipped mapping, as a mapping file itself (and, when it
// is one, used on itself), and as a JsonPath.
//
//   build/fuzz/fuzz/fuzz_mapped_json -dict=fuzz/json.dict -max_len=65536 CORPUS SEEDS
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "feeds/json_mapping.h"
#include "feeds/parser.h"
#include "fuzz/fuzz_checks.h"
#include "text/text.h"

namespace {

const std::vector<mineral::feeds::JsonMapping>& BuiltinMappings() {
  static const auto* mappings = [] {
    auto* v = new std::vector<mineral::feeds::JsonMapping>;
    for (std::string_view name : mineral::feeds::BuiltinMappingNames()) {
      auto m = mineral::feeds::LoadBuiltinMapping(name);
      if (!m.ok()) {
        std::fprintf(stderr, "builtin mapping %.*s does not load: %s\n",
                     static_cast<int>(name.size()), name.data(), m.status().ToString().c_str());
        std::abort();
      }
      v->push_back(std::move(*m));
    }
    return v;
  }();
  return *mappings;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mineral;
  const std::string_view input = fuzz::AsText(data, size);
  const auto& mappings = BuiltinMappings();
  feeds::ParseOptions options = fuzz::FuzzOptions();

  std::string sanitized;
  std::string_view utf8 = input;
  if (!text::IsValidUtf8(input)) {
    sanitized = text::SanitizeUtf8(input);
    utf8 = sanitized;
  }
  for (const feeds::JsonMapping& m : mappings) {
    auto raw = feeds::ParseMappedJson(utf8, m, options);
    if (raw.ok()) fuzz::CheckUtf8(*raw);
  }

  // The front door with one of the mappings (chosen by the input's size).
  if (!mappings.empty()) {
    options.mapping = &mappings[size % mappings.size()];
    auto parsed = feeds::Parse(input, options);
    if (parsed.ok()) fuzz::CheckNormalized(*parsed, options);
    options.mapping = nullptr;
  }

  // The input as a mapping file, then as a document read with itself.
  auto mapping = feeds::ParseJsonMapping(utf8, "fuzz.json");
  if (mapping.ok()) {
    auto self = feeds::ParseMappedJson(utf8, *mapping, options);
    if (self.ok()) fuzz::CheckUtf8(*self);
  }

  if (size <= 256) (void)feeds::ParseJsonPath(input);
  return 0;
}
