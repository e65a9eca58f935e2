// Same story, many sources: the pure half of cross-source clustering.
//
// A notice reaches us several times: the agency's own feed, a wire reprint,
// an aggregator, the English and Chinese versions of one MOFCOM announcement.
// Two signals decide that two items are one story:
//   - an official document number (Federal Register document number, MOFCOM
//     announcement number, SEC accession number, ASX document id): the same
//     number is the same document in any language, and two different numbers
//     are two documents however alike their titles ("公告2025年第18号" and
//     "第57号" share every other word);
//   - otherwise near-identical titles (word-set Jaccard; MinHash keys to find
//     candidates) whose texts overlap: a reprint with "UPDATE 1" or a word
//     changed.  SimHash was the first idea, but over the ~11 word
//     bigrams of a headline one changed word moves it by a median 12 bits
//     (simulated; unrelated titles: 32), so a small threshold misses edited
//     reprints and a large one cannot be found with an index probe.
// Everything here is a pure function of its arguments, so storage/ only
// stores and looks up what these compute (no SQL here).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/item.h"

namespace mineral::storage {

// The first official document number in the item, normalized so that every
// rendering of one number compares equal; "" when there is none.
//   Federal Register   "fr:2024-12345"   (FR Doc. number, or a federalregister.gov link)
//   MOFCOM             "mofcom:2024-46"  ("商务部公告2024年第46号", "MOFCOM Announcement
//                                          No. 46 of 2024"; needs MOFCOM/商务部 in the title)
//   SEC EDGAR          "sec:0001234567-24-000123" (dashed, or 18 digits in a sec.gov link)
//   ASX                "asx:02345678"    (idsId= or /asxpdf/DATE/pdf/ID in an asx link)
// The title is searched first, then the link, then the text, and only the
// first number found counts: a notice that suspends "公告2024年第46号" names
// its own number first.
std::string DocumentNumber(std::string_view title, std::string_view link, std::string_view text);

// The words of `text`, for comparing stories: ASCII letters lowercased,
// fullwidth ASCII folded to ASCII (as NFKC would), any other byte sequence up
// to a separator kept as part of a word, and each CJK ideograph (or kana,
// hangul syllable) a word of its own, since Chinese is not written with
// spaces.  Not a linguistic tokenizer (storage/ does not depend on text/).
std::vector<std::string> StoryWords(std::string_view text);

// |A ∩ B| / |A ∪ B| of the two titles' word sets; 0 when either is empty.
double TitleSimilarity(std::string_view a, std::string_view b);

// Share of the shorter text's word bigrams that the other text also has: an
// excerpt cut short, or a reprint with a sentence added, still scores high.
// 0 when either text has no bigram.
double TextContainment(std::string_view a, std::string_view b);

// Locality-sensitive keys of a title (MinHash, 8 bands of 2): titles whose
// word sets have Jaccard similarity J share at least one key with
// probability 1 - (1 - J^2)^8 (0.97 at J = 0.6, 0.26 at J = 0.2).  Index
// these to find candidate stories; SameStory decides.  Empty for no words.
std::vector<uint64_t> TitleKeys(std::string_view title);

struct ClusterOptions {
  // Titles at least this similar (word-set Jaccard) may be one story
  // (default 0.6: one or two words changed in a ten-word headline).
  double min_title_similarity = 0.6;
  // ...and, when both have text, their texts at least this contained in
  // each other (default 0.6).
  double min_text_containment = 0.6;
  // Titles shorter than this many words are boilerplate ("Trading Halt"
  // from two issuers is two stories): their texts must be nearly the same
  // (default 5 words, containment 0.9), and without text they never join.
  size_t min_title_words = 5;
  double min_text_containment_short_title = 0.9;
  // Without text to compare, titles must be this similar (default 0.8).
  double min_title_similarity_alone = 0.8;
  // How long after an alert a near-duplicate still joins it (default 3 days).
  std::chrono::seconds window{3 * 24 * 3600};
  // How long the same document number joins (default 30 days: translations
  // and agency reposts trail the original by days or weeks).
  std::chrono::seconds doc_number_window{30 * 24 * 3600};
};

// What clustering compares of two items.
struct StoryText {
  std::string doc_number;  // DocumentNumber()
  std::string title;
  std::string text;  // summary, else content
};

StoryText StoryOf(const Item& item);

// Whether `candidate` is another source of the story `existing`, ignoring
// time (the caller applies the windows).  Document numbers decide when both
// items have one; otherwise titles and texts must be similar enough.
bool SameStory(const StoryText& existing, const StoryText& candidate,
               const ClusterOptions& options);

// A title's words for SameStory, hashed once: an item compared with many
// stories (the candidates its story keys find) need not split and hash its
// own title again for each.
struct StoryTitle {
  std::vector<uint64_t> words;  // sorted distinct word hashes
  size_t count = 0;             // words, repeats included
};
StoryTitle TitleOf(std::string_view title);

// SameStory with the candidate's title already made by TitleOf: the same
// answer as SameStory(existing, candidate, options).
bool SameStory(const StoryText& existing, const StoryText& candidate,
               const StoryTitle& candidate_title, const ClusterOptions& options);

// 64-bit FNV-1a over the fields a correction changes (title, link, summary
// and content text): same key with another hash is an amended item.  Times
// are left out: a feed that only bumps <updated> has not amended anything.
uint64_t ContentHash(const Item& item);

// Incremental FNV-1a 64; also used for idempotency keys.
uint64_t Fnv1a64(std::string_view bytes, uint64_t seed = 0xcbf29ce484222325ULL);

}  // namespace mineral::storage
