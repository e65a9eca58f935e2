// parse_bench: throughput of feeds::Parse over a corpus of feed files, beside
// a floor measured in the same run: the bare XML parser (pugixml) or JSON
// parser (RapidJSON) building its DOM and nothing else.
//
//   parse_bench CORPUS_DIR [--reps N] [--cpu-time] [--only floor|parse] [--verbose]
//
// Every *.rss, *.atom, *.rdf, *.xml and *.json file under CORPUS_DIR is read
// into memory first, so no I/O is timed.  Each repetition times the floor and
// then feeds::Parse (default ParseOptions) over the XML files, then the same
// over the JSON files; the best of N repetitions counts for each of the four.
// Passes are timed on the wall clock (steady_clock), or with --cpu-time on
// the process's CPU clock, which leaves out the time spent waiting for a core
// on a shared machine.
// --only runs one side (for a profiler); the ratio column is then left out.
// The corpus comes from bench/gen_corpus.py; bench/run_parse_bench.sh does it
// all.
#include <rapidjson/document.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <pugixml.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "allocator/allocator.h"
#include "feeds/parsed_feed.h"
#include "feeds/parser.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

enum class Kind { kXml, kJson };

struct Document {
  std::string path;
  std::string bytes;
  Kind kind = Kind::kXml;
};

// What one timed pass over a set of documents saw.  `items` is both a figure
// and the optimizer guard: it depends on every DOM / ParsedFeed built.
struct Pass {
  double seconds = std::numeric_limits<double>::infinity();
  size_t items = 0;
  size_t failed = 0;      // documents the parser rejected
  size_t ill_formed = 0;  // feeds::Parse only: succeeded with ParsedFeed::error set
};

struct Args {
  std::string corpus_dir;
  int reps = 3;
  bool cpu_time = false;
  bool verbose = false;
  bool run_floor = true;
  bool run_parse = true;
};

void Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s CORPUS_DIR [--reps N] [--cpu-time] [--only floor|parse] [--verbose]\n",
               argv0);
}

bool ParseArgs(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--reps" && i + 1 < argc) {
      args.reps = std::atoi(argv[++i]);
      if (args.reps < 1) return false;
    } else if (a == "--cpu-time") {
      args.cpu_time = true;
    } else if (a == "--only" && i + 1 < argc) {
      std::string_view side = argv[++i];
      if (side != "floor" && side != "parse") return false;
      args.run_floor = side == "floor";
      args.run_parse = side == "parse";
    } else if (a == "--verbose" || a == "-v") {
      args.verbose = true;
    } else if (!a.empty() && a[0] != '-' && args.corpus_dir.empty()) {
      args.corpus_dir = a;
    } else {
      return false;
    }
  }
  return !args.corpus_dir.empty();
}

bool IsFeedFile(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".rss" || ext == ".atom" || ext == ".rdf" || ext == ".xml" || ext == ".json";
}

// JSON when the first character after a UTF-8 BOM and whitespace opens an
// object or array; XML otherwise.  By content, not by file name.
Kind Sniff(std::string_view b) {
  if (b.substr(0, 3) == "\xEF\xBB\xBF") b.remove_prefix(3);
  size_t i = b.find_first_not_of(" \t\r\n");
  if (i != std::string_view::npos && (b[i] == '{' || b[i] == '[')) return Kind::kJson;
  return Kind::kXml;
}

std::vector<Document> LoadCorpus(const std::string& dir) {
  std::vector<fs::path> paths;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && IsFeedFile(entry.path())) paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<Document> docs;
  docs.reserve(paths.size());
  for (const auto& p : paths) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    Document d;
    d.path = p.string();
    d.bytes = std::move(ss).str();
    d.kind = Sniff(d.bytes);
    docs.push_back(std::move(d));
  }
  return docs;
}

