#include "daemon/tag_command.h"

#include <fstream>
#include <istream>
#include <memory>
#include <ostream>
#include <sstream>

#include "daemon/cli.h"
#include "daemon/input.h"
#include "feeds/parser.h"
#include "model/json_out.h"
#include "rules/tagger.h"
#include "rules/vocabulary.h"

namespace mineral::daemon {

const char kTagHelp[] =
    "usage: mineral-alertd tag [options] FILE|- [FILE...]\n"
    "\n"
    "Reads feed documents (any format `parse` reads) and prints, for each item,\n"
    "one line holding one JSON object:\n"
    "  {\"id\": ..., \"minerals\": [...], \"countries\": [...], \"clauses\": [...]}\n"
    "with the vocabulary's canonical ids (minerals such as \"gallium\" and\n"
    "\"rare-earths\", countries as lower-case ISO 3166-1 alpha-2 codes or \"eu\",\n"
    "clauses from the fixed set).  \"id\" is the item's own id (GUID), else its\n"
    "key.  `-` reads standard input.\n"
    "\n"
    "options:\n"
    "  --vocabulary FILE  add to or override the built-in vocabulary with a TOML\n"
    "                     file (docs/vocabulary.md); may be repeated\n"
    "  --capitals         also read capital cities as their countries (\"Beijing\")\n"
    "  --explain          add \"hits\": [{\"term\", \"concept\", \"category\", \"field\",\n"
    "                     \"offset\", \"length\"}] (byte offsets into the field's text)\n"
    "  --max-bytes N      refuse documents larger than N bytes (default 16777216)\n"
    "  -h, --help         show this help\n"
    "\n"
    "exit status: 0 ok, 1 a document could not be read or parsed, 2 usage or\n"
    "vocabulary error\n";

namespace {

std::string RenderItem(const Item& item, const rules::Tagger& tagger, bool explain) {
  const std::vector<rules::Hit> hits = tagger.FindHits(item);
  const rules::Tags tags = tagger.Tag(item, hits);
  JsonOut json;
  json.w().StartObject();
  json.Str("id", item.guid.empty() ? item.key : item.guid);
  json.Strings("minerals", tags.minerals);
  json.Strings("countries", tags.countries);
  json.Strings("clauses", tags.clauses);
  if (explain) {
    const rules::Vocabulary& vocabulary = tagger.vocabulary();
    json.StartArray("hits");
    for (const rules::Hit& h : hits) {
      const rules::Concept& c = vocabulary.concepts[h.concept_index];
      json.w().StartObject();
      json.Str("term", c.terms[h.term_index].text);
      json.Str("concept", c.id);
      json.Str("category", rules::CategoryName(c.category));
      json.Str("field", rules::FieldName(h.field));
      json.Int("offset", static_cast<int64_t>(h.offset));
      json.Int("length", static_cast<int64_t>(h.length));
      json.w().EndObject();
    }
    json.w().EndArray();
  }
  json.w().EndObject();
  return json.Take();
}

}  // namespace

int RunTagCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                  std::ostream& err) {
  feeds::ParseOptions options;
  rules::TaggerOptions tagger_options;
  std::vector<std::string> files;
  std::vector<std::string> vocabulary_files;
  bool explain = false;
  auto usage_error = [&](const std::string& message) {
    err << "mineral-alertd tag: " << message << "\n"
        << "run `mineral-alertd tag --help` for usage\n";
    return kExitUsage;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      out << kTagHelp;
      return kExitOk;
    } else if (a == "--vocabulary") {
      if (i + 1 >= args.size()) return usage_error("--vocabulary needs a value");
      vocabulary_files.push_back(args[++i]);
    } else if (a == "--capitals") {
      tagger_options.capital_metonyms = true;
    } else if (a == "--explain") {
      explain = true;
    } else if (a == "--max-bytes") {
      if (i + 1 >= args.size()) return usage_error("--max-bytes needs a value");
      const std::string& v = args[++i];
      const std::optional<size_t> n = ParsePositiveSize(v);
      if (!n) return usage_error("--max-bytes wants a positive integer, not '" + v + "'");
      options.max_document_bytes = *n;
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error("unknown option '" + a + "'");
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) return usage_error("no input: give a FILE, or - for standard input");

  Result<rules::Vocabulary> vocabulary = rules::LoadBuiltinVocabulary();
  if (!vocabulary.ok()) {
    err << "mineral-alertd tag: built-in vocabulary: " << vocabulary.status().message() << "\n";
    return kExitUsage;
  }
  for (const std::string& path : vocabulary_files) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
      err << "mineral-alertd tag: " << path << ": cannot open\n";
      return kExitUsage;
    }
    std::stringstream text;
    text << f.rdbuf();
    if (Status s = rules::ParseVocabularyToml(text.str(), path, *vocabulary); !s.ok()) {
      err << "mineral-alertd tag: " << s.message() << "\n";
      return kExitUsage;
    }
  }
  if (Status s = rules::ValidateVocabulary(*vocabulary); !s.ok()) {
    err << "mineral-alertd tag: " << s.message() << "\n";
    return kExitUsage;
  }
  auto tagger = rules::Tagger::Compile(*vocabulary, tagger_options);
  if (!tagger.ok()) {
    err << "mineral-alertd tag: " << tagger.status().message() << "\n";
    return kExitUsage;
  }

  return ForEachFeed(files, options, in, err, [&](const feeds::ParsedFeed& parsed) {
    for (const Item& item : parsed.items) out << RenderItem(item, **tagger, explain) << "\n";
  });
}

}  // namespace mineral::daemon
