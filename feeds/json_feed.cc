#include "feeds/json_feed.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "feeds/date.h"
#include "text/text.h"

namespace mineral::feeds {
namespace {

using rapidjson::Value;

// Iterative parsing keeps the call stack flat whatever the nesting depth (the
// parser is fuzzed); encoding validation rejects bytes that are not UTF-8,
// since every string we keep ends up in an Item.  NaN/Infinity stay errors.
constexpr unsigned kJsonFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
// For a document already known to be valid UTF-8, where RapidJSON's own check
// (several times slower than text::IsValidUtf8) can find nothing.
constexpr unsigned kValidUtf8JsonFlags = rapidjson::kParseIterativeFlag;

// RapidJSON writes an escaped lone low surrogate ("\udc00") as the three
// bytes of U+DC00, which UTF-8 forbids.
std::string Utf8String(const char* data, size_t size) {
  return text::ReplaceEncodedSurrogates(std::string_view(data, size));
}

const Value* Member(const Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// Members of the wrong type are ignored, as if absent: a feed with a number
// where a string belongs still gives the rest of its items.
std::string StringMember(const Value& object, const char* name) {
  const Value* v = Member(object, name);
  if (v == nullptr || !v->IsString()) return {};
  return Utf8String(v->GetString(), v->GetStringLength());
}

// JSON Feed ids are strings, but some generators write numbers; the spec asks
// readers to accept them.  Integers print exactly; other numbers as RapidJSON
// writes them (shortest round-trip form).
std::string IdToString(const Value& v) {
  if (v.IsString()) return Utf8String(v.GetString(), v.GetStringLength());
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  if (v.IsDouble()) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    if (writer.Double(v.GetDouble())) return std::string(buffer.GetString(), buffer.GetSize());
  }
  return {};
}

std::optional<UtcTime> DateMember(const Value& object, const char* name) {
  const Value* v = Member(object, name);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return ParseDate(std::string_view(v->GetString(), v->GetStringLength()));
}

void AppendAuthorName(const Value& author, std::vector<std::string>& names) {
  std::string name = StringMember(author, "name");
  text::CollapseWhitespaceInPlace(name);
  if (!name.empty()) names.push_back(std::move(name));
}

// Version 1.1 has an "authors" array and deprecates 1.0's single "author"
// object; when both are present, "authors" wins (spec section "authors").
std::vector<std::string> AuthorNames(const Value& object) {
  std::vector<std::string> names;
  if (const Value* authors = Member(object, "authors"); authors != nullptr && authors->IsArray()) {
    for (const Value& author : authors->GetArray()) AppendAuthorName(author, names);
    if (!names.empty()) return names;
  }
  if (const Value* author = Member(object, "author"); author != nullptr) {
    AppendAuthorName(*author, names);
  }
  return names;
}

int64_t SizeInBytes(const Value& attachment) {
  const Value* v = Member(attachment, "size_in_bytes");
  if (v == nullptr || !v->IsNumber()) return 0;
  if (v->IsInt64()) return v->GetInt64() > 0 ? v->GetInt64() : 0;
  if (v->IsUint64()) return 0;  // beyond int64: no meaningful size
  const double d = v->GetDouble();
  // Guard the conversion: out-of-range doubles are undefined behaviour.
  return d >= 1.0 && d < 9.0e18 ? static_cast<int64_t>(d) : 0;
}

Item ReadItem(const Value& object, const std::vector<std::string>& feed_authors) {
  Item item;
  // Title, GUID, authors and tags are whitespace-collapsed here, as every
  // format parser leaves them (normalize.h).
  if (const Value* id = Member(object, "id"); id != nullptr) item.guid = IdToString(*id);
  text::CollapseWhitespaceInPlace(item.guid);
  item.link = StringMember(object, "url");
  if (item.link.empty()) item.link = StringMember(object, "external_url");
  item.title = StringMember(object, "title");
  text::CollapseWhitespaceInPlace(item.title);
  item.content_html = StringMember(object, "content_html");
  item.content_text = StringMember(object, "content_text");
  // JSON Feed's summary is plain text ("a plain text sentence or two").
  item.summary_text = StringMember(object, "summary");
  item.published = DateMember(object, "date_published");
  item.updated = DateMember(object, "date_modified");
  item.authors = AuthorNames(object);
  // Spec: "If not specified in an item, then the top-level authors, if
  // present, are the authors of the item."
  if (item.authors.empty()) item.authors = feed_authors;
  if (const Value* tags = Member(object, "tags"); tags != nullptr && tags->IsArray()) {
    for (const Value& tag : tags->GetArray()) {
      if (!tag.IsString()) continue;
      std::string category = Utf8String(tag.GetString(), tag.GetStringLength());
      text::CollapseWhitespaceInPlace(category);
      if (!category.empty()) item.categories.push_back(std::move(category));
    }
  }
  item.language = StringMember(object, "language");
  if (const Value* list = Member(object, "attachments"); list != nullptr && list->IsArray()) {
    for (const Value& attachment : list->GetArray()) {
      Enclosure enclosure;
      enclosure.url = StringMember(attachment, "url");
      if (enclosure.url.empty()) continue;  // "url" is required for an attachment
      enclosure.type = StringMember(attachment, "mime_type");
      enclosure.length = SizeInBytes(attachment);
      item.enclosures.push_back(std::move(enclosure));
    }
  }
  return item;
}

// "https://jsonfeed.org/version/1.1" -> "jsonfeed11"; empty when `version`
// does not name JSON Feed at all.  Later minor versions are read with the
// 1.1 rules, which the spec promises stay compatible.
std::string VersionName(std::string_view version) {
  for (std::string_view prefix :
       {"https://jsonfeed.org/version/", "http://jsonfeed.org/version/"}) {
    if (version.substr(0, prefix.size()) != prefix) continue;
    std::string_view number = version.substr(prefix.size());
    if (!number.empty() && number.back() == '/') number.remove_suffix(1);
    if (number == "1" || number == "1.0") return "jsonfeed10";
    if (number == "1.1") return "jsonfeed11";
    std::string name = "jsonfeed";
    for (char c : number) {
      if (c >= '0' && c <= '9') name += c;
    }
    return name;
  }
  return {};
}

std::string ParseErrorMessage(const rapidjson::Document& doc) {
  return "JSON parse error at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
         rapidjson::GetParseError_En(doc.GetParseError());
}

}  // namespace

Result<ParsedFeed> ParseJsonFeed(std::string_view utf8, const ParseOptions& options) {
  if (utf8.size() > options.max_document_bytes) {
    return Status::TooLarge("JSON Feed of " + std::to_string(utf8.size()) +
                            " bytes exceeds the limit of " +
                            std::to_string(options.max_document_bytes));
  }
  // Parsed in place, in a copy of the bytes: every string is decoded where it
  // stands instead of being copied into the document's own storage (a third
  // of RapidJSON's time).  The copy ends in a NUL, where in-place parsing
  // stops; RapidJSON stops at a NUL either way (below).
  std::string buffer(utf8);
  rapidjson::Document doc;
  if (text::IsValidUtf8(utf8)) {
    doc.ParseInsitu<kValidUtf8JsonFlags>(buffer.data());
  } else {
    doc.ParseInsitu<kJsonFlags>(buffer.data());  // reports where the bad byte is
  }
  if (doc.HasParseError()) return Status::ParseError(ParseErrorMessage(doc));
  // RapidJSON reads a NUL byte as the end of input, so "{}\0junk" would pass;
  // the whole document must be one JSON value.
  if (size_t nul = utf8.find('\0'); nul != std::string_view::npos) {
    return Status::ParseError(
        "JSON parse error at offset " + std::to_string(nul) + ": " +
        rapidjson::GetParseError_En(rapidjson::kParseErrorDocumentRootNotSingular));
  }
  if (!doc.IsObject()) {
    return Status::ParseError("not a JSON Feed: the top-level value is not an object");
  }
  const Value* version = Member(doc, "version");
  if (version == nullptr || !version->IsString()) {
    return Status::ParseError("not a JSON Feed: no \"version\" string");
  }
  ParsedFeed parsed;
  parsed.feed.format = FeedFormat::kJsonFeed;
  parsed.feed.version =
      VersionName(std::string_view(version->GetString(), version->GetStringLength()));
  if (parsed.feed.version.empty()) {
    return Status::ParseError("not a JSON Feed: version \"" +
                              std::string(version->GetString(), version->GetStringLength()) +
                              "\" is not https://jsonfeed.org/version/...");
  }
  parsed.feed.title = StringMember(doc, "title");
  parsed.feed.link = StringMember(doc, "home_page_url");
  parsed.feed.description = StringMember(doc, "description");
  parsed.feed.language = StringMember(doc, "language");
  const std::vector<std::string> feed_authors = AuthorNames(doc);

  const Value* items = Member(doc, "items");
  if (items == nullptr || !items->IsArray()) {
    // "items" is required; without it we still have a feed, so report the
    // problem the way ill-formed XML feeds are reported.
    parsed.error = items == nullptr ? "JSON Feed has no \"items\" array"
                                    : "JSON Feed \"items\" is not an array";
    return parsed;
  }
  size_t index = 0;
  for (const Value& object : items->GetArray()) {
    if (!object.IsObject()) {
      if (parsed.error.empty()) {
        parsed.error = "JSON Feed item " + std::to_string(index) + " is not an object";
      }
    } else {
      parsed.items.push_back(ReadItem(object, feed_authors));
    }
    ++index;
  }
  return parsed;
}

}  // namespace mineral::feeds