std::string_view LocalName(const char* name) {
  std::string_view n = name;
  size_t colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

// Items as the DOM has them: <rss><channel><item>, <rdf:RDF><item>,
// <feed><entry>.  A cheap walk of the top two levels, so the floor also
// reports items/s and cannot be optimized away.
size_t CountXmlItems(const pugi::xml_document& doc) {
  pugi::xml_node root = doc.document_element();
  std::string_view root_name = LocalName(root.name());
  pugi::xml_node parent = root;
  std::string_view item_name = "item";
  if (root_name == "rss") {
    parent = root.child("channel");
  } else if (root_name == "feed") {
    item_name = "entry";
  }
  size_t n = 0;
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c.name()) == item_name) ++n;
  }
  return n;
}

void FloorOne(const Document& d, Pass& pass, bool verbose) {
  if (d.kind == Kind::kXml) {
    pugi::xml_document doc;
    pugi::xml_parse_result r = doc.load_buffer(d.bytes.data(), d.bytes.size());
    if (!r) {
      ++pass.failed;
      if (verbose) {
        std::fprintf(stderr, "%s: floor: %s at byte %td\n", d.path.c_str(), r.description(),
                     r.offset);
      }
      return;
    }
    pass.items += CountXmlItems(doc);
  } else {
    rapidjson::Document doc;
    doc.Parse(d.bytes.data(), d.bytes.size());
    if (doc.HasParseError()) {
      ++pass.failed;
      if (verbose) {
        std::fprintf(stderr, "%s: floor: JSON error %d at byte %zu\n", d.path.c_str(),
                     static_cast<int>(doc.GetParseError()), doc.GetErrorOffset());
      }
      return;
    }
    if (doc.IsObject()) {
      auto it = doc.FindMember("items");
      if (it != doc.MemberEnd() && it->value.IsArray()) pass.items += it->value.Size();
    }
  }
}

void ParseOne(const Document& d, Pass& pass, bool verbose) {
  static const mineral::feeds::ParseOptions kOptions;
  auto r = mineral::feeds::Parse(d.bytes, kOptions);
  if (!r.ok()) {
    ++pass.failed;
    if (verbose) std::fprintf(stderr, "%s: %s\n", d.path.c_str(), r.status().ToString().c_str());
    return;
  }
  pass.items += r->items.size();
  if (!r->error.empty()) {
    ++pass.ill_formed;
    if (verbose) std::fprintf(stderr, "%s: ill-formed: %s\n", d.path.c_str(), r->error.c_str());
  }
}

// The CPU time this process has used.
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

template <typename Fn>
Pass TimePass(const std::vector<const Document*>& docs, bool cpu_time, Fn&& one) {
  Pass pass;
  const auto t0 = Clock::now();
  const double cpu0 = CpuSeconds();
  for (const Document* d : docs) one(*d, pass);
  pass.seconds =
      cpu_time ? CpuSeconds() - cpu0 : std::chrono::duration<double>(Clock::now() - t0).count();
  return pass;
}

void KeepBest(Pass& best, const Pass& p) {
  if (p.seconds < best.seconds) best = p;
}

double PeakRssMiB() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

struct Row {
  explicit Row(const char* l) : label(l) {}
  const char* label;
  size_t files = 0;
  size_t bytes = 0;
  Pass floor;
  Pass parse;
};

