#include "feeds/normalize.h"

#include <cstdio>
#include <cstring>
#include <functional>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "feeds/bytes.h"
#include "feeds/url.h"
#include "text/text.h"

namespace mineral::feeds {
namespace {

// FNV-1a, 64 bits: stable across platforms and releases, which is all a key
// needs (these keys are not a security boundary).
uint64_t Fnv1a(std::string_view s, uint64_t h = 14695981039346656037ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string Hex(uint64_t v, int digits) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return std::string(buf + 16 - digits);
}

std::optional<UtcTime> LatestTime(const Item& item) {
  if (item.updated && item.published) return std::max(*item.updated, *item.published);
  return item.updated ? item.updated : item.published;
}

// Where the last "The post " in `s` begins, or npos.  Candidates are found
// by their 'T' and the 'p' four bytes on, 16 starts at a time from the end:
// text is full of "The", "This" and "They", and each candidate costs a
// compare (memrchr for each 'T' cost a call per capital T, and 2% of Parse).
size_t FindLastPostHead(std::string_view s) {
  constexpr std::string_view kHead = "The post ";
  if (s.size() < kHead.size()) return std::string_view::npos;
  const auto head_at = [&](size_t pos) {
    return SameBytes(s.data() + pos, kHead.data(), kHead.size());
  };
  size_t end = s.size() - kHead.size() + 1;  // starts below `end` are left to try
#if defined(__SSE2__)
  // 16 starts read 20 bytes, up to s[end + 3], inside s (end <= s.size() - 8).
  for (; end >= 16; end -= 16) {
    const char* p = s.data() + end - 16;
    const __m128i t =
        _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), _mm_set1_epi8('T'));
    const __m128i post = _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 4)),
                                        _mm_set1_epi8('p'));
    for (auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(t, post))); mask != 0;) {
      const unsigned k = 31 - static_cast<unsigned>(__builtin_clz(mask));
      if (head_at(end - 16 + k)) return end - 16 + k;
      mask &= ~(1u << k);
    }
  }
#endif
  while (end > 0) {
    if (head_at(--end)) return end;
  }
  return std::string_view::npos;
}

// WordPress appends "The post <title> appeared first on <site>." to every
// excerpt: it says nothing about the story and would make every item of a
// site match the site's name.  The size of `text` without it (and the spaces
// before it).
size_t SizeWithoutWordPressFooter(std::string_view text) {
  // Only a footer within the last 600 bytes counts, so only they are searched.
  constexpr size_t kMaxFooter = 600;
  const size_t window = text.size() > kMaxFooter ? text.size() - kMaxFooter : 0;
  const size_t found = FindLastPostHead(text.substr(window));
  if (found == std::string_view::npos) return text.size();
  const size_t at = window + found;
  if (text.find(" appeared first on ", at) == std::string_view::npos) return text.size();
  size_t end = at;
  while (end > 0 && text[end - 1] == ' ') --end;
  return end;
}

void NormalizeText(std::string& html, std::string& text) {
  if (text.empty() && !html.empty()) {
    text = text::HtmlToText(html, SizeWithoutWordPressFooter);
  } else if (!text.empty()) {
    text::CollapseWhitespaceInPlace(text);
    if (html.empty()) html = text::EscapeHtml(text);
  }
}

std::string BaseKey(const Item& item) {
  if (!item.guid.empty()) return item.guid;
  if (!item.link.empty()) return item.link;
  std::string material = item.title;
  material += '\n';
  if (const auto t = item.published ? item.published : item.updated) {
    material += FormatRfc3339(*t);
  }
  if (item.title.empty()) {
    material += '\n';
    material += item.summary_text.empty() ? item.content_text : item.summary_text;
  }
  return "hash:" + Hex(Fnv1a(material), 16);
}

// The keys of a document's items, each with the first item that has it: open
// addressing over views of the items' keys, in one allocation (a node per
// key in std::unordered_map).  Holds at most `capacity` keys.
class KeyTable {
 public:
  explicit KeyTable(size_t capacity) {
    size_t slots = 16;
    while (slots < 2 * capacity) slots *= 2;
    slots_.resize(slots);
  }

  // Adds `key` with `index` unless it is there: then returns the index it
  // has, and false.
  std::pair<size_t, bool> Insert(std::string_view key, size_t index) {
    Slot& slot = Find(key);
    if (slot.index != kEmpty) return {slot.index, false};
    slot = {key, index};
    return {index, true};
  }

