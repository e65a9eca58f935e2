#include "rules/vocabulary.h"

#include <toml++/toml.h>

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <sstream>
#include <unordered_set>

#include "rules/edit_distance.h"
#include "text/text.h"

namespace mineral::rules {

const char* CategoryName(Category category) {
  switch (category) {
    case Category::kMineral:
      return "mineral";
    case Category::kCountry:
      return "country";
    case Category::kClause:
      return "clause";
    case Category::kContext:
      return "context";
  }
  return "unknown";
}

int Vocabulary::Find(Category category, std::string_view id) const {
  for (size_t i = 0; i < concepts.size(); ++i) {
    if (concepts[i].category == category && concepts[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

std::vector<std::string_view> Vocabulary::Ids(Category category) const {
  std::vector<std::string_view> ids;
  for (const Concept& c : concepts) {
    if (c.category == category) ids.push_back(c.id);
  }
  return ids;
}

std::vector<int> Vocabulary::Expand(Category category, std::string_view id) const {
  std::vector<int> out;
  const int root = Find(category, id);
  if (root < 0) return out;
  std::vector<bool> seen(concepts.size(), false);
  std::vector<int> queue = {root};
  seen[root] = true;
  while (!queue.empty()) {
    const int cur = queue.back();
    queue.pop_back();
    out.push_back(cur);
    for (size_t i = 0; i < concepts.size(); ++i) {
      const Concept& c = concepts[i];
      if (seen[i] || c.category != category) continue;
      if (std::find(c.groups.begin(), c.groups.end(), concepts[cur].id) != c.groups.end()) {
        seen[i] = true;
        queue.push_back(static_cast<int>(i));
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

// "file:line:col: " for a node (or "file: " when it has no position).
std::string Where(std::string_view file, const toml::source_region& src) {
  std::ostringstream s;
  s << file;
  if (src.begin.line > 0) s << ":" << src.begin.line << ":" << src.begin.column;
  s << ": ";
  return s.str();
}

class ConceptReader {
 public:
  ConceptReader(std::string_view file, const toml::table& table, Concept& out)
      : file_(file), table_(table), out_(out) {}

  Status Read() {
    static const std::unordered_set<std::string_view> kKnown = {"id",
                                                                "name",
                                                                "groups",
                                                                "terms",
                                                                "zh",
                                                                "case_sensitive",
                                                                "symbols",
                                                                "opt_in",
                                                                "vetoes",
                                                                "context_vetoes",
                                                                "near",
                                                                "hs",
                                                                "threshold",
                                                                "report",
                                                                "yields_to_specific",
                                                                "implies",
                                                                "effect",
                                                                "note"};
    const toml::node* id = table_.get("id");
    if (id == nullptr || !id->is_string() || id->value<std::string>()->empty()) {
      return Status::ParseError(Where(file_, (id ? *id : table_).source()) +
                                CategoryName(out_.category) + " without an id (id = \"...\")");
    }
    out_.id = *id->value<std::string>();
    for (char c : out_.id) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
        return Error(*id, "use lower-case letters, digits and '-' in ids");
      }
    }
    for (const auto& [key, node] : table_) {
      if (!kKnown.count(key.str())) {
        return KeyError(key, "unknown key '" + std::string(key.str()) + "'");
      }
    }
    out_.name = out_.id;
    if (Status s = String("name", out_.name); !s.ok()) return s;
    if (Status s = Strings("groups", out_.groups); !s.ok()) return s;
    if (Status s = Strings("vetoes", out_.vetoes); !s.ok()) return s;
    if (Status s = Strings("context_vetoes", out_.context_vetoes); !s.ok()) return s;
    if (Status s = Strings("hs", out_.hs_codes); !s.ok()) return s;
    if (Status s = Strings("implies", out_.implies); !s.ok()) return s;
    if (Status s = Number("threshold", out_.threshold); !s.ok()) return s;
    if (Status s = Bool("report", out_.report); !s.ok()) return s;
    if (Status s = Bool("yields_to_specific", out_.yields_to_specific); !s.ok()) return s;
    if (Status s = Effect(); !s.ok()) return s;
    if (Status s = Terms(); !s.ok()) return s;
    if (Status s = Near(); !s.ok()) return s;
    if (out_.terms.empty() && out_.groups.empty() && out_.report) {
      // A concept may be a pure group (named only through its members).
    }
    return Status::Ok();
  }

 private:
  Status Error(const toml::node& node, const std::string& message) const {
    return Status::ParseError(Where(file_, node.source()) + CategoryName(out_.category) + " '" +
                              out_.id + "': " + message);
  }

  Status KeyError(const toml::key& key, const std::string& message) const {
    return Status::ParseError(Where(file_, key.source()) + CategoryName(out_.category) + " '" +
                              out_.id + "': " + message);
  }

  Status String(const char* key, std::string& into) {
    const toml::node* n = table_.get(key);
    if (n == nullptr) return Status::Ok();
    if (!n->is_string()) return Error(*n, std::string("'") + key + "' must be a string");
    into = *n->value<std::string>();
    return Status::Ok();
  }

  Status Bool(const char* key, bool& into) {
    const toml::node* n = table_.get(key);
    if (n == nullptr) return Status::Ok();
    if (!n->is_boolean()) return Error(*n, std::string("'") + key + "' must be true or false");
    into = *n->value<bool>();
    return Status::Ok();
  }

  Status Number(const char* key, double& into, const toml::table* table = nullptr) {
    const toml::node* n = (table ? *table : table_).get(key);
    if (n == nullptr) return Status::Ok();
    if (!n->is_number()) return Error(*n, std::string("'") + key + "' must be a number");
    into = *n->value<double>();
    if (into <= 0) return Error(*n, std::string("'") + key + "' must be positive");
    return Status::Ok();
  }

  Status StringList(const toml::node& n, const char* key, std::vector<std::string>& into) {
    const toml::array* arr = n.as_array();
    if (arr == nullptr) return Error(n, std::string("'") + key + "' must be an array of strings");
    for (const toml::node& e : *arr) {
      if (!e.is_string()) return Error(e, std::string("'") + key + "' must hold strings only");
      const std::string s = *e.value<std::string>();
      if (s.empty()) return Error(e, std::string("empty string in '") + key + "'");
      into.push_back(s);
    }
    return Status::Ok();
  }

  Status Strings(const char* key, std::vector<std::string>& into,
                 const toml::table* table = nullptr) {
    const toml::node* n = (table ? *table : table_).get(key);
    if (n == nullptr) return Status::Ok();
    return StringList(*n, key, into);
  }

  Status Effect() {
    const toml::node* n = table_.get("effect");
    if (n == nullptr) return Status::Ok();
    const auto v = n->value<std::string>();
    if (out_.category != Category::kContext) return Error(*n, "'effect' is for contexts only");
    if (v && *v == "suppress") {
      out_.effect = ContextEffect::kSuppress;
    } else if (v && *v == "support-minerals") {
      out_.effect = ContextEffect::kSupportMinerals;
    } else {
      return Error(*n, "'effect' must be \"suppress\" or \"support-minerals\"");
    }
    return Status::Ok();
  }

  Status AddPlain(const char* key, bool case_sensitive, bool symbol, bool opt_in) {
    std::vector<std::string> list;
    if (Status s = Strings(key, list); !s.ok()) return s;
    for (std::string& text : list) {
      Term t;
      t.text = std::move(text);
      t.case_sensitive = case_sensitive;
      t.symbol = symbol;
      t.opt_in = opt_in;
      out_.terms.push_back(std::move(t));
    }
    return Status::Ok();
  }

  Status Terms() {
    if (const toml::node* n = table_.get("terms")) {
      const toml::array* arr = n->as_array();
      if (arr == nullptr) return Error(*n, "'terms' must be an array");
      for (const toml::node& e : *arr) {
        Term t;
        if (e.is_string()) {
          t.text = *e.value<std::string>();
        } else if (const toml::table* tt = e.as_table()) {
          static const std::unordered_set<std::string_view> kKnown = {
              "text", "case_sensitive", "opt_in", "symbol", "weight", "requires"};
          for (const auto& [key, node] : *tt) {
            if (!kKnown.count(key.str())) {
              return KeyError(key, "unknown term key '" + std::string(key.str()) + "'");
            }
          }
          const toml::node* text = tt->get("text");
          if (text == nullptr || !text->is_string()) return Error(e, "term without a 'text'");
          t.text = *text->value<std::string>();
          t.case_sensitive =
              tt->get("case_sensitive") && tt->get("case_sensitive")->value_or(false);
          t.opt_in = tt->get("opt_in") && tt->get("opt_in")->value_or(false);
          t.symbol = tt->get("symbol") && tt->get("symbol")->value_or(false);
          if (Status s = Number("weight", t.weight, tt); !s.ok()) return s;
          if (Status s = Strings("requires", t.requires_clauses, tt); !s.ok()) return s;
        } else {
          return Error(e, "a term is a string or a table {text = ...}");
        }
        if (t.text.empty()) return Error(e, "empty term");
        out_.terms.push_back(std::move(t));
      }
    }
    if (Status s = AddPlain("zh", false, false, false); !s.ok()) return s;
    if (Status s = AddPlain("case_sensitive", true, false, false); !s.ok()) return s;
    if (Status s = AddPlain("symbols", true, true, false); !s.ok()) return s;
    if (Status s = AddPlain("opt_in", false, false, true); !s.ok()) return s;
    return Status::Ok();
  }

  Status Near() {
    const toml::node* n = table_.get("near");
    if (n == nullptr) return Status::Ok();
    const toml::array* arr = n->as_array();
    if (arr == nullptr) return Error(*n, "'near' must be an array of tables");
    for (const toml::node& e : *arr) {
      const toml::table* t = e.as_table();
      if (t == nullptr) return Error(e, "'near' entries are tables {a = [...], b = [...]}");
      static const std::unordered_set<std::string_view> kKnown = {"a", "b", "within", "weight",
                                                                  "case_sensitive"};
      for (const auto& [key, node] : *t) {
        if (!kKnown.count(key.str())) {
          return KeyError(key, "unknown 'near' key '" + std::string(key.str()) + "'");
        }
      }
      Proximity p;
      if (Status s = Strings("a", p.a, t); !s.ok()) return s;
      if (Status s = Strings("b", p.b, t); !s.ok()) return s;
      if (p.a.empty() || p.b.empty()) return Error(e, "'near' needs non-empty 'a' and 'b'");
      if (const toml::node* w = t->get("within")) {
        const auto v = w->value<int64_t>();
        if (!w->is_integer() || !v || *v < 0 || *v > 50) {
          return Error(*w, "'within' must be an integer from 0 to 50");
        }
        p.within = static_cast<int>(*v);
      }
      p.case_sensitive = t->get("case_sensitive") && t->get("case_sensitive")->value_or(false);
      Term term;
      if (Status s = Number("weight", term.weight, t); !s.ok()) return s;
      term.text = p.a.front() + " NEAR/" + std::to_string(p.within) + " " + p.b.front();
      term.proximity = static_cast<int>(out_.near.size());
      out_.near.push_back(std::move(p));
      out_.terms.push_back(std::move(term));
    }
    return Status::Ok();
  }

  std::string_view file_;
  const toml::table& table_;
  Concept& out_;
};

struct Section {
  const char* key;
  Category category;
};
constexpr Section kSections[] = {{"mineral", Category::kMineral},
                                 {"country", Category::kCountry},
                                 {"clause", Category::kClause},
                                 {"context", Category::kContext}};

}  // namespace

Status ParseVocabularyToml(std::string_view text, std::string_view file_name, Vocabulary& into) {
  toml::table root;
  try {
    root = toml::parse(text, file_name);
  } catch (const toml::parse_error& e) {
    return Status::ParseError(Where(file_name, e.source()) + text::EscapeControls(e.description()));
  }
  for (const auto& [key, node] : root) {
    bool known = false;
    for (const Section& s : kSections) known = known || key.str() == s.key;
    if (!known) {
      return Status::ParseError(Where(file_name, node.source()) + "unknown section '" +
                                std::string(key.str()) +
                                "' (expected [[mineral]], [[country]], [[clause]] or [[context]])");
    }
  }
  for (const Section& section : kSections) {
    const toml::node* node = root.get(section.key);
    if (node == nullptr) continue;
    const toml::array* arr = node->as_array();
    if (arr == nullptr || !arr->is_array_of_tables()) {
      return Status::ParseError(Where(file_name, node->source()) + "'" + section.key +
                                "' must be an array of tables: [[" + section.key + "]]");
    }
    for (const toml::node& e : *arr) {
      Concept c;
      c.category = section.category;
      c.source_location = std::string(file_name) + ":" + std::to_string(e.source().begin.line);
      if (Status s = ConceptReader(file_name, *e.as_table(), c).Read(); !s.ok()) return s;
      const int existing = into.Find(c.category, c.id);
      if (existing >= 0) {
        into.concepts[existing] = std::move(c);
      } else {
        into.concepts.push_back(std::move(c));
      }
    }
  }
  return Status::Ok();
}

Status ValidateVocabulary(const Vocabulary& vocabulary) {
  const auto& concepts = vocabulary.concepts;
  for (const Concept& c : concepts) {
    auto where = [&] {
      return c.source_location + ": " + CategoryName(c.category) + " '" + c.id + "': ";
    };
    for (const std::string& g : c.groups) {
      if (vocabulary.Find(c.category, g) < 0) {
        std::string hint;
        const std::string_view closest = ClosestMatch(g, vocabulary.Ids(c.category));
        if (!closest.empty()) hint = " (did you mean '" + std::string(closest) + "'?)";
        return Status::InvalidArgument(where() + "unknown group '" + g + "'" + hint);
      }
    }
    for (const std::string& g : c.implies) {
      if (vocabulary.Find(c.category, g) < 0) {
        return Status::InvalidArgument(where() + "implies unknown " + CategoryName(c.category) +
                                       " '" + g + "'");
      }
    }
    for (const Term& t : c.terms) {
      for (const std::string& r : t.requires_clauses) {
        if (vocabulary.Find(Category::kClause, r) < 0) {
          return Status::InvalidArgument(where() + "term '" + t.text +
                                         "' requires unknown clause '" + r + "'");
        }
      }
    }
    if (c.terms.empty() && c.category != Category::kContext &&
        vocabulary.Expand(c.category, c.id).size() <= 1) {
      return Status::InvalidArgument(where() + "no terms and no members");
    }
  }
  // Cycles in groups: depth-first search with colours.
  std::vector<int> colour(concepts.size(), 0);
  std::function<bool(int)> visit = [&](int i) {
    colour[i] = 1;
    for (const std::string& g : concepts[i].groups) {
      const int j = vocabulary.Find(concepts[i].category, g);
      if (j < 0) continue;
      if (colour[j] == 1) return false;
      if (colour[j] == 0 && !visit(j)) return false;
    }
    colour[i] = 2;
    return true;
  };
  for (size_t i = 0; i < concepts.size(); ++i) {
    if (colour[i] == 0 && !visit(static_cast<int>(i))) {
      return Status::InvalidArgument(concepts[i].source_location + ": " +
                                     CategoryName(concepts[i].category) + " '" + concepts[i].id +
                                     "': cycle in groups");
    }
  }
  return Status::Ok();
}

Result<Vocabulary> LoadBuiltinVocabulary() {
  Vocabulary vocabulary;
  for (const EmbeddedVocabularyFile& f : EmbeddedVocabularyFiles()) {
    if (Status s = ParseVocabularyToml(f.text, f.name, vocabulary); !s.ok()) return s;
  }
  if (Status s = ValidateVocabulary(vocabulary); !s.ok()) return s;
  return vocabulary;
}

}  // namespace mineral::rules
