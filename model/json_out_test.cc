#include "model/json_out.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace mineral {
namespace {

// What RapidJSON's own writer makes of the string `text` (as a value, and as
// the key of a one-member object): JsonOut copies strings that need no
// escaping whole, and must write the very same bytes.
std::string RapidJsonString(const std::string& text) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartArray();
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  writer.StartObject();
  writer.Key(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  writer.Int(1);
  writer.EndObject();
  writer.EndArray();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string JsonOutString(const std::string& text) {
  JsonOut out;
  out.w().StartArray();
  out.String(text);
  out.w().StartObject();
  out.Int(text, 1);
  out.w().EndObject();
  out.w().EndArray();
  return out.Take();
}

TEST_CASE("JsonOut writes every byte as RapidJSON's writer does, wherever it stands") {
  // Each byte value at each position of strings around the 16-byte blocks
  // the scan reads, in a run of plain text, UTF-8 and all.
  for (size_t length : {1u, 2u, 15u, 16u, 17u, 31u, 32u, 33u, 47u}) {
    for (size_t at = 0; at < length; ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string text(length, 'a');
        text[at] = static_cast<char>(byte);
        INFO("length " << length << ", byte " << byte << " at " << at);
        REQUIRE(JsonOutString(text) == RapidJsonString(text));
        REQUIRE(json_out_detail::NeedsEscape(text) == json_out_detail::NeedsEscapeBytewise(text));
      }
    }
  }
  for (const std::string& text :
       {std::string(), std::string("plain"), std::string("\xC3\xA9t\xC3\xA9"),
        std::string("tab\there"), std::string("\"quoted\" \\ back"), std::string(1000, 'x') + "\n",
        std::string("\x7F\x80\xFF", 3), std::string("nul\0byte", 8)}) {
    CHECK(JsonOutString(text) == RapidJsonString(text));
  }
}

TEST_CASE("JsonOut with room reserved writes the same as without") {
  const std::vector<std::string> labels = {"a", "b\"c"};
  auto write = [&labels](JsonOut& out) {
    out.w().StartObject();
    out.Str("version", "1");
    out.StrOrNull("empty", "");
    out.Strings("labels", labels);
    out.Time("at", UtcTime{} + std::chrono::seconds(1'700'000'000));
    out.Time("never", std::nullopt);
    out.TimeIfSet("also", UtcTime{});
    out.Int("n", -42);
    out.Bool("yes", true);
    out.w().EndObject();
    return out.Take();
  };
  JsonOut plain;
  JsonOut roomy(4096);
  const std::string expected =
      "{\"version\":\"1\",\"empty\":null,\"labels\":[\"a\",\"b\\\"c\"],"
      "\"at\":\"2023-11-14T22:13:20Z\",\"never\":null,\"also\":\"1970-01-01T00:00:00Z\","
      "\"n\":-42,\"yes\":true}";
  CHECK(write(plain) == expected);
  CHECK(write(roomy) == expected);
}

}  // namespace
}  // namespace mineral
