#include "feeds/json_feed.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "model/time.h"
#include "tests/testkit/mutator.h"

namespace mineral::feeds {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Rfc3339(const std::optional<UtcTime>& t) { return t ? FormatRfc3339(*t) : "(none)"; }

ParsedFeed ParseOk(std::string_view doc) {
  Result<ParsedFeed> r = ParseJsonFeed(doc, ParseOptions{});
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::string ParseError(std::string_view doc, const ParseOptions& options = {}) {
  Result<ParsedFeed> r = ParseJsonFeed(doc, options);
  REQUIRE_FALSE(r.ok());
  return r.status().message();
}

TEST_CASE("JSON Feed 1.1: feed and item fields") {
  const ParsedFeed parsed = ParseOk(R"({
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Critical Minerals Wire",
    "home_page_url": "https://example.org/",
    "feed_url": "https://example.org/feed.json",
    "description": "Policy news",
    "language": "en-US",
    "authors": [{"name": "Desk"}],
    "items": [
      {
        "id": "urn:example:1",
        "url": "https://example.org/1",
        "external_url": "https://other.example/1",
        "title": "Gallium export controls tightened",
        "content_html": "<p>Gallium &amp; germanium</p>",
        "content_text": "Gallium & germanium",
        "summary": "Short summary",
        "date_published": "2025-10-09T08:00:00+08:00",
        "date_modified": "2025-10-10T00:00:00Z",
        "authors": [{"name": "Li Wei"}, {"url": "https://example.org/nameless"}, {"name": "Ann"}],
        "tags": ["gallium", 7, "export controls"],
        "language": "zh-CN",
        "attachments": [
          {"url": "https://example.org/1.pdf", "mime_type": "application/pdf", "size_in_bytes": 2048},
          {"mime_type": "text/plain"},
          {"url": "https://example.org/1.mp3", "size_in_bytes": -5}
        ]
      },
      {
        "id": "2",
        "external_url": "https://other.example/2",
        "content_text": "No title here"
      }
    ]
  })");
  CHECK(parsed.error.empty());
  CHECK(parsed.feed.format == FeedFormat::kJsonFeed);
  CHECK(parsed.feed.version == "jsonfeed11");
  CHECK(parsed.feed.title == "Critical Minerals Wire");
  CHECK(parsed.feed.link == "https://example.org/");
  CHECK(parsed.feed.description == "Policy news");
  CHECK(parsed.feed.language == "en-US");
  REQUIRE(parsed.items.size() == 2);

  const Item& a = parsed.items[0];
  CHECK(a.key.empty());  // NormalizeFeed's job
  CHECK(a.guid == "urn:example:1");
  CHECK(a.link == "https://example.org/1");
  CHECK(a.title == "Gallium export controls tightened");
  CHECK(a.content_html == "<p>Gallium &amp; germanium</p>");
  CHECK(a.content_text == "Gallium & germanium");
  CHECK(a.summary_text == "Short summary");
  CHECK(a.summary_html.empty());
  CHECK(Rfc3339(a.published) == "2025-10-09T00:00:00Z");
  CHECK(Rfc3339(a.updated) == "2025-10-10T00:00:00Z");
  CHECK(a.authors == std::vector<std::string>{"Li Wei", "Ann"});
  CHECK(a.categories == std::vector<std::string>{"gallium", "export controls"});
  CHECK(a.language == "zh-CN");
  REQUIRE(a.enclosures.size() == 2);
  CHECK(a.enclosures[0].url == "https://example.org/1.pdf");
  CHECK(a.enclosures[0].type == "application/pdf");
  CHECK(a.enclosures[0].length == 2048);
  CHECK(a.enclosures[1].url == "https://example.org/1.mp3");
  CHECK(a.enclosures[1].type.empty());
  CHECK(a.enclosures[1].length == 0);
  CHECK(a.source_feed.empty());

  const Item& b = parsed.items[1];
  CHECK(b.guid == "2");
  CHECK(b.link == "https://other.example/2");  // no url: external_url
  CHECK(b.title.empty());
  CHECK(b.content_text == "No title here");
  CHECK_FALSE(b.published);
  CHECK(b.authors == std::vector<std::string>{"Desk"});  // inherited from the feed
  CHECK(b.language.empty());                             // NormalizeFeed fills it
}

TEST_CASE("JSON Feed 1.0: author object, number ids") {
  const ParsedFeed parsed = ParseOk(R"({
    "version": "https://jsonfeed.org/version/1",
    "title": "Old feed",
    "author": {"name": "Editor"},
    "items": [
      {"id": 1234567890123, "url": "https://example.org/a", "author": {"name": "Writer"}},
      {"id": 2.5, "url": "https://example.org/b"},
      {"id": -7, "url": "https://example.org/c", "author": "not an object"},
      {"id": true, "url": "https://example.org/d", "authors": [], "author": {"name": "Fallback"}}
    ]
  })");
  CHECK(parsed.feed.version == "jsonfeed10");
  REQUIRE(parsed.items.size() == 4);
  CHECK(parsed.items[0].guid == "1234567890123");
  CHECK(parsed.items[0].authors == std::vector<std::string>{"Writer"});
  CHECK(parsed.items[1].guid == "2.5");
  CHECK(parsed.items[1].authors == std::vector<std::string>{"Editor"});
  CHECK(parsed.items[2].guid == "-7");
  CHECK(parsed.items[2].authors == std::vector<std::string>{"Editor"});
  CHECK(parsed.items[3].guid.empty());
  CHECK(parsed.items[3].authors == std::vector<std::string>{"Fallback"});
}