void PrintRow(const Row& r) {
  const double mb = static_cast<double>(r.bytes) / 1e6;
  auto rate = [](double x, double s) { return s > 0 ? x / s : 0.0; };
  const double floor_mbs = rate(mb, r.floor.seconds);
  const double parse_mbs = rate(mb, r.parse.seconds);
  std::printf("%-6s %6zu %8.2f %8zu | %9.1f %11.0f %8zu | %9.1f %11.0f %8zu | %6.2f\n", r.label,
              r.files, mb, r.parse.items, floor_mbs,
              rate(static_cast<double>(r.floor.items), r.floor.seconds), r.floor.items, parse_mbs,
              rate(static_cast<double>(r.parse.items), r.parse.seconds), r.parse.items,
              floor_mbs > 0 && parse_mbs > 0 ? parse_mbs / floor_mbs : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, args)) {
    Usage(argv[0]);
    return 2;
  }
  std::vector<Document> docs;
  try {
    docs = LoadCorpus(args.corpus_dir);
  } catch (const fs::filesystem_error& e) {
    std::fprintf(stderr, "parse_bench: %s\n", e.what());
    return 1;
  }
  if (docs.empty()) {
    std::fprintf(stderr, "parse_bench: no feed files (*.rss *.atom *.rdf *.xml *.json) in %s\n",
                 args.corpus_dir.c_str());
    return 1;
  }
  const double rss_loaded = PeakRssMiB();

  Row xml{"XML"}, json{"JSON"};
  std::vector<const Document*> xml_docs, json_docs;
  for (const Document& d : docs) {
    Row& row = d.kind == Kind::kXml ? xml : json;
    (d.kind == Kind::kXml ? xml_docs : json_docs).push_back(&d);
    ++row.files;
    row.bytes += d.bytes.size();
  }

  const bool verbose = args.verbose;
  const bool cpu_time = args.cpu_time;
  for (int rep = 0; rep < args.reps; ++rep) {
    // Only the first repetition reports per-document problems.
    const bool report = verbose && rep == 0;
    for (auto [row, set] : {std::pair{&xml, &xml_docs}, std::pair{&json, &json_docs}}) {
      if (set->empty()) continue;
      if (args.run_floor) {
        KeepBest(row->floor, TimePass(*set, cpu_time, [report](const Document& d, Pass& p) {
                   FloorOne(d, p, report);
                 }));
      }
      if (args.run_parse) {
        KeepBest(row->parse, TimePass(*set, cpu_time, [report](const Document& d, Pass& p) {
                   ParseOne(d, p, report);
                 }));
      }
    }
  }

  Row all{"all"};
  all.files = xml.files + json.files;
  all.bytes = xml.bytes + json.bytes;
  for (const Row* r : {&xml, &json}) {
    if (r->files == 0) continue;
    for (auto [dst, src] : {std::pair{&all.floor, &r->floor}, std::pair{&all.parse, &r->parse}}) {
      dst->seconds = (std::isinf(dst->seconds) ? 0.0 : dst->seconds) + src->seconds;
      dst->items += src->items;
      dst->failed += src->failed;
      dst->ill_formed += src->ill_formed;
    }
  }

  std::printf(
      "parse_bench: %s: %zu files (%zu XML, %zu JSON), %.2f MB; best of %d reps, "
      "%s, I/O excluded; %s\n",
      args.corpus_dir.c_str(), all.files, xml.files, json.files,
      static_cast<double>(all.bytes) / 1e6, args.reps,
      cpu_time ? "process CPU time" : "steady_clock", mineral::AllocatorName().c_str());
  std::printf(
      "floor = pugixml load_buffer (XML) / RapidJSON Document::Parse (JSON), DOM only; "
      "parse = feeds::Parse, default options\n\n");
  std::printf("%-6s %6s %8s %8s | %9s %11s %8s | %9s %11s %8s | %6s\n", "", "files", "MB", "items",
              "floor", "floor", "floor", "parse", "parse", "parse", "parse/");
  std::printf("%-6s %6s %8s %8s | %9s %11s %8s | %9s %11s %8s | %6s\n", "", "", "", "", "MB/s",
              "items/s", "items", "MB/s", "items/s", "items", "floor");
  for (const Row* r : {&xml, &json, &all}) {
    if (r->files > 0) PrintRow(*r);
  }
  std::printf("\npeak RSS: %.1f MiB (%.1f MiB after loading the corpus)\n", PeakRssMiB(),
              rss_loaded);
  std::printf(
      "floor: %zu documents rejected; parse: %zu documents failed, %zu parsed with "
      "ParsedFeed::error set\n",
      all.floor.failed, all.parse.failed, all.parse.ill_formed);
  if (args.run_floor && args.run_parse && all.floor.items != all.parse.items) {
    std::printf("note: item counts differ (floor %zu, parse %zu)%s\n", all.floor.items,
                all.parse.items, verbose ? "" : "; --verbose lists the documents with problems");
  }
  return 0;
}
