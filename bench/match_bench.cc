// Match benchmark: items per second through RuleEngine::Match (tagging,
// rule-phrase scan, rule evaluation) with the full vocabulary and 10, 100 and
// 1,000 generated rules, next to a floor measured in the same run: one
// Hyperscan multi-literal scan of the same text with every vocabulary term,
// counting hits and evaluating nothing.
//
//   match_bench [--items N] [--reps R] [--rules N]
//
// --rules N measures only that many rules (for profiling one case).
//
// The rows are timed in turn, R rounds of floor, floor 2, tagging and each
// engine, and each row's best round counts: on a shared machine a slow
// stretch then falls on every row instead of on one.
//
// Items are generated (fixed seed) from mineral-policy sentence templates
// filled with vocabulary terms and plain words, so hit density resembles
// real news: most items mention a mineral or a country, few match a rule.
#include <hs/hs.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "allocator/allocator.h"
#include "rules/engine.h"
#include "rules/rule_parser.h"
#include "rules/tagger.h"
#include "rules/vocabulary.h"
#include "text/text.h"

namespace {

using mineral::Item;
using mineral::rules::Category;
using mineral::rules::Vocabulary;

// Time on this thread's CPU: the machine is shared, and time spent waiting
// for a core is not the matcher's.
double ThreadSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

const char* const kFiller[] = {
    "the",          "ministry",  "said",     "on",        "Tuesday",   "that",    "new",
    "measures",     "would",     "apply",    "to",        "shipments", "from",    "next",
    "month",        "analysts",  "expect",   "prices",    "to",        "rise",    "as",
    "supply",       "tightens",  "company",  "shares",    "fell",      "after",   "the",
    "announcement", "officials", "declined", "to",        "comment",   "further", "details",
    "industry",     "groups",    "warned",   "of",        "delays",    "in",      "production",
    "quarter",      "results",   "showed",   "higher",    "output",    "while",   "demand",
    "weakened",     "across",    "markets",  "investors", "watched",   "closely", "for",
    "signals",      "about",     "policy",   "changes",   "later",     "this",    "year"};

struct Terms {
  std::vector<std::string> minerals, countries, clauses;
};

Terms PickTerms(const Vocabulary& v) {
  Terms t;
  for (const auto& c : v.concepts) {
    if (c.category == Category::kContext) continue;
    for (const auto& term : c.terms) {
      if (term.opt_in) continue;
      auto& into = c.category == Category::kMineral   ? t.minerals
                   : c.category == Category::kCountry ? t.countries
                                                      : t.clauses;
      into.push_back(term.text);
    }
  }
  return t;
}

std::string Sentence(std::mt19937& rng, const Terms& t, int words) {
  std::string s;
  std::uniform_int_distribution<size_t> filler(0, std::size(kFiller) - 1);
  std::uniform_int_distribution<int> pct(0, 99);
  for (int i = 0; i < words; ++i) {
    if (!s.empty()) s += ' ';
    const int p = pct(rng);
    // About one word in twenty names a concept: a policy story's density.
    const std::vector<std::string>* pool = p < 2   ? &t.minerals
                                           : p < 4 ? &t.countries
                                           : p < 5 ? &t.clauses
                                                   : nullptr;
    if (pool && !pool->empty()) {
      s += (*pool)[std::uniform_int_distribution<size_t>(0, pool->size() - 1)(rng)];
    } else {
      s += kFiller[filler(rng)];
    }
  }
  return s + ".";
}

std::vector<Item> MakeItems(int n, const Terms& t) {
  std::mt19937 rng(1);
  std::vector<Item> items;
  items.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    Item item;
    item.key = "bench-" + std::to_string(i);
    item.title = Sentence(rng, t, 12);
    item.summary_text = Sentence(rng, t, 30) + " " + Sentence(rng, t, 25);
    item.source_feed = i % 3 == 0 ? "asx" : "news";
    item.language = "en";
    items.push_back(std::move(item));
  }
  return items;
}

