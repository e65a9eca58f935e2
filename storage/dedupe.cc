#include "storage/dedupe.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace mineral::storage {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool ContainsAsciiNoCase(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() && AsciiLower(haystack[i + j]) == AsciiLower(needle[j])) ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

// Number of ASCII digits starting at `pos`.
size_t DigitRun(std::string_view s, size_t pos) {
  size_t n = 0;
  while (pos + n < s.size() && IsDigit(s[pos + n])) ++n;
  return n;
}

std::string StripLeadingZeros(std::string_view digits) {
  size_t i = 0;
  while (i + 1 < digits.size() && digits[i] == '0') ++i;
  return std::string(digits.substr(i));
}

struct Found {
  size_t pos = std::string_view::npos;
  std::string value;
};

void KeepEarliest(Found& best, size_t pos, std::string value) {
  if (pos < best.pos) best = {pos, std::move(value)};
}

// "2024-12345" bounded by non-alphanumerics (and no leading '-', which would
// make it the tail of a docket number such as "BIS-2025-00123").  `after`,
// when not empty, must come right before the number (spaces between allowed).
void FindFederalRegister(std::string_view s, std::string_view after, Found& best) {
  for (size_t i = 0; i + 10 <= s.size(); ++i) {
    if (DigitRun(s, i) != 4 || s[i + 4] != '-' || DigitRun(s, i + 5) != 5) continue;
    if (!(s.substr(i, 2) == "19" || s.substr(i, 2) == "20")) continue;
    if (i > 0 && (IsAsciiAlnum(s[i - 1]) || s[i - 1] == '-')) continue;
    if (!after.empty()) {
      size_t j = i;
      while (j > 0 && s[j - 1] == ' ') --j;
      if (j < after.size() || !ContainsAsciiNoCase(s.substr(j - after.size(), after.size()), after))
        continue;
    }
    KeepEarliest(best, i, "fr:" + std::string(s.substr(i, 10)));
    return;
  }
}

// "0001234567-24-000123" (EDGAR accession number) bounded by non-digits.
void FindSecAccession(std::string_view s, Found& best) {
  for (size_t i = 0; i + 20 <= s.size(); ++i) {
    if (i > 0 && IsDigit(s[i - 1])) continue;
    if (DigitRun(s, i) == 10 && s[i + 10] == '-' && DigitRun(s, i + 11) == 2 && s[i + 13] == '-' &&
        DigitRun(s, i + 14) == 6) {
      KeepEarliest(best, i, "sec:" + std::string(s.substr(i, 20)));
      return;
    }
  }
}

// EDGAR archive paths carry the accession number undashed:
// /Archives/edgar/data/1234567/000123456724000123/...
void FindSecAccessionInLink(std::string_view link, Found& best) {
  const size_t data = link.find("/edgar/data/");
  if (data == std::string_view::npos) return;
  for (size_t i = link.find('/', data + 12); i != std::string_view::npos && i + 1 < link.size();
       i = link.find('/', i + 1)) {
    if (DigitRun(link, i + 1) == 18) {
      const std::string_view d = link.substr(i + 1, 18);
      KeepEarliest(best, i + 1,
                   "sec:" + std::string(d.substr(0, 10)) + "-" + std::string(d.substr(10, 2)) +
                       "-" + std::string(d.substr(12)));
      return;
    }
  }
}

// "2024年第46号" (also with fullwidth 年/第/号 only; digits are ASCII in
// MOFCOM titles).
void FindChineseAnnouncement(std::string_view s, Found& best) {
  static constexpr std::string_view kYearNo = "年第";
  static constexpr std::string_view kHao = "号";
  for (size_t at = s.find(kYearNo); at != std::string_view::npos; at = s.find(kYearNo, at + 1)) {
    if (at < 4 || DigitRun(s, at - 4) != 4) continue;
    const size_t num = at + kYearNo.size();
    const size_t n = DigitRun(s, num);
    if (n == 0 || s.substr(num + n, kHao.size()) != kHao) continue;
    KeepEarliest(
        best, at - 4,
        "mofcom:" + std::string(s.substr(at - 4, 4)) + "-" + StripLeadingZeros(s.substr(num, n)));
    return;
  }
}

