#include "feeds/parser.h"

#include <cstring>

#include "feeds/encoding.h"
#include "feeds/json_feed.h"
#include "feeds/json_mapping.h"
#include "feeds/normalize.h"
#include "feeds/xml_feed_parser.h"
#include "text/text.h"

namespace mineral::feeds {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Skips whitespace, the XML declaration, comments, processing instructions
// and any DOCTYPE that is not HTML's; returns what follows.
std::string_view SkipProlog(std::string_view s) {
  for (;;) {
    while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
    if (s.substr(0, 3) == "\xEF\xBB\xBF") {
      s.remove_prefix(3);
      continue;
    }
    size_t end = std::string_view::npos;
    if (s.substr(0, 4) == "<!--") {
      end = s.find("-->");
      if (end != std::string_view::npos) end += 3;
    } else if (s.substr(0, 2) == "<?") {
      end = s.find("?>");
      if (end != std::string_view::npos) end += 2;
    } else if (text::StartsWithIgnoreAsciiCase(s, "<!doctype")) {
      // The internal subset may hold '>' inside brackets.
      const size_t bracket = s.find('[');
      const size_t gt = s.find('>');
      if (bracket != std::string_view::npos && bracket < gt) {
        end = s.find("]>", bracket);
        if (end == std::string_view::npos) end = s.find(']', bracket);
        if (end != std::string_view::npos) end = s.find('>', end);
      } else {
        end = gt;
      }
      if (end != std::string_view::npos) end += 1;
    } else {
      return s;
    }
    if (end == std::string_view::npos) return {};
    s.remove_prefix(end);
  }
}

// Judged by the root element: an RSS feed may carry an XHTML DOCTYPE.
bool LooksLikeHtmlPage(std::string_view s) {
  s = SkipProlog(s);
  return text::StartsWithIgnoreAsciiCase(s, "<html") ||
         text::StartsWithIgnoreAsciiCase(s, "<head") || text::StartsWithIgnoreAsciiCase(s, "<body");
}

}  // namespace

FeedFormat DetectFormat(std::string_view bytes) {
  const std::string_view s = SkipProlog(bytes);
  if (s.empty()) return FeedFormat::kUnknown;
  if (s.front() == '{' || s.front() == '[') {
    if (s.front() == '{' && bytes.find("https://jsonfeed.org/version/") != std::string_view::npos) {
      return FeedFormat::kJsonFeed;
    }
    return FeedFormat::kJson;
  }
  if (s.front() != '<') return FeedFormat::kUnknown;
  size_t end = 1;
  while (end < s.size() && !IsSpace(s[end]) && s[end] != '>' && s[end] != '/') ++end;
  std::string_view name = s.substr(1, end - 1);
  if (const size_t colon = name.find(':'); colon != std::string_view::npos) {
    name.remove_prefix(colon + 1);
  }
  auto is = [&](std::string_view n) { return text::EqualsIgnoreAsciiCase(name, n); };
  if (is("rss")) return FeedFormat::kRss;
  if (is("rdf")) return FeedFormat::kRdf;
  if (is("feed")) return FeedFormat::kAtom;
  if (is("channel")) return FeedFormat::kRss;  // CDF and wrapper-less RSS
  return FeedFormat::kUnknown;
}

Result<ParsedFeed> Parse(std::string_view bytes, const ParseOptions& options) {
  if (bytes.size() > options.max_document_bytes) {
    return Status::TooLarge("document is " + std::to_string(bytes.size()) +
                            " bytes; the limit is " + std::to_string(options.max_document_bytes));
  }
  if (bytes.find_first_not_of(" \t\r\n\f") == std::string_view::npos) {
    return Status::ParseError("empty document");
  }
  const std::string charset_hint = CharsetFromContentType(options.content_type);
  // Most feeds are clean UTF-8 already: parse them in place rather than copy
  // a document of megabytes.
  std::string converted;
  std::string_view text = bytes;
  if (IsCleanUtf8(bytes, charset_hint)) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  } else {
    Result<Utf8Document> decoded = DecodeToUtf8(bytes, charset_hint);
    if (!decoded.ok()) return decoded.status();
    converted = std::move(decoded->text);
    text = converted;
  }

  FeedFormat format = options.format;
  if (format == FeedFormat::kUnknown) {
    format = DetectFormat(text);
    if (format == FeedFormat::kJson && options.mapping == nullptr &&
        text.find("\"version\"") != std::string_view::npos &&
        text.find("jsonfeed.org") != std::string_view::npos) {
      format = FeedFormat::kJsonFeed;
    }
  }
  Result<ParsedFeed> parsed = Status::ParseError("unreachable");
  switch (format) {
    case FeedFormat::kRss:
    case FeedFormat::kRdf:
    case FeedFormat::kAtom:
      parsed = ParseXmlFeed(text, options);
      break;
    case FeedFormat::kJsonFeed:
      parsed = ParseJsonFeed(text, options);
      break;
    case FeedFormat::kJson:
      if (options.mapping == nullptr) {
        return Status::InvalidArgument(
            "the document is JSON but not a JSON Feed; it needs a mapping (see "
            "docs/json-mapping.md)");
      }
      parsed = ParseMappedJson(text, *options.mapping, options);
      break;
    case FeedFormat::kUnknown:
      if (LooksLikeHtmlPage(text)) {
        return Status::ParseError("not a feed: the document is an HTML page");
      }
      return Status::ParseError("not a feed: no RSS, Atom, RDF or JSON document found");
  }
  if (!parsed.ok()) return parsed;
  NormalizeFeed(*parsed, options);
  return parsed;
}

}  // namespace mineral::feeds