  bool Contains(std::string_view key) { return Find(key).index != kEmpty; }

 private:
  static constexpr size_t kEmpty = static_cast<size_t>(-1);
  struct Slot {
    std::string_view key;
    size_t index = kEmpty;
  };

  // The slot holding `key`, or the empty one where it would go.
  Slot& Find(std::string_view key) {
    const size_t mask = slots_.size() - 1;
    for (size_t h = std::hash<std::string_view>{}(key)&mask;; h = (h + 1) & mask) {
      if (slots_[h].index == kEmpty || slots_[h].key == key) return slots_[h];
    }
  }

  std::vector<Slot> slots_;
};

}  // namespace

void NormalizeFeed(ParsedFeed& parsed, const ParseOptions& options) {
  Feed& feed = parsed.feed;
  text::CollapseWhitespaceInPlace(feed.title);
  if (!feed.link.empty()) ResolveUrlInPlace(options.fetch_url, feed.link);
  const std::string& link_base = feed.link.empty() ? options.fetch_url : feed.link;

  if (parsed.items.size() > options.max_items) {
    if (parsed.error.empty()) {
      parsed.error =
          "more than " + std::to_string(options.max_items) + " items; the rest were dropped";
    }
    parsed.items.resize(options.max_items);
  }

  for (Item& item : parsed.items) {
    // An empty reference would resolve to the base itself: keep it empty.
    if (!item.link.empty()) ResolveUrlInPlace(link_base, item.link);
    NormalizeText(item.summary_html, item.summary_text);
    // Aggregators end the excerpt with the credited publisher's name too.
    if (!item.origin.empty() && item.summary_text.size() > item.origin.size() &&
        item.summary_text.ends_with(item.origin)) {
      std::string& t = item.summary_text;
      t.resize(t.size() - item.origin.size());
      // Google News separates the two with no-break spaces.
      while (!t.empty() && (t.back() == ' ' || t.ends_with("\xC2\xA0"))) {
        t.resize(t.size() - (t.back() == ' ' ? 1 : 2));
      }
    }
    NormalizeText(item.content_html, item.content_text);
    for (Enclosure& e : item.enclosures) ResolveUrlInPlace(link_base, e.url);
    if (item.language.empty()) item.language = feed.language;
    if (item.source_feed.empty()) item.source_feed = options.source_feed;
    item.key = BaseKey(item);
  }

  // Fold republished stories and tell apart items that share a GUID.  The
  // table views the items' keys: no item is moved or re-keyed once its key is
  // in it (a swap below exchanges two items with equal keys, so every view
  // still reads the same bytes).  Each item adds at most two keys.
  KeyTable first_with_key(2 * parsed.items.size());
  std::vector<bool> dropped(parsed.items.size(), false);
  for (size_t i = 0; i < parsed.items.size(); ++i) {
    Item& item = parsed.items[i];
    const auto [first, inserted] = first_with_key.Insert(item.key, i);
    if (inserted) continue;
    Item& earlier = parsed.items[first];
    // Only an identity the publisher gave (GUID or link) says "same story";
    // two hash-keyed items are merely alike and both are kept.
    const bool publisher_key = item.key.rfind("hash:", 0) != 0;
    const bool same_story = publisher_key && ((!item.link.empty() && item.link == earlier.link) ||
                                              (!item.title.empty() && item.title == earlier.title));
    if (same_story) {
      const auto t_new = LatestTime(item), t_old = LatestTime(earlier);
      if (t_new && (!t_old || *t_new > *t_old)) std::swap(earlier, item);
      dropped[i] = true;
      continue;
    }
    std::string material = item.link;
    material += '\n';
    material += item.title;
    std::string key = item.key + "#" + Hex(Fnv1a(material), 8);
    // A pathological feed could repeat link and title too: count on.
    for (int n = 2; first_with_key.Contains(key); ++n) {
      key = item.key + "#" + Hex(Fnv1a(material + std::to_string(n)), 8);
    }
    item.key = std::move(key);
    first_with_key.Insert(item.key, i);
  }
  size_t kept = 0;
  for (size_t i = 0; i < parsed.items.size(); ++i) {
    if (!dropped[i]) {
      if (kept != i) parsed.items[kept] = std::move(parsed.items[i]);
      ++kept;
    }
  }
  parsed.items.resize(kept);
}

}  // namespace mineral::feeds