TEST_CASE("JSON Feed: version names") {
  using Case = std::pair<std::string, std::string>;
  const Case c = GENERATE(Case{"https://jsonfeed.org/version/1", "jsonfeed10"},
                          Case{"https://jsonfeed.org/version/1.1", "jsonfeed11"},
                          Case{"https://jsonfeed.org/version/1.1/", "jsonfeed11"},
                          Case{"http://jsonfeed.org/version/1", "jsonfeed10"},
                          Case{"https://jsonfeed.org/version/1.2", "jsonfeed12"});
  const ParsedFeed parsed = ParseOk(R"({"version": ")" + c.first + R"(", "items": []})");
  CHECK(parsed.feed.version == c.second);
}

TEST_CASE("JSON Feed: wrong types are ignored, never fatal") {
  const ParsedFeed parsed = ParseOk(R"({
    "version": "https://jsonfeed.org/version/1.1",
    "title": 42, "home_page_url": ["x"], "description": null, "language": {},
    "authors": "nobody",
    "items": [
      {"id": {"a": 1}, "url": 5, "external_url": "https://example.org/x", "title": [],
       "content_html": 1, "content_text": false, "summary": {}, "date_published": 20250101,
       "date_modified": "not a date", "authors": {"name": "x"}, "tags": "one",
       "language": 3, "attachments": {"url": "https://example.org/a"}},
      "a string item",
      {"attachments": [null, 1, {"url": 2}, {"url": "https://example.org/z", "size_in_bytes": "9"}],
       "tags": [null, "ok"], "authors": [1, {"name": 2}, {"name": "Named"}]}
    ]
  })");
  CHECK(parsed.feed.title.empty());
  CHECK(parsed.feed.link.empty());
  CHECK(parsed.error == "JSON Feed item 1 is not an object");
  REQUIRE(parsed.items.size() == 2);
  const Item& a = parsed.items[0];
  CHECK(a.guid.empty());
  CHECK(a.link == "https://example.org/x");
  CHECK(a.title.empty());
  CHECK(a.content_html.empty());
  CHECK(a.content_text.empty());
  CHECK(a.summary_text.empty());
  CHECK_FALSE(a.published);
  CHECK_FALSE(a.updated);
  CHECK(a.authors.empty());
  CHECK(a.categories.empty());
  CHECK(a.enclosures.empty());
  const Item& b = parsed.items[1];
  REQUIRE(b.enclosures.size() == 1);
  CHECK(b.enclosures[0].length == 0);
  CHECK(b.categories == std::vector<std::string>{"ok"});
  CHECK(b.authors == std::vector<std::string>{"Named"});
}

TEST_CASE("JSON Feed: escaped lone surrogates become U+FFFD") {
  // RapidJSON rejects a lone high surrogate but decodes a lone low one into
  // bytes that are not UTF-8.
  const ParsedFeed parsed = ParseOk(
      R"({"version": "https://jsonfeed.org/version/1.1", "title": "\ud83d\ude00",
          "items": [{"id": "a\udc00b", "title": "\u00e9\udfff", "tags": ["\udc80"]}]})");
  CHECK(parsed.feed.title == "\xF0\x9F\x98\x80");  // a valid pair stays
  REQUIRE(parsed.items.size() == 1);
  CHECK(parsed.items[0].guid ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(parsed.items[0].title == "\xC3\xA9\xEF\xBF\xBD");
  CHECK(parsed.items[0].categories == std::vector<std::string>{"\xEF\xBF\xBD"});
  // RapidJSON's offset for this error differs between builds; the words do not.
  const std::string error = ParseError(R"({"version": "\ud800x"})");
  CHECK_THAT(error, Catch::StartsWith("JSON parse error at offset 1") &&
                        Catch::EndsWith(": The surrogate pair in string is invalid."));
}