// "Announcement No. 46 of 2024", "Announcement No.46 of 2024",
// "Announcement [2024] No. 46".
void FindEnglishAnnouncement(std::string_view s, Found& best) {
  static constexpr std::string_view kWord = "announcement";
  for (size_t i = 0; i + kWord.size() < s.size(); ++i) {
    if (!ContainsAsciiNoCase(s.substr(i, kWord.size()), kWord)) continue;
    size_t p = i + kWord.size();
    auto skip_spaces = [&] {
      while (p < s.size() && s[p] == ' ') ++p;
    };
    auto eat = [&](std::string_view word) {
      if (ContainsAsciiNoCase(s.substr(p, word.size()), word) && p + word.size() <= s.size()) {
        p += word.size();
        return true;
      }
      return false;
    };
    skip_spaces();
    std::string year;
    if (eat("[") && DigitRun(s, p) == 4) {
      year = std::string(s.substr(p, 4));
      p += 4;
      if (!eat("]")) continue;
      skip_spaces();
    }
    if (!eat("no")) continue;
    eat(".");
    skip_spaces();
    const size_t n = DigitRun(s, p);
    if (n == 0) continue;
    const std::string number = StripLeadingZeros(s.substr(p, n));
    p += n;
    if (year.empty()) {
      skip_spaces();
      if (!eat("of")) continue;
      skip_spaces();
      if (DigitRun(s, p) != 4) continue;
      year = std::string(s.substr(p, 4));
    }
    KeepEarliest(best, i, "mofcom:" + year + "-" + number);
    return;
  }
}

bool MentionsMofcom(std::string_view s) {
  return s.find("商务部") != std::string_view::npos || ContainsAsciiNoCase(s, "mofcom") ||
         ContainsAsciiNoCase(s, "ministry of commerce") ||
         ContainsAsciiNoCase(s, "commerce ministry");
}

// ASX announcement links: ...?idsId=02781234, /asxpdf/20240312/pdf/05abcd12.pdf,
// or the markitdigital file path /file/2924-02781234-...
void FindAsxDocument(std::string_view link, Found& best) {
  if (!ContainsAsciiNoCase(link, "asx")) return;
  auto id_at = [&](size_t p) {
    size_t n = 0;
    while (p + n < link.size() && IsAsciiAlnum(link[p + n])) ++n;
    std::string id(link.substr(p, n));
    for (char& c : id) c = AsciiLower(c);
    return id;
  };
  if (size_t p = link.find("idsId="); p != std::string_view::npos) {
    if (std::string id = id_at(p + 6); !id.empty()) return KeepEarliest(best, p, "asx:" + id);
  }
  if (size_t p = link.find("/asxpdf/"); p != std::string_view::npos) {
    if (size_t q = link.find("/pdf/", p + 8); q != std::string_view::npos) {
      if (std::string id = id_at(q + 5); !id.empty()) return KeepEarliest(best, q, "asx:" + id);
    }
  }
  if (size_t p = link.find("/file/"); p != std::string_view::npos) {
    const size_t dash = link.find('-', p + 6);
    if (dash != std::string_view::npos && DigitRun(link, dash + 1) == 8) {
      KeepEarliest(best, dash + 1, "asx:" + std::string(link.substr(dash + 1, 8)));
    }
  }
}

// `context` is where MOFCOM may be named (the title, or the title and text).
Found FindInText(std::string_view s, std::string_view fr_prefix, bool mofcom_context) {
  Found best;
  FindFederalRegister(s, fr_prefix, best);
  FindSecAccession(s, best);
  if (mofcom_context) {
    FindChineseAnnouncement(s, best);
    FindEnglishAnnouncement(s, best);
  }
  return best;
}