// Rules of the shapes users write: structured (mineral AND country AND
// clause), expressions with keywords, NEAR and NOT source.
std::string MakeRules(int n, const Vocabulary& v) {
  std::vector<std::string> minerals, countries, clauses;
  for (const auto& c : v.concepts) {
    if (c.category == Category::kContext) continue;  // cue words, not rule terms
    (c.category == Category::kMineral   ? minerals
     : c.category == Category::kCountry ? countries
                                        : clauses)
        .push_back(c.id);
  }
  std::mt19937 rng(7);
  auto pick = [&](const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
  };
  std::string toml;
  for (int i = 0; i < n; ++i) {
    toml += "[[rule]]\nid = \"B" + std::to_string(i) + "\"\nseverity = \"warning\"\n";
    switch (i % 3) {
      case 0:
        toml += "minerals = [\"" + pick(minerals) + "\", \"" + pick(minerals) + "\"]\n";
        toml += "countries = [\"" + pick(countries) + "\"]\n";
        toml += "clauses = [\"" + pick(clauses) + "\"]\n";
        break;
      case 1:
        toml += "when = 'mineral:" + pick(minerals) + " AND (\"" + kFiller[i % std::size(kFiller)] +
                " " + kFiller[(i + 1) % std::size(kFiller)] + "\" OR clause:" + pick(clauses) +
                ") AND NOT source:asx'\n";
        break;
      default:
        toml += "when = '(mineral:" + pick(minerals) + " NEAR/8 clause:" + pick(clauses) +
                ") AND (country:" + pick(countries) + " OR title:mineral:" + pick(minerals) +
                ")'\n";
        break;
    }
  }
  return toml;
}

struct Floor {
  hs_database_t* db = nullptr;
  hs_scratch_t* scratch = nullptr;
};

Floor CompileFloor(const Vocabulary& v) {
  std::vector<std::string> literals;
  std::vector<unsigned> flags, ids;
  for (const auto& c : v.concepts) {
    for (const auto& term : c.terms) {
      literals.push_back(term.text);
      flags.push_back(term.case_sensitive ? 0u : HS_FLAG_CASELESS);
      ids.push_back(static_cast<unsigned>(ids.size()));
    }
  }
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  for (const auto& l : literals) {
    ptrs.push_back(l.c_str());
    lens.push_back(l.size());
  }
  Floor f;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_lit_multi(ptrs.data(), flags.data(), ids.data(), lens.data(),
                           static_cast<unsigned>(ptrs.size()), HS_MODE_BLOCK, nullptr, &f.db,
                           &err) != HS_SUCCESS) {
    std::fprintf(stderr, "floor: hs_compile_lit_multi: %s\n", err ? err->message : "?");
    std::exit(1);
  }
  hs_alloc_scratch(f.db, &f.scratch);
  return f;
}

// The process's resident memory now (VmRSS), in MiB.
double ResidentMiB() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0.0;
  long pages = 0;
  long resident = 0;
  const int n = std::fscanf(f, "%ld %ld", &pages, &resident);
  std::fclose(f);
  return n == 2 ? static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) /
                      (1024.0 * 1024.0)
                : 0.0;
}

// One row of the table: a pass over every item, timed in turn with the
// other rows (floor, engine, floor, engine, ...) so that a slow stretch of
// the shared machine falls on all of them, not on one.  `count` returns what
// the pass found (hits, tags, matches): the optimizer guard, and a figure.
struct Row {
  std::string label;
  std::function<size_t()> pass;
  double best = 1e9;  // least CPU seconds of any round
  size_t count = 0;   // of the last round
  std::string note;   // printed after the figures
};

