// Invariants the fuzz targets check on what the parsers return.  A failed
// check prints which one and traps, so libFuzzer saves the input as a crash.
#pragma once

#include <cstdio>
#include <set>
#include <string>
#include <string_view>

#include "feeds/parsed_feed.h"
#include "model/item.h"
#include "text/text.h"

#define FUZZ_CHECK(cond)                                                                      \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      __builtin_trap();                                                                       \
    }                                                                                         \
  } while (false)

namespace mineral::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A strict UTF-8 check written independently of text::IsValidUtf8 (no
// overlong forms, no surrogates, nothing above U+10FFFF), so fuzz_text can
// compare the two.
inline bool ReferenceValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    size_t len;
    char32_t cp;
    if (b0 < 0x80) {
      ++i;
      continue;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
      cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      cp = b0 & 0x0F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      cp = b0 & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return false;  // overlong
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
    i += len;
  }
  return true;
}

inline bool Utf8(std::string_view s) { return text::IsValidUtf8(s) && ReferenceValidUtf8(s); }

// Text that text::HtmlToText / text::CollapseWhitespace promise: ASCII whitespace only
// as single spaces between other characters.
inline bool Collapsed(std::string_view s) {
  if (s.empty()) return true;
  if (s.front() == ' ' || s.back() == ' ') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') return false;
    if (c == ' ' && i + 1 < s.size() && s[i + 1] == ' ') return false;
  }
  return true;
}

// CollapseWhitespace's definition, one byte at a time, for the fast paths
// that read 16 bytes at a time to be checked against.
inline std::string ReferenceCollapse(std::string_view s) {
  std::string out;
  bool pending = false;
  for (const char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      pending = true;
      continue;
    }
    if (pending && !out.empty()) out += ' ';
    pending = false;
    out += c;
  }
  return out;
}

// Every string of a parse result is valid UTF-8.
inline void CheckUtf8(const feeds::ParsedFeed& p) {
  const Feed& f = p.feed;
  FUZZ_CHECK(Utf8(f.title));
  FUZZ_CHECK(Utf8(f.link));
  FUZZ_CHECK(Utf8(f.description));
  FUZZ_CHECK(Utf8(f.version));
  FUZZ_CHECK(Utf8(f.language));
  for (const auto& d : f.skip_days) FUZZ_CHECK(Utf8(d));
  for (const Item& it : p.items) {
    FUZZ_CHECK(Utf8(it.key));
    FUZZ_CHECK(Utf8(it.guid));
    FUZZ_CHECK(Utf8(it.title));
    FUZZ_CHECK(Utf8(it.link));
    FUZZ_CHECK(Utf8(it.summary_html));
    FUZZ_CHECK(Utf8(it.content_html));
    FUZZ_CHECK(Utf8(it.summary_text));
    FUZZ_CHECK(Utf8(it.content_text));
    FUZZ_CHECK(Utf8(it.language));
    for (const auto& a : it.authors) FUZZ_CHECK(Utf8(a));
    for (const auto& c : it.categories) FUZZ_CHECK(Utf8(c));
    for (const auto& e : it.enclosures) {
      FUZZ_CHECK(Utf8(e.url));
      FUZZ_CHECK(Utf8(e.type));
    }
  }
}

// What NormalizeFeed promises (normalize.h, model/item.h): every item has a
// key, keys are unique within the document, the item bound holds, text
// fields are collapsed.
inline void CheckNormalized(const feeds::ParsedFeed& p, const feeds::ParseOptions& options) {
  CheckUtf8(p);
  FUZZ_CHECK(p.items.size() <= options.max_items);
  std::set<std::string_view> keys;
  for (const Item& it : p.items) {
    FUZZ_CHECK(!it.key.empty());
    FUZZ_CHECK(keys.insert(it.key).second);
    FUZZ_CHECK(Collapsed(it.title));
    FUZZ_CHECK(Collapsed(it.summary_text));
    FUZZ_CHECK(Collapsed(it.content_text));
    FUZZ_CHECK(it.source_feed == options.source_feed);
  }
  for (int h : p.feed.skip_hours) FUZZ_CHECK(h >= 0 && h <= 23);
}

// The options every target parses with.
inline feeds::ParseOptions FuzzOptions() {
  feeds::ParseOptions o;
  o.fetch_url = "https://feeds.example.org/minerals/rss.xml";
  o.source_feed = "fuzz";
  o.max_items = 500;
  return o;
}

}  // namespace mineral::fuzz