Found FindInLink(std::string_view link) {
  Found best;
  if (ContainsAsciiNoCase(link, "federalregister.gov") ||
      ContainsAsciiNoCase(link, "govinfo.gov")) {
    FindFederalRegister(link, "", best);
  }
  if (ContainsAsciiNoCase(link, "sec.gov")) {
    FindSecAccession(link, best);
    FindSecAccessionInLink(link, best);
  }
  FindAsxDocument(link, best);
  return best;
}

// --- story similarity ---------------------------------------------------------------

// Decodes one UTF-8 sequence at s[*pos]; an invalid byte decodes as itself
// (>= 0x80, so it stays part of a word) and advances by one.
char32_t DecodeUtf8(std::string_view s, size_t* pos) {
  const auto b0 = static_cast<unsigned char>(s[*pos]);
  size_t len = b0 < 0x80           ? 1
               : (b0 >> 5) == 0x6  ? 2
               : (b0 >> 4) == 0xE  ? 3
               : (b0 >> 3) == 0x1E ? 4
                                   : 0;
  if (len == 0 || *pos + len > s.size()) {
    ++*pos;
    return b0;
  }
  char32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[*pos + k]);
    if ((b >> 6) != 0x2) {
      ++*pos;
      return b0;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  *pos += len;
  return cp;
}

bool IsCjkWordChar(char32_t cp) {
  return (cp >= 0x3040 && cp <= 0x30FF) ||  // hiragana, katakana
         (cp >= 0x3400 && cp <= 0x4DBF) ||  // CJK extension A
         (cp >= 0x4E00 && cp <= 0x9FFF) ||  // CJK unified ideographs
         (cp >= 0xAC00 && cp <= 0xD7AF) ||  // hangul syllables
         (cp >= 0xF900 && cp <= 0xFAFF) ||  // compatibility ideographs
         (cp >= 0x20000 && cp <= 0x3FFFF);  // extensions B and later
}

bool IsSeparator(char32_t cp) {
  return (cp >= 0x80 && cp <= 0xBF) ||      // Latin-1 controls, punctuation, symbols
         (cp >= 0x2000 && cp <= 0x206F) ||  // general punctuation
         (cp >= 0x3000 && cp <= 0x303F) ||  // CJK symbols and punctuation
         (cp >= 0xFE30 && cp <= 0xFE4F) ||  // CJK compatibility forms
         (cp >= 0xFF00 && cp <= 0xFFEF);    // remaining halfwidth/fullwidth forms
}

// splitmix64's finalizer: FNV-1a's bits are poorly mixed for short inputs,
// and MinHash needs independent-looking hash functions per seed.
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::vector<uint64_t> HashedSet(const std::vector<std::string>& words, bool bigrams) {
  std::vector<uint64_t> out;
  if (bigrams) {
    for (size_t i = 0; i + 1 < words.size(); ++i) {
      out.push_back(Fnv1a64(words[i + 1], Fnv1a64("\x1f", Fnv1a64(words[i]))));
    }
  } else {
    for (const std::string& w : words) out.push_back(Fnv1a64(w));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

size_t IntersectionSize(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  size_t n = 0;
  for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++n, ++i, ++j;
    }
  }
  return n;
}

// |a ∩ b| / |a ∪ b| of two sorted sets; 0 when either is empty.
double Jaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  if (a.empty() || b.empty()) return 0;
  const size_t common = IntersectionSize(a, b);
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

}  // namespace

