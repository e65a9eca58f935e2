// Every input a fuzzer once crashed on (tests/regressions/<target>/) runs
// through every parser in the normal test suite too, so a regression shows in
// CI and not only in the clang fuzz build.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "feeds/date.h"
#include "feeds/json_feed.h"
#include "feeds/json_mapping.h"
#include "feeds/parser.h"
#include "text/text.h"

namespace mineral::feeds {
namespace {

void CheckItemsValid(const ParsedFeed& f) {
  CHECK(text::IsValidUtf8(f.feed.title));
  CHECK(text::IsValidUtf8(f.feed.link));
  for (const Item& item : f.items) {
    CHECK(text::IsValidUtf8(item.key));
    CHECK(text::IsValidUtf8(item.guid));
    CHECK(text::IsValidUtf8(item.title));
    CHECK(text::IsValidUtf8(item.link));
    CHECK(text::IsValidUtf8(item.summary_text));
    CHECK(text::IsValidUtf8(item.content_text));
    for (const auto& c : item.categories) CHECK(text::IsValidUtf8(c));
    for (const auto& a : item.authors) CHECK(text::IsValidUtf8(a));
  }
}

TEST_CASE("Fuzzer regression inputs parse cleanly everywhere") {
  const std::filesystem::path root =
      std::filesystem::path(MINERAL_SOURCE_DIR) / "tests/regressions";
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    const std::string data = s.str();
    INFO(entry.path().string());
    if (auto r = Parse(data, {}); r.ok()) CheckItemsValid(*r);
    if (auto r = ParseJsonFeed(data, {}); r.ok()) CheckItemsValid(*r);
    for (std::string_view name : BuiltinMappingNames()) {
      auto mapping = LoadBuiltinMapping(name);
      REQUIRE(mapping.ok());
      if (auto r = ParseMappedJson(data, *mapping, {}); r.ok()) CheckItemsValid(*r);
    }
    (void)ParseDate(data);
    // HtmlToText takes UTF-8, as every parser hands it; raw bytes go through
    // SanitizeUtf8 first, as the parsers do.
    CHECK(text::IsValidUtf8(text::HtmlToText(text::SanitizeUtf8(data))));
    CHECK(text::IsValidUtf8(text::NormalizeForMatching(data)));
  }
  CHECK(files > 0);
}

}  // namespace
}  // namespace mineral::feeds