TEST_CASE("JSON Feed: missing or malformed items list is reported, feed kept") {
  ParsedFeed parsed = ParseOk(R"({"version": "https://jsonfeed.org/version/1.1", "title": "T"})");
  CHECK(parsed.feed.title == "T");
  CHECK(parsed.items.empty());
  CHECK(parsed.error == "JSON Feed has no \"items\" array");
  parsed = ParseOk(R"({"version": "https://jsonfeed.org/version/1.1", "items": {}})");
  CHECK(parsed.error == "JSON Feed \"items\" is not an array");
}

TEST_CASE("JSON Feed: errors") {
  CHECK(ParseError(R"({"version": "https://jsonfeed.org/version/1.1" "items": []})") ==
        "JSON parse error at offset 47: Missing a comma or '}' after an object member.");
  CHECK(ParseError("") == "JSON parse error at offset 0: The document is empty.");
  CHECK(ParseError(R"({"version": "https://jsonfeed.org/version/1", "items": []} [])") ==
        "JSON parse error at offset 59: The document root must not be followed by other values.");
  CHECK(ParseError(std::string("{\"version\": \"https://jsonfeed.org/version/1\"}\0[]", 49)) ==
        "JSON parse error at offset 45: The document root must not be followed by other values.");
  CHECK(ParseError(R"({"version": "https://jsonfeed.org/version/1", "x": NaN})") ==
        "JSON parse error at offset 51: Invalid value.");
  CHECK(ParseError("{\"version\": \"\xff\"}") ==
        "JSON parse error at offset 13: Invalid encoding in string.");
  CHECK(ParseError(R"([{"version": "https://jsonfeed.org/version/1"}])") ==
        "not a JSON Feed: the top-level value is not an object");
  CHECK(ParseError(R"({"title": "x", "items": []})") == "not a JSON Feed: no \"version\" string");
  CHECK(ParseError(R"({"version": "1.1", "items": []})") ==
        "not a JSON Feed: version \"1.1\" is not https://jsonfeed.org/version/...");

  ParseOptions small;
  small.max_document_bytes = 10;
  Result<ParsedFeed> r = ParseJsonFeed(R"({"version": "https://jsonfeed.org/version/1"})", small);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kTooLarge);
  CHECK(r.status().message() == "JSON Feed of 45 bytes exceeds the limit of 10");
}

TEST_CASE("JSON Feed: deep nesting does not exhaust the stack") {
  std::string doc = R"({"version": "https://jsonfeed.org/version/1.1", "items": [{"x": )";
  doc += std::string(200000, '[');
  doc += std::string(200000, ']');
  doc += "}]}";
  const ParsedFeed parsed = ParseOk(doc);
  CHECK(parsed.items.size() == 1);
  // Unclosed, as a fuzzer would write it.
  CHECK(ParseError(std::string(100000, '[')).rfind("JSON parse error at offset 100000: ", 0) == 0);
}

TEST_CASE("JSON Feed: feedparser conformance example") {
  const std::string doc =
      ReadFile(MINERAL_SHARED_DIR "/conformance/feedparser/cases/json/example.json");
  const ParsedFeed parsed = ParseOk(doc);
  CHECK(parsed.error.empty());
  CHECK(parsed.feed.title == "My Example Feed");
  CHECK(parsed.feed.link == "https://example.org/");
  CHECK(parsed.feed.version == "jsonfeed10");
  REQUIRE(parsed.items.size() == 2);
  CHECK(parsed.items[0].guid == "2");
  CHECK(parsed.items[0].title == "post 2");
  CHECK(parsed.items[0].link == "https://example.org/second-item");
  CHECK(parsed.items[0].content_text == "This is a second item.");
  CHECK(parsed.items[0].authors == std::vector<std::string>{"me"});
  CHECK(parsed.items[0].categories == std::vector<std::string>{"test", "JSON"});
  REQUIRE(parsed.items[0].enclosures.size() == 1);
  CHECK(parsed.items[0].enclosures[0].url == "https://example.org/second-item-show.mp4");
  CHECK(parsed.items[0].enclosures[0].type == "video/mp4");
  CHECK(parsed.items[0].enclosures[0].length == 12000000);
  CHECK(parsed.items[1].guid == "1");
  CHECK(parsed.items[1].authors == std::vector<std::string>{"you"});
  CHECK(parsed.items[1].content_html == "<p>Hello, world!</p>\n\n<script>alert();</script>");
}

// A cheap stand-in for the fuzzer: mutated copies of the conformance example.
TEST_CASE("JSON Feed: mutated documents never crash") {
  const std::string original =
      ReadFile(MINERAL_SHARED_DIR "/conformance/feedparser/cases/json/example.json");
  testkit::Mutator mutator(0x2545F4914F6CDD1Du);
  size_t parsed_ok = 0;
  for (int round = 0; round < 2000; ++round) {
    const std::string doc = mutator.MutateJson(original);
    if (ParseJsonFeed(doc, ParseOptions{}).ok()) ++parsed_ok;
  }
  CHECK(parsed_ok > 0);
}

}  // namespace
}  // namespace mineral::feeds