uint64_t Fnv1a64(std::string_view bytes, uint64_t seed) {
  uint64_t h = seed;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string DocumentNumber(std::string_view title, std::string_view link, std::string_view text) {
  const bool mofcom_in_title = MentionsMofcom(title);
  if (Found f = FindInText(title, "", mofcom_in_title); !f.value.empty()) return f.value;
  if (Found f = FindInLink(link); !f.value.empty()) return f.value;
  // In running text a bare "2024-12345" is too common (ranges, docket tails)
  // to count without its "FR Doc." label.
  const bool mofcom = mofcom_in_title || MentionsMofcom(text);
  if (Found f = FindInText(text, "FR Doc.", mofcom); !f.value.empty()) return f.value;
  return "";
}

std::vector<std::string> StoryWords(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
  };
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t start = pos;
    char32_t cp = DecodeUtf8(text, &pos);
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;
    if (cp < 0x80) {
      const char c = static_cast<char>(cp);
      if (IsAsciiAlnum(c)) {
        word.push_back(AsciiLower(c));
      } else {
        flush();
      }
    } else if (IsCjkWordChar(cp)) {
      flush();
      words.emplace_back(text.substr(start, pos - start));
    } else if (IsSeparator(cp)) {
      flush();
    } else {
      word.append(text.substr(start, pos - start));
    }
  }
  flush();
  return words;
}

double TitleSimilarity(std::string_view a, std::string_view b) {
  return Jaccard(HashedSet(StoryWords(a), false), HashedSet(StoryWords(b), false));
}

double TextContainment(std::string_view a, std::string_view b) {
  const std::vector<uint64_t> sa = HashedSet(StoryWords(a), true);
  const std::vector<uint64_t> sb = HashedSet(StoryWords(b), true);
  if (sa.empty() || sb.empty()) return 0;
  return static_cast<double>(IntersectionSize(sa, sb)) /
         static_cast<double>(std::min(sa.size(), sb.size()));
}

std::vector<uint64_t> TitleKeys(std::string_view title) {
  constexpr int kBands = 8;
  constexpr int kRows = 2;
  const std::vector<uint64_t> words = HashedSet(StoryWords(title), false);
  std::vector<uint64_t> keys;
  if (words.empty()) return keys;
  for (int band = 0; band < kBands; ++band) {
    uint64_t key = Mix(static_cast<uint64_t>(band) + 1);
    for (int row = 0; row < kRows; ++row) {
      const uint64_t seed = Mix(static_cast<uint64_t>(band * kRows + row) + 0x51ed);
      uint64_t min = ~uint64_t{0};
      for (uint64_t w : words) min = std::min(min, Mix(w ^ seed));
      key = Mix(key ^ min);
    }
    keys.push_back(key);
  }
  return keys;
}

StoryText StoryOf(const Item& item) {
  const std::string& text = item.summary_text.empty() ? item.content_text : item.summary_text;
  return {DocumentNumber(item.title, item.link, text), item.title, text};
}

StoryTitle TitleOf(std::string_view title) {
  const std::vector<std::string> words = StoryWords(title);
  return {HashedSet(words, false), words.size()};
}

bool SameStory(const StoryText& existing, const StoryText& candidate,
               const ClusterOptions& options) {
  return SameStory(existing, candidate, TitleOf(candidate.title), options);
}

bool SameStory(const StoryText& existing, const StoryText& candidate,
               const StoryTitle& candidate_title, const ClusterOptions& options) {
  if (!existing.doc_number.empty() && !candidate.doc_number.empty()) {
    return existing.doc_number == candidate.doc_number;
  }
  const StoryTitle existing_title = TitleOf(existing.title);
  const double title = Jaccard(existing_title.words, candidate_title.words);
  const bool short_title =
      std::min(existing_title.count, candidate_title.count) < options.min_title_words;
  if (existing.text.empty() || candidate.text.empty()) {
    // Nothing else to compare: only long, near-identical titles.
    return !short_title && title >= options.min_title_similarity_alone;
  }
  // Most candidates a title key finds share a word or two, not the story:
  // decide on the title before paying for the texts' bigrams.
  if (title < options.min_title_similarity) return false;
  return TextContainment(existing.text, candidate.text) >=
         (short_title ? options.min_text_containment_short_title : options.min_text_containment);
}

uint64_t ContentHash(const Item& item) {
  uint64_t h = Fnv1a64(item.title);
  for (const std::string* field : {&item.link, &item.summary_text, &item.content_text}) {
    h = Fnv1a64("\x1f", h);
    h = Fnv1a64(*field, h);
  }
  return h;
}

}  // namespace mineral::storage