void RunInTurn(std::vector<Row>& rows, int reps) {
  for (int r = 0; r < reps; ++r) {
    for (Row& row : rows) {
      const double t0 = ThreadSeconds();
      row.count = row.pass();
      row.best = std::min(row.best, ThreadSeconds() - t0);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  int n_items = 20000, reps = 3, only_rules = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--items")
      n_items = std::atoi(argv[i + 1]);
    else if (a == "--reps")
      reps = std::atoi(argv[i + 1]);
    else if (a == "--rules")
      only_rules = std::atoi(argv[i + 1]);
  }
  auto vocab = mineral::rules::LoadBuiltinVocabulary();
  if (!vocab.ok()) {
    std::fprintf(stderr, "vocabulary: %s\n", vocab.status().ToString().c_str());
    return 1;
  }
  auto tagger = mineral::rules::Tagger::Compile(*vocab);
  if (!tagger.ok()) {
    std::fprintf(stderr, "tagger: %s\n", tagger.status().ToString().c_str());
    return 1;
  }
  const Terms terms = PickTerms(*vocab);
  const std::vector<Item> items = MakeItems(n_items, terms);
  size_t bytes = 0;
  for (const auto& it : items) bytes += it.title.size() + it.summary_text.size();
  size_t terms_total = terms.minerals.size() + terms.countries.size() + terms.clauses.size();

  std::printf(
      "match benchmark: %d items (%.1f MB of text), vocabulary %zu concepts / %zu terms, "
      "best of %d; %s\n\n",
      n_items, static_cast<double>(bytes) / 1e6, vocab->concepts.size(), terms_total, reps,
      mineral::AllocatorName().c_str());

  std::vector<Row> rows;
  // Floor: one multi-literal scan of the same text, no normalization, no rules.
  Floor floor = CompileFloor(*vocab);
  auto count_hit = [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
    ++*static_cast<size_t*>(ctx);
    return 0;
  };
  rows.push_back(Row{"floor (hs literal scan, no rules)",
                     [&] {
                       size_t hits = 0;
                       for (const auto& it : items) {
                         for (const std::string* field : {&it.title, &it.summary_text}) {
                           hs_scan(floor.db, field->data(), static_cast<unsigned>(field->size()), 0,
                                   floor.scratch, count_hit, &hits);
                         }
                       }
                       return hits;
                     },
                     1e9, 0, ""});

  // Second floor: the normalization Match needs (NFKC case folding with
  // offsets back into the original, every field) and then the same scan over
  // the normalized text.  No tagging, no rules.
  mineral::rules::NormalizedItem norm;
  rows.push_back(Row{"floor 2 (normalize + same scan)",
                     [&] {
                       size_t hits = 0;
                       for (const auto& it : items) {
                         mineral::rules::NormalizeItem(it, norm);
                         for (const auto& field : norm.fields) {
                           if (field.text.empty()) continue;
                           hs_scan(floor.db, field.text.data(),
                                   static_cast<unsigned>(field.text.size()), 0, floor.scratch,
                                   count_hit, &hits);
                         }
                       }
                       return hits;
                     },
                     1e9, 0, ""});

  // What Match does before it looks at any rule: normalize once, the Tagger's
  // scan and hit processing, aboutness.
  std::vector<mineral::rules::Hit> hits;
  std::vector<int> tagged;
  // The Tagger compiles its own database on first use (Match scans with the
  // engine's combined one): not part of the timing.
  if (!items.empty()) {
    mineral::rules::NormalizeItem(items[0], norm);
    (*tagger)->FindHitsNormalized(items[0], norm, hits);
  }
  rows.push_back(Row{"tagging only (no rules)",
                     [&] {
                       size_t tags = 0;
                       for (const auto& it : items) {
                         mineral::rules::NormalizeItem(it, norm);
                         (*tagger)->FindHitsNormalized(it, norm, hits);
                         (*tagger)->TagIndices(it, hits, tagged);
                         tags += tagged.size();
                       }
                       return tags;
                     },
                     1e9, 0, "tags"});

  std::vector<std::shared_ptr<const mineral::rules::RuleEngine>> engines;
  for (int n_rules : {10, 100, 1000}) {
    if (only_rules > 0 && n_rules != only_rules) continue;
    auto rules = mineral::rules::ParseRules(MakeRules(n_rules, *vocab), "bench.toml", *vocab);
    if (!rules.ok()) {
      std::fprintf(stderr, "rules: %s\n", rules.status().ToString().c_str());
      return 1;
    }
    const double rss_before = ResidentMiB();
    const double compile_start = ThreadSeconds();
    auto engine = mineral::rules::RuleEngine::Compile(std::move(*rules), *tagger);
    if (!engine.ok()) {
      std::fprintf(stderr, "engine: %s\n", engine.status().ToString().c_str());
      return 1;
    }
    const double compile_seconds = ThreadSeconds() - compile_start;
    const double rss_engine = ResidentMiB() - rss_before;
    engines.push_back(*engine);
    const mineral::rules::RuleEngine* e = engines.back().get();
    char label[64];
    std::snprintf(label, sizeof label, "RuleEngine::Match, %d rules", n_rules);
    char note[96];
    std::snprintf(note, sizeof note, "matches; compiled in %.3f s, resident %+.1f MiB",
                  compile_seconds, rss_engine);
    rows.push_back(Row{label,
                       [&items, e] {
                         size_t matches = 0;
                         for (const auto& it : items) matches += e->Match(it).size();
                         return matches;
                       },
                       1e9, 0, note});
  }

  RunInTurn(rows, reps);

  const double floor_rate = n_items / rows[0].best;
  std::printf("%-34s %12.0f items/s  %6.2f us/item  %8.1f MB/s\n", rows[0].label.c_str(),
              floor_rate, 1e6 * rows[0].best / n_items,
              static_cast<double>(bytes) / 1e6 / rows[0].best);
  for (size_t r = 1; r < rows.size(); ++r) {
    const Row& row = rows[r];
    const double rate = n_items / row.best;
    std::printf("%-34s %12.0f items/s  %6.2f us/item  floor/this %.2fx", row.label.c_str(), rate,
                1e6 * row.best / n_items, floor_rate / rate);
    if (!row.note.empty()) {
      std::printf("  (%zu %s)", row.count, row.note.c_str());
    }
    std::printf("\n");
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("\npeak RSS %.1f MiB; floor hits %zu\n", static_cast<double>(ru.ru_maxrss) / 1024.0,
              rows[0].count);
  hs_free_scratch(floor.scratch);
  hs_free_database(floor.db);
  return 0;
}
