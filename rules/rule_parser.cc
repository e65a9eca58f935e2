#include "rules/rule_parser.h"

#include <hs/hs.h>
#include <toml++/toml.h>

#include <algorithm>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "rules/edit_distance.h"
#include "text/text.h"

namespace mineral::rules {

const char* SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kCritical:
      return "critical";
  }
  return "warning";
}

const char* ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kAny:
      return "any";
    case Scope::kTitle:
      return "title";
    case Scope::kSummary:
      return "summary";
    case Scope::kContent:
      return "content";
  }
  return "any";
}

const char* MetaFieldName(MetaField field) {
  switch (field) {
    case MetaField::kSource:
      return "source";
    case MetaField::kFeed:
      return "feed";
    case MetaField::kLang:
      return "lang";
    case MetaField::kCategory:
      return "category";
  }
  return "source";
}

namespace {

constexpr std::string_view kDash = " \xE2\x80\x94 ";  // " — "

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// "file:line:col: message", the source line, and a caret under the column.
Status PositionedError(std::string_view file_name, std::string_view text, SourcePos pos,
                       std::string_view message) {
  std::string out(file_name);
  out += ':' + std::to_string(pos.line) + ':' + std::to_string(pos.column) + ": ";
  // One line, whatever a quoted value or toml++'s description holds.
  out += text::EscapeControls(message);
  out += '\n';
  out += text::PointAt(text::LineOf(text, pos.line), pos.column);
  return Status::ParseError(std::move(out));
}

SourcePos PosOfByte(std::string_view text, size_t index) {
  SourcePos pos{1, 1};
  for (size_t i = 0; i < index && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else if (!IsContinuationByte(text[i])) {
      ++pos.column;
    }
  }
  return pos;
}

// ByteIndex and PosOfByte for one text, by its line starts: a rule file of
// 1,000 rules asks for a position per term, and rereading the file from its
// start for each made parsing quadratic.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text) : text_(text) {
    starts_.push_back(0);
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') starts_.push_back(i + 1);
    }
  }

  std::string_view text() const { return text_; }

  // Byte index of (line, column), columns in code points.
  size_t ByteIndex(SourcePos pos) const {
    size_t i = 0;
    if (pos.line > 1) {
      const auto line = static_cast<size_t>(pos.line - 1);
      i = line < starts_.size() ? starts_[line] : text_.size();
    }
    for (int c = 1; c < pos.column && i < text_.size(); ++c) {
      ++i;
      while (i < text_.size() && IsContinuationByte(text_[i])) ++i;
    }
    return i;
  }

  SourcePos PosOfByte(size_t index) const {
    index = std::min(index, text_.size());
    const auto after = std::upper_bound(starts_.begin(), starts_.end(), index);
    SourcePos pos{static_cast<int>(after - starts_.begin()), 1};
    for (size_t i = *(after - 1); i < index; ++i) {
      if (!IsContinuationByte(text_[i])) ++pos.column;
    }
    return pos;
  }

 private:
  std::string_view text_;
  std::vector<size_t> starts_;  // byte index where each line starts
};

size_t Utf8Length(uint32_t cp) { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; }

// Where the byte `offset` of a TOML string's value lies in the file, given
// where the string token starts.  Re-reads the token: skips the delimiter
// (and the newline that opens a multi-line string), then walks escapes
// (which are longer in the file than in the value) and line-ending
// backslashes (which vanish) until `offset` value bytes are behind.
SourcePos MapStringOffset(const LineIndex& lines, SourcePos start, size_t offset) {
  const std::string_view text = lines.text();
  size_t p = lines.ByteIndex(start);
  const std::string_view rest = text.substr(std::min(p, text.size()));
  bool basic = true;
  bool multiline = false;
  if (rest.starts_with("\"\"\"") || rest.starts_with("'''")) {
    basic = rest[0] == '"';
    multiline = true;
    p += 3;
    if (text.substr(p).starts_with("\r\n")) {
      p += 2;
    } else if (text.substr(p).starts_with("\n")) {
      p += 1;
    }
  } else if (!rest.empty() && (rest[0] == '"' || rest[0] == '\'')) {
    basic = rest[0] == '"';
    p += 1;
  } else {
    return start;  // not a string token: point at the value
  }
  size_t produced = 0;
  while (p < text.size()) {
    if (basic && text[p] == '\\' && p + 1 < text.size()) {
      const char e = text[p + 1];
      size_t raw = 2;
      size_t bytes = 1;
      if (e == 'u' || e == 'U') {
        const size_t digits = e == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (size_t k = 0; k < digits && p + 2 + k < text.size(); ++k) {
          const char h = text[p + 2 + k];
          const int v = h >= '0' && h <= '9'   ? h - '0'
                        : h >= 'a' && h <= 'f' ? h - 'a' + 10
                        : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                               : 0;
          cp = cp * 16 + static_cast<uint32_t>(v);
        }
        raw = 2 + digits;
        bytes = Utf8Length(cp);
      } else if (multiline && (e == ' ' || e == '\t' || e == '\n' || e == '\r')) {
        // Line-ending backslash: it and all whitespace after it vanish.
        size_t q = p + 1;
        while (q < text.size() &&
               (text[q] == ' ' || text[q] == '\t' || text[q] == '\n' || text[q] == '\r')) {
          ++q;
        }
        p = q;
        continue;
      }
      if (produced + bytes > offset) break;
      produced += bytes;
      p += raw;
      continue;
    }
    if (multiline && text[p] == '\r' && p + 1 < text.size() && text[p + 1] == '\n') {
      // toml++ gives "\n" for a CRLF line break.
      if (produced + 1 > offset) break;
      produced += 1;
      p += 2;
      continue;
    }
    if (produced >= offset) break;
    ++produced;
    ++p;
  }
  return lines.PosOfByte(p);
}

SourcePos ToPos(const toml::source_position& p) {
  return SourcePos{static_cast<int>(p.line), static_cast<int>(p.column)};
}

// ---------------------------------------------------------------------------
// The expression language.

enum class TokenKind {
  kEnd,
  kLParen,
  kRParen,
  kWord,
  kPhrase,
  kField,
  kRegex,
  kAnd,
  kOr,
  kNot,
  kNear
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // word, phrase content, field name, regex pattern
  int distance = 0;  // kNear
  size_t offset = 0;
  size_t length = 0;
};

const char* const kFieldNames[] = {"title",   "summary", "content", "source",   "feed", "lang",
                                   "mineral", "country", "clause",  "category", "re"};

// What bare words mean where they stand.
struct Context {
  enum class Kind { kText, kConcept, kMeta } kind = Kind::kText;
  Scope scope = Scope::kAny;
  Category category = Category::kMineral;
  MetaField meta = MetaField::kSource;
  std::string field;  // the field that set this context ("mineral"), for messages
};

// Recursive descent, one method per production (docs/rules.md has the
// grammar).  Offsets are bytes of the expression; `map_` turns them into file
// positions and `error_` into a positioned Status.
class ExpressionParser {
 public:
  ExpressionParser(std::string_view expr, const Vocabulary& vocabulary,
                   const RuleParseOptions& options, std::function<SourcePos(size_t)> map,
                   std::function<Status(SourcePos, std::string)> error)
      : expr_(expr),
        vocabulary_(vocabulary),
        options_(options),
        map_(std::move(map)),
        error_(std::move(error)) {}

  Result<Node> Parse() {
    if (expr_.size() > options_.max_expression_bytes) {
      Fail(0, "expression too long (more than " + std::to_string(options_.max_expression_bytes) +
                  " bytes)");
      return status_;
    }
    if (!Advance()) return status_;
    if (token_.kind == TokenKind::kEnd) {
      Fail(token_.offset, "empty expression");
      return status_;
    }
    std::optional<Node> node = ParseOr(Context{});
    if (!node) return status_;
    if (token_.kind == TokenKind::kRParen) {
      Fail(token_.offset, "unexpected ')'");
      return status_;
    }
    if (token_.kind != TokenKind::kEnd) {
      Fail(token_.offset, "unexpected '" + Describe(token_) + "'");
      return status_;
    }
    return std::move(*node);
  }

 private:
  // or := and ("OR" and)*
  std::optional<Node> ParseOr(const Context& ctx) {
    std::optional<Node> first = ParseAnd(ctx);
    if (!first) return std::nullopt;
    if (token_.kind != TokenKind::kOr) return first;
    Node node;
    node.kind = NodeKind::kOr;
    node.pos = first->pos;
    node.children.push_back(std::move(*first));
    while (token_.kind == TokenKind::kOr) {
      const Token op = token_;
      if (!Advance()) return std::nullopt;
      if (!StartsOperand()) return ExpectOperandAfter(op);
      std::optional<Node> next = ParseAnd(ctx);
      if (!next) return std::nullopt;
      node.children.push_back(std::move(*next));
    }
    return node;
  }

  // and := not (["AND"] not)*   -- adjacent terms are ANDed
  std::optional<Node> ParseAnd(const Context& ctx) {
    std::optional<Node> first = ParseNot(ctx);
    if (!first) return std::nullopt;
    if (token_.kind != TokenKind::kAnd && !StartsOperand()) return first;
    Node node;
    node.kind = NodeKind::kAnd;
    node.pos = first->pos;
    node.children.push_back(std::move(*first));
    while (token_.kind == TokenKind::kAnd || StartsOperand()) {
      if (token_.kind == TokenKind::kAnd) {
        const Token op = token_;
        if (!Advance()) return std::nullopt;
        if (!StartsOperand()) return ExpectOperandAfter(op);
      }
      std::optional<Node> next = ParseNot(ctx);
      if (!next) return std::nullopt;
      node.children.push_back(std::move(*next));
    }
    return node;
  }

  // not := "NOT" not | near
  std::optional<Node> ParseNot(const Context& ctx) {
    if (token_.kind != TokenKind::kNot) return ParseNear(ctx);
    const Token op = token_;
    if (++depth_ > options_.max_depth) return TooDeep(op.offset);
    if (!Advance()) return std::nullopt;
    if (!StartsOperand()) return ExpectOperandAfter(op);
    std::optional<Node> operand = ParseNot(ctx);
    --depth_;
    if (!operand) return std::nullopt;
    Node node;
    node.kind = NodeKind::kNot;
    node.pos = map_(op.offset);
    node.children.push_back(std::move(*operand));
    return node;
  }

  // near := primary ["NEAR/n" primary]
  std::optional<Node> ParseNear(const Context& ctx) {
    std::optional<Node> left = ParsePrimary(ctx);
    if (!left) return std::nullopt;
    if (token_.kind != TokenKind::kNear) return left;
    const Token op = token_;
    if (op.distance < 1 || op.distance > 100) {
      return Fail(op.offset, "NEAR distance must be between 1 and 100 words");
    }
    if (!Advance()) return std::nullopt;
    if (!StartsOperand() || token_.kind == TokenKind::kNot) {
      return Fail(token_.offset,
                  "expected a word, phrase or category term after '" + Describe(op) + "'");
    }
    std::optional<Node> right = ParsePrimary(ctx);
    if (!right) return std::nullopt;
    if (!Positional(*left) || !Positional(*right)) {
      return Fail(op.offset, "'" + Describe(op) +
                                 "' needs a word, phrase, category term or regular expression on "
                                 "each side");
    }
    if (token_.kind == TokenKind::kNear) {
      return Fail(token_.offset, "NEAR cannot be chained: use (a NEAR/n b) AND (b NEAR/n c)");
    }
    Node node;
    node.kind = NodeKind::kNear;
    node.distance = op.distance;
    node.pos = left->pos;
    node.children.push_back(std::move(*left));
    node.children.push_back(std::move(*right));
    return node;
  }

  // primary := "(" or ")" | field primary | word | phrase | regex
  std::optional<Node> ParsePrimary(const Context& ctx) {
    const Token t = token_;
    switch (t.kind) {
      case TokenKind::kLParen: {
        if (++depth_ > options_.max_depth) return TooDeep(t.offset);
        if (!Advance()) return std::nullopt;
        if (token_.kind == TokenKind::kRParen) return Fail(token_.offset, "empty parentheses");
        std::optional<Node> inner = ParseOr(ctx);
        if (!inner) return std::nullopt;
        if (token_.kind != TokenKind::kRParen) {
          return Fail(token_.offset, "expected ')' after '" + Describe(last_) + "'");
        }
        --depth_;
        if (!Advance()) return std::nullopt;
        return inner;
      }
      case TokenKind::kField:
        return ParseField(ctx);
      case TokenKind::kWord:
      case TokenKind::kPhrase:
        if (!Advance()) return std::nullopt;
        return ParseTerm(ctx, t);
      case TokenKind::kRegex:
        if (!Advance()) return std::nullopt;
        return ParseRegex(ctx, t);
      case TokenKind::kEnd:
        return Fail(t.offset, "unexpected end of expression");
      case TokenKind::kRParen:
        return Fail(t.offset, "unexpected ')'");
      default:
        return Fail(t.offset, "unexpected '" + Describe(t) + "'");
    }
  }

  // field := name ":" primary, where name sets what the words of the primary
  // mean.
  std::optional<Node> ParseField(const Context& ctx) {
    const Token t = token_;
    const std::string name = AsciiLower(t.text);
    Context inner = ctx;
    inner.field = name;
    auto nested = [&]() {
      return Fail(t.offset, "'" + t.text + ":' cannot appear inside '" + ctx.field + ":'");
    };
    if (name == "title" || name == "summary" || name == "content") {
      if (ctx.kind != Context::Kind::kText || ctx.scope != Scope::kAny) return nested();
      inner.scope = name == "title"     ? Scope::kTitle
                    : name == "summary" ? Scope::kSummary
                                        : Scope::kContent;
    } else if (name == "mineral" || name == "country" || name == "clause") {
      if (ctx.kind != Context::Kind::kText) return nested();
      inner.kind = Context::Kind::kConcept;
      inner.category = name == "mineral"   ? Category::kMineral
                       : name == "country" ? Category::kCountry
                                           : Category::kClause;
    } else if (name == "source" || name == "feed" || name == "lang" || name == "category") {
      if (ctx.kind != Context::Kind::kText || ctx.scope != Scope::kAny) return nested();
      inner.kind = Context::Kind::kMeta;
      inner.meta = name == "source" ? MetaField::kSource
                   : name == "feed" ? MetaField::kFeed
                   : name == "lang" ? MetaField::kLang
                                    : MetaField::kCategory;
    } else {
      std::vector<std::string_view> names(std::begin(kFieldNames), std::end(kFieldNames));
      std::string message = "unknown field '" + t.text + ":'";
      const std::string_view hint = ClosestMatch(name, names);
      if (!hint.empty())
        message += std::string(kDash) + "did you mean '" + std::string(hint) + ":'?";
      return Fail(t.offset, message);
    }
    if (!Advance()) return std::nullopt;
    switch (token_.kind) {
      case TokenKind::kLParen:
      case TokenKind::kWord:
      case TokenKind::kPhrase:
      case TokenKind::kField:
      case TokenKind::kRegex:
        return ParsePrimary(inner);
      default:
        return Fail(token_.offset, "expected a value after '" + t.text + ":'");
    }
  }

  // A word or quoted phrase: a keyword, a concept or a metadata value,
  // depending on the field around it.
  std::optional<Node> ParseTerm(const Context& ctx, const Token& t) {
    Node node;
    node.pos = map_(t.kind == TokenKind::kPhrase ? t.offset + 1 : t.offset);
    const size_t value_offset = t.kind == TokenKind::kPhrase ? t.offset + 1 : t.offset;
    if (t.kind == TokenKind::kPhrase && t.text.find_first_not_of(" \t\r\n") == std::string::npos) {
      return Fail(t.offset, "empty phrase");
    }
    switch (ctx.kind) {
      case Context::Kind::kText: {
        node.kind = NodeKind::kKeyword;
        node.scope = ctx.scope;
        node.text = t.text;
        const size_t star = t.text.find('*');
        if (star != std::string::npos) {
          if (star + 1 != t.text.size()) {
            return Fail(value_offset + star, "'*' may only end a word");
          }
          if (text::NormalizeForMatching(t.text.substr(0, star)).size() < 3) {
            return Fail(value_offset + star, "'*' needs at least three letters before it");
          }
        }
        if (text::NormalizeForMatching(t.text).empty()) {
          return Fail(t.offset, "'" + t.text + "' has no letters to match");
        }
        return node;
      }
      case Context::Kind::kConcept: {
        std::optional<std::string> id = ResolveConcept(ctx.category, t.text);
        if (!id) {
          std::string message =
              std::string("unknown ") + CategoryName(ctx.category) + " '" + t.text + "'";
          const std::string hint = SuggestConcept(ctx.category, t.text);
          if (!hint.empty()) message += std::string(kDash) + "did you mean '" + hint + "'?";
          return Fail(value_offset, message);
        }
        node.kind = NodeKind::kConcept;
        node.category = ctx.category;
        node.scope = ctx.scope;
        node.text = std::move(*id);
        return node;
      }
      case Context::Kind::kMeta:
        node.kind = NodeKind::kMeta;
        node.meta = ctx.meta;
        node.text = t.text;
        return node;
    }
    return node;
  }

  std::optional<Node> ParseRegex(const Context& ctx, const Token& t) {
    if (ctx.kind != Context::Kind::kText) {
      return Fail(t.offset, "'re:' cannot appear inside '" + ctx.field + ":'");
    }
    if (t.text.empty()) return Fail(t.offset + 4, "empty regular expression");
    if (t.text.size() > options_.max_regex_bytes) {
      return Fail(t.offset + 4, "regular expression too long (more than " +
                                    std::to_string(options_.max_regex_bytes) + " bytes)");
    }
    // Hyperscan unrolls counted repeats: "c{1000}d{1000}" takes it tens of
    // seconds to compile (found by fuzz/fuzz_rules.cc).  Keep them small.
    int total_repeat = 0;
    for (size_t i = 0; i < t.text.size(); ++i) {
      if (t.text[i] == '\\') {
        ++i;
        continue;
      }
      if (t.text[i] != '{') continue;
      int count = 0;
      size_t j = i + 1;
      while (j < t.text.size() && ((t.text[j] >= '0' && t.text[j] <= '9') || t.text[j] == ',')) {
        if (t.text[j] == ',') {
          count = 0;
        } else {
          count = std::min(count * 10 + (t.text[j] - '0'), 100000);
        }
        ++j;
      }
      if (j < t.text.size() && t.text[j] == '}') total_repeat += std::max(count, 1);
      if (count > 100 || total_repeat > 200) {
        return Fail(t.offset + 4,
                    "regular expression repeats too much (at most {100} each, 200 in all)");
      }
    }
    // Compiled here only to report errors where they are; the engine
    // compiles all patterns together.
    hs_database_t* db = nullptr;
    hs_compile_error_t* compile_error = nullptr;
    const std::string pattern = t.text;
    if (hs_compile(pattern.c_str(),
                   HS_FLAG_UTF8 | HS_FLAG_UCP | HS_FLAG_CASELESS | HS_FLAG_SOM_LEFTMOST,
                   HS_MODE_BLOCK, nullptr, &db, &compile_error) != HS_SUCCESS) {
      std::string reason =
          compile_error && compile_error->message ? compile_error->message : "unknown error";
      if (reason.starts_with("Pattern matches empty buffer")) reason = "it matches the empty text";
      std::string message = "invalid regular expression: " + reason;
      hs_free_compile_error(compile_error);
      return Fail(t.offset + 4, message);
    }
    hs_free_database(db);
    Node node;
    node.kind = NodeKind::kRegex;
    node.scope = ctx.scope;
    node.text = t.text;
    node.pos = map_(t.offset);
    return node;
  }

  // By id, then case-insensitively by id or display name ("China").
  std::optional<std::string> ResolveConcept(Category category, std::string_view word) const {
    if (vocabulary_.Find(category, word) >= 0) return std::string(word);
    const std::string lower = AsciiLower(word);
    const std::string folded = text::NormalizeForMatching(word);
    for (const Concept& c : vocabulary_.concepts) {
      if (c.category != category) continue;
      if (AsciiLower(c.id) == lower || text::NormalizeForMatching(c.name) == folded) return c.id;
    }
    return std::nullopt;
  }

  // The id of the concept whose id or display name is closest to `word`.
  std::string SuggestConcept(Category category, std::string_view word) const {
    std::vector<std::string_view> candidates;
    std::vector<const Concept*> owners;
    for (const Concept& c : vocabulary_.concepts) {
      if (c.category != category) continue;
      candidates.push_back(c.id);
      owners.push_back(&c);
    }
    for (const Concept& c : vocabulary_.concepts) {
      if (c.category != category) continue;
      candidates.push_back(c.name);
      owners.push_back(&c);
    }
    const std::string_view hint = ClosestMatch(word, candidates);
    if (hint.empty()) return {};
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (candidates[i].data() == hint.data()) return owners[i]->id;
    }
    return std::string(hint);
  }

  static bool Positional(const Node& node) {
    switch (node.kind) {
      case NodeKind::kKeyword:
      case NodeKind::kConcept:
      case NodeKind::kRegex:
        return true;
      case NodeKind::kOr:
        return std::all_of(node.children.begin(), node.children.end(), Positional);
      default:
        return false;
    }
  }

  bool StartsOperand() const {
    switch (token_.kind) {
      case TokenKind::kLParen:
      case TokenKind::kWord:
      case TokenKind::kPhrase:
      case TokenKind::kField:
      case TokenKind::kRegex:
      case TokenKind::kNot:
        return true;
      default:
        return false;
    }
  }

  std::nullopt_t ExpectOperandAfter(const Token& op) {
    if (token_.kind == TokenKind::kEnd) {
      return Fail(token_.offset, "expected a term after '" + Describe(op) + "'");
    }
    return Fail(token_.offset,
                "expected a term after '" + Describe(op) + "', not '" + Describe(token_) + "'");
  }

  std::nullopt_t TooDeep(size_t offset) {
    return Fail(offset, "expression nested too deeply (more than " +
                            std::to_string(options_.max_depth) + " levels)");
  }

  std::string Describe(const Token& t) const {
    switch (t.kind) {
      case TokenKind::kEnd:
        return "end of expression";
      case TokenKind::kPhrase:
        return "\"" + t.text + "\"";
      case TokenKind::kField:
        return t.text + ":";
      default:
        return std::string(expr_.substr(t.offset, t.length));
    }
  }

  std::nullopt_t Fail(size_t offset, std::string message) {
    if (status_.ok()) status_ = error_(map_(offset), std::move(message));
    return std::nullopt;
  }

  // Reads the next token into token_; false (status_ set) on a lexical error.
  bool Advance() {
    last_ = token_;
    size_t p = pos_;
    while (p < expr_.size() &&
           (expr_[p] == ' ' || expr_[p] == '\t' || expr_[p] == '\n' || expr_[p] == '\r')) {
      ++p;
    }
    Token t;
    t.offset = p;
    if (p >= expr_.size()) {
      t.kind = TokenKind::kEnd;
      pos_ = p;
      token_ = t;
      return true;
    }
    const char c = expr_[p];
    if (c == '(' || c == ')') {
      t.kind = c == '(' ? TokenKind::kLParen : TokenKind::kRParen;
      t.length = 1;
      pos_ = p + 1;
    } else if (c == '"') {
      const size_t close = expr_.find('"', p + 1);
      if (close == std::string_view::npos) {
        Fail(p, "unterminated phrase: missing closing '\"'");
        return false;
      }
      t.kind = TokenKind::kPhrase;
      t.text = std::string(expr_.substr(p + 1, close - p - 1));
      t.length = close + 1 - p;
      pos_ = close + 1;
    } else {
      size_t end = p;
      while (end < expr_.size() && !IsDelimiter(expr_[end])) ++end;
      const std::string_view word = expr_.substr(p, end - p);
      if (end < expr_.size() && expr_[end] == ':') {
        if (word.empty()) {
          Fail(p, "expected a field name before ':'");
          return false;
        }
        if (AsciiLower(word) == "re" && end + 1 < expr_.size() && expr_[end + 1] == '/') {
          return LexRegex(p, end + 2);
        }
        t.kind = TokenKind::kField;
        t.text = std::string(word);
        t.length = end + 1 - p;
        pos_ = end + 1;
      } else {
        t.length = word.size();
        t.text = std::string(word);
        const std::string lower = AsciiLower(word);
        pos_ = end;
        if (lower == "and") {
          t.kind = TokenKind::kAnd;
        } else if (lower == "or") {
          t.kind = TokenKind::kOr;
        } else if (lower == "not") {
          t.kind = TokenKind::kNot;
        } else if (lower == "near") {
          Fail(p, "'" + std::string(word) + "' needs a distance, as in NEAR/5");
          return false;
        } else if (lower.starts_with("near/")) {
          const std::string digits = lower.substr(5);
          if (digits.empty() || digits.size() > 4 ||
              digits.find_first_not_of("0123456789") != std::string::npos) {
            Fail(p, "'" + std::string(word) + "' needs a number of words, as in NEAR/5");
            return false;
          }
          t.kind = TokenKind::kNear;
          t.distance = std::stoi(digits);
        } else {
          t.kind = TokenKind::kWord;
        }
      }
    }
    token_ = t;
    return true;
  }

  // re:/pattern/ -- '\/' stands for '/' and other escapes pass to the
  // pattern unchanged.
  bool LexRegex(size_t start, size_t p) {
    std::string pattern;
    for (; p < expr_.size(); ++p) {
      if (expr_[p] == '\\' && p + 1 < expr_.size()) {
        if (expr_[p + 1] != '/') pattern += '\\';
        pattern += expr_[++p];
        continue;
      }
      if (expr_[p] == '/') break;
      pattern += expr_[p];
    }
    if (p >= expr_.size()) {
      Fail(start, "unterminated regular expression: missing closing '/'");
      return false;
    }
    Token t;
    t.kind = TokenKind::kRegex;
    t.text = std::move(pattern);
    t.offset = start;
    t.length = p + 1 - start;
    pos_ = p + 1;
    if (pos_ < expr_.size() && !IsDelimiter(expr_[pos_]) && expr_[pos_] != ' ') {
      Fail(pos_, "unexpected text after regular expression (flags are not supported)");
      return false;
    }
    token_ = t;
    return true;
  }

  static bool IsDelimiter(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')' || c == '"' ||
           c == ':';
  }

  std::string_view expr_;
  const Vocabulary& vocabulary_;
  const RuleParseOptions& options_;
  std::function<SourcePos(size_t)> map_;
  std::function<Status(SourcePos, std::string)> error_;
  size_t pos_ = 0;
  Token token_;
  Token last_;
  int depth_ = 0;
  Status status_;
};

// ---------------------------------------------------------------------------
// The TOML layer.

bool IsBareKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

struct TomlProblem {
  SourcePos pos;
  std::string message;
};

// Input toml++ 3.3 mishandles, refused before it sees it (both found by
// fuzz/fuzz_rules.cc):
//  - a table header "[" or "[[" not followed by a key ("[[= x"): toml++
//    assumes one (TOML_ASSERT_ASSUME, undefined behaviour when false);
//  - a non-ASCII character outside strings and comments: its Unicode
//    whitespace test reaches __builtin_unreachable for U+00A1..U+049A.
// Neither is valid TOML.  Walks the document as TOML does (strings,
// comments, nesting of values).
std::optional<TomlProblem> PrecheckToml(std::string_view text) {
  int depth = 0;  // [] and {} nesting inside values
  bool line_start = true;
  char prev = '\n';  // the last significant character
  size_t i = 0;
  auto skip_string = [&](std::string_view delimiter, bool escapes) {
    i += delimiter.size();
    while (i < text.size() && !text.substr(i).starts_with(delimiter)) {
      if (delimiter.size() == 1 && text[i] == '\n') return;  // unterminated: toml++ reports it
      i += (escapes && text[i] == '\\') ? 2 : 1;
    }
    i += delimiter.size();
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\n') {
      line_start = true;
      ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    const bool at_line_start = line_start;
    line_start = false;
    // A quote opens a string only where TOML expects a key or a value;
    // elsewhere ("x = 0\"...") toml++ reads it as part of a bare token.
    const bool string_allowed =
        at_line_start || prev == '=' || prev == '[' || prev == ',' || prev == '{' || prev == '.';
    prev = c;
    if (!string_allowed && (c == '"' || c == '\'')) {
      ++i;
    } else if (text.substr(i).starts_with("\"\"\"")) {
      skip_string("\"\"\"", true);
    } else if (text.substr(i).starts_with("'''")) {
      skip_string("'''", false);
    } else if (c == '"') {
      skip_string("\"", true);
    } else if (c == '\'') {
      skip_string("'", false);
    } else if (c == '[' && at_line_start && depth == 0) {
      size_t j = i + 1;
      if (j < text.size() && text[j] == '[') ++j;
      while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
      if (j >= text.size() || !(IsBareKeyChar(text[j]) || text[j] == '"' || text[j] == '\'')) {
        return TomlProblem{PosOfByte(text, j), "expected a table name after '['"};
      }
      // The header's key and brackets: a line of its own.
      while (i < text.size() && text[i] != '\n' && text[i] != '#' && text[i] != '"' &&
             text[i] != '\'' && static_cast<unsigned char>(text[i]) < 0x80) {
        ++i;
      }
      if (i < text.size() && (text[i] == '"' || text[i] == '\'')) {
        // A quoted key: let the general walk handle the rest of the line at depth 0.
        continue;
      }
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      size_t end = i + 1;
      while (end < text.size() && IsContinuationByte(text[end])) ++end;
      return TomlProblem{PosOfByte(text, i), "unexpected character '" +
                                                 std::string(text.substr(i, end - i)) +
                                                 "': outside quotes TOML is ASCII"};
    } else if (c == '[' || c == '{') {
      ++depth;
      ++i;
    } else if (c == ']' || c == '}') {
      if (depth > 0) --depth;
      ++i;
    } else {
      ++i;
    }
  }
  return std::nullopt;
}

const char* const kRuleKeys[] = {"id",      "description", "severity", "labels",    "receivers",
                                 "enabled", "amendments",  "minerals", "countries", "clauses",
                                 "include", "exclude",     "sources",  "when"};

class RulesFileParser {
 public:
  RulesFileParser(std::string_view text, std::string_view file_name, const Vocabulary& vocabulary,
                  const RuleParseOptions& options)
      : text_(text),
        lines_(text),
        file_name_(file_name),
        vocabulary_(vocabulary),
        options_(options) {}

  Result<RuleSet> Parse() {
    if (std::optional<TomlProblem> problem = PrecheckToml(text_)) {
      return Error(problem->pos, problem->message);
    }
    toml::table root;
    try {
      root = toml::parse(text_, std::string_view(file_name_));
    } catch (const toml::parse_error& e) {
      return Error(ToPos(e.source().begin), std::string(e.description()));
    }
    RuleSet set;
    set.file_name = std::string(file_name_);
    for (const auto& [key, value] : SortedByPosition(root)) {
      if (key->str() != "rule") {
        std::string message = "unknown top-level key '" + std::string(key->str()) + "'";
        if (!ClosestMatch(key->str(), {"rule"}).empty()) {
          message += std::string(kDash) + "did you mean 'rule'?";
        }
        return Error(ToPos(key->source().begin), message);
      }
      const toml::array* rules = value->as_array();
      if (rules == nullptr || !rules->is_array_of_tables()) {
        return Error(ToPos(key->source().begin),
                     "'rule' must be an array of tables: write [[rule]]");
      }
      for (const toml::node& element : *rules) {
        if (set.rules.size() >= options_.max_rules) {
          return Error(ToPos(element.source().begin),
                       "too many rules (more than " + std::to_string(options_.max_rules) + ")");
        }
        Result<Rule> rule = ParseRule(*element.as_table());
        if (!rule.ok()) return rule.status();
        for (const Rule& other : set.rules) {
          if (other.id == rule->id) {
            return Error(id_pos_, "duplicate rule id '" + rule->id + "' (first defined at line " +
                                      std::to_string(other.pos.line) + ")");
          }
        }
        set.rules.push_back(std::move(*rule));
      }
    }
    return set;
  }

 private:
  using Entry = std::pair<const toml::key*, const toml::node*>;

  // toml++ keeps keys sorted by name; errors should come in file order.
  static std::vector<Entry> SortedByPosition(const toml::table& table) {
    std::vector<Entry> entries;
    for (const auto& [key, value] : table) entries.emplace_back(&key, &value);
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      const auto& pa = a.first->source().begin;
      const auto& pb = b.first->source().begin;
      return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
    });
    return entries;
  }

  Result<Rule> ParseRule(const toml::table& table) {
    Rule rule;
    rule.pos = ToPos(table.source().begin);
    Node condition;
    condition.kind = NodeKind::kAnd;
    condition.pos = rule.pos;
    bool has_id = false;
    for (const auto& [key_ptr, value_ptr] : SortedByPosition(table)) {
      const toml::key& key = *key_ptr;
      const toml::node& value = *value_ptr;
      const std::string name(key.str());
      const SourcePos key_pos = ToPos(key.source().begin);
      Status status;
      if (name == "id") {
        status = ReadString(name, value, rule.id);
        if (status.ok()) {
          has_id = true;
          id_pos_ = ValuePos(value, 0);
          status = CheckId(rule.id, value);
        }
      } else if (name == "description") {
        status = ReadString(name, value, rule.description);
      } else if (name == "severity") {
        std::string severity;
        status = ReadString(name, value, severity);
        if (status.ok()) status = ReadSeverity(severity, value, rule.severity);
      } else if (name == "labels" || name == "receivers") {
        status = ReadStrings(name, value, name == "labels" ? rule.labels : rule.receivers, nullptr);
      } else if (name == "enabled" || name == "amendments") {
        if (!value.is_boolean()) {
          status = Error(ValuePos(value, 0), "'" + name + "' must be true or false");
        } else {
          (name == "enabled" ? rule.enabled : rule.amendments) = value.as_boolean()->get();
        }
      } else if (name == "minerals" || name == "countries" || name == "clauses") {
        const Category category = name == "minerals"    ? Category::kMineral
                                  : name == "countries" ? Category::kCountry
                                                        : Category::kClause;
        status = AddConceptList(name, value, category, condition);
      } else if (name == "include" || name == "exclude" || name == "sources") {
        status = AddTermList(name, value, condition);
      } else if (name == "when") {
        status = AddWhen(value, condition);
      } else {
        std::vector<std::string_view> keys(std::begin(kRuleKeys), std::end(kRuleKeys));
        std::string message = "unknown key '" + name + "' in rule";
        const std::string_view hint = ClosestMatch(name, keys);
        if (!hint.empty())
          message += std::string(kDash) + "did you mean '" + std::string(hint) + "'?";
        status = Error(key_pos, message);
      }
      if (!status.ok()) return status;
    }
    if (!has_id) return Error(rule.pos, "rule has no 'id'");
    if (condition.children.empty()) {
      return Error(rule.pos, "rule '" + rule.id +
                                 "' has no condition: give minerals, countries, clauses, include, "
                                 "sources or when");
    }
    rule.condition =
        condition.children.size() == 1 ? std::move(condition.children[0]) : std::move(condition);
    return rule;
  }

  Status CheckId(const std::string& id, const toml::node& value) {
    if (id.empty()) return Error(ValuePos(value, 0), "rule id must not be empty");
    for (size_t i = 0; i < id.size(); ++i) {
      const char c = id[i];
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.';
      if (!ok) {
        return Error(ValuePos(value, i),
                     "rule id '" + id + "' may only hold letters, digits, '-', '_' and '.'");
      }
    }
    return Status::Ok();
  }

  Status ReadSeverity(const std::string& name, const toml::node& value, Severity& into) {
    if (name == "info") {
      into = Severity::kInfo;
    } else if (name == "warning") {
      into = Severity::kWarning;
    } else if (name == "critical") {
      into = Severity::kCritical;
    } else {
      std::string message = "unknown severity '" + name + "'";
      const std::string_view hint = ClosestMatch(name, {"info", "warning", "critical"});
      if (!hint.empty()) {
        message += std::string(kDash) + "did you mean '" + std::string(hint) + "'?";
      } else {
        message += " (info, warning or critical)";
      }
      return Error(ValuePos(value, 0), message);
    }
    return Status::Ok();
  }

  Status ReadString(const std::string& name, const toml::node& value, std::string& into) {
    if (!value.is_string()) return Error(ValuePos(value, 0), "'" + name + "' must be a string");
    into = value.as_string()->get();
    return Status::Ok();
  }

  // An array of strings; `nodes` (if given) receives each element's node.
  Status ReadStrings(const std::string& name, const toml::node& value,
                     std::vector<std::string>& into, std::vector<const toml::node*>* nodes) {
    const toml::array* array = value.as_array();
    if (array == nullptr) {
      return Error(ValuePos(value, 0), "'" + name + "' must be an array of strings");
    }
    for (const toml::node& element : *array) {
      if (!element.is_string()) {
        return Error(ValuePos(element, 0), "'" + name + "' must hold only strings");
      }
      into.push_back(element.as_string()->get());
      if (nodes != nullptr) nodes->push_back(&element);
    }
    return Status::Ok();
  }

  // minerals/countries/clauses = [...]: any of them.
  Status AddConceptList(const std::string& name, const toml::node& value, Category category,
                        Node& condition) {
    std::vector<std::string> words;
    std::vector<const toml::node*> nodes;
    Status status = ReadStrings(name, value, words, &nodes);
    if (!status.ok()) return status;
    if (words.empty()) return Error(ValuePos(value, 0), "'" + name + "' is empty");
    Node any;
    any.kind = NodeKind::kOr;
    any.pos = ValuePos(value, 0);
    for (size_t i = 0; i < words.size(); ++i) {
      // The same resolution as a mineral:"..." term, errors included.
      Result<Node> term = ParseValueAsTerm(*nodes[i], words[i], CategoryName(category));
      if (!term.ok()) return term.status();
      any.children.push_back(std::move(*term));
    }
    condition.children.push_back(Simplify(std::move(any)));
    return Status::Ok();
  }

  // include/exclude = [keywords], sources = [...].
  Status AddTermList(const std::string& name, const toml::node& value, Node& condition) {
    std::vector<std::string> words;
    std::vector<const toml::node*> nodes;
    Status status = ReadStrings(name, value, words, &nodes);
    if (!status.ok()) return status;
    if (words.empty()) return Error(ValuePos(value, 0), "'" + name + "' is empty");
    Node any;
    any.kind = NodeKind::kOr;
    any.pos = ValuePos(value, 0);
    for (size_t i = 0; i < words.size(); ++i) {
      Result<Node> term =
          ParseValueAsTerm(*nodes[i], words[i], name == "sources" ? "source" : std::string());
      if (!term.ok()) return term.status();
      any.children.push_back(std::move(*term));
    }
    Node node = Simplify(std::move(any));
    if (name == "exclude") {
      Node negated;
      negated.kind = NodeKind::kNot;
      negated.pos = node.pos;
      negated.children.push_back(std::move(node));
      node = std::move(negated);
    }
    condition.children.push_back(std::move(node));
    return Status::Ok();
  }

  // One array element read as a single quoted term of the expression
  // language (a phrase: "export licence" is two words, one term), under
  // `field` when not empty.
  Result<Node> ParseValueAsTerm(const toml::node& element, const std::string& word,
                                const std::string& field) {
    if (word.find('"') != std::string::npos) {
      return Error(ValuePos(element, word.find('"')), "a term may not contain '\"'");
    }
    const std::string expr = (field.empty() ? "" : field + ":") + "\"" + word + "\"";
    const size_t shift = field.empty() ? 1 : field.size() + 2;  // value bytes before the word
    ExpressionParser parser(
        expr, vocabulary_, options_,
        [this, &element, shift](size_t offset) {
          return ValuePos(element, offset >= shift ? offset - shift : 0);
        },
        [this](SourcePos pos, std::string message) { return Error(pos, message); });
    return parser.Parse();
  }

  Status AddWhen(const toml::node& value, Node& condition) {
    if (!value.is_string()) return Error(ValuePos(value, 0), "'when' must be a string");
    const std::string expr = value.as_string()->get();
    ExpressionParser parser(
        expr, vocabulary_, options_,
        [this, &value](size_t offset) { return ValuePos(value, offset); },
        [this](SourcePos pos, std::string message) { return Error(pos, message); });
    Result<Node> node = parser.Parse();
    if (!node.ok()) return node.status();
    condition.children.push_back(std::move(*node));
    return Status::Ok();
  }

  static Node Simplify(Node any) {
    if (any.children.size() == 1) return std::move(any.children[0]);
    return any;
  }

  // The file position of byte `offset` of a value's text.
  SourcePos ValuePos(const toml::node& value, size_t offset) const {
    const SourcePos start = ToPos(value.source().begin);
    if (!value.is_string()) return start;
    return MapStringOffset(lines_, start, offset);
  }

  Status Error(SourcePos pos, const std::string& message) const {
    return PositionedError(file_name_, text_, pos, message);
  }

  std::string_view text_;
  LineIndex lines_;
  std::string_view file_name_;
  const Vocabulary& vocabulary_;
  const RuleParseOptions& options_;
  SourcePos id_pos_;
};

}  // namespace

std::string DebugString(const Node& node) {
  auto list = [&node](const char* name) {
    std::string out = name;
    out += '(';
    for (size_t i = 0; i < node.children.size(); ++i) {
      if (i > 0) out += ", ";
      out += DebugString(node.children[i]);
    }
    return out + ')';
  };
  const std::string scope =
      node.scope == Scope::kAny ? "" : std::string(ScopeName(node.scope)) + ":";
  switch (node.kind) {
    case NodeKind::kAnd:
      return list("AND");
    case NodeKind::kOr:
      return list("OR");
    case NodeKind::kNot:
      return list("NOT");
    case NodeKind::kNear:
      return list(("NEAR/" + std::to_string(node.distance)).c_str());
    case NodeKind::kKeyword:
      return scope +
             (node.text.find(' ') == std::string::npos ? node.text : "\"" + node.text + "\"");
    case NodeKind::kConcept:
      return scope + CategoryName(node.category) + ":" + node.text;
    case NodeKind::kRegex:
      return scope + "re:/" + node.text + "/";
    case NodeKind::kMeta:
      return std::string(MetaFieldName(node.meta)) + ":" + node.text;
  }
  return "?";
}

Result<RuleSet> ParseRules(std::string_view text, std::string_view file_name,
                           const Vocabulary& vocabulary, const RuleParseOptions& options) {
  try {
    return RulesFileParser(text, file_name, vocabulary, options).Parse();
  } catch (const std::exception& e) {
    return Status::ParseError(std::string(file_name) + ": " + e.what());
  }
}

Result<Node> ParseExpression(std::string_view expression, std::string_view file_name,
                             const Vocabulary& vocabulary, const RuleParseOptions& options) {
  try {
    ExpressionParser parser(
        expression, vocabulary, options,
        [expression](size_t offset) { return PosOfByte(expression, offset); },
        [expression, file_name](SourcePos pos, std::string message) {
          return PositionedError(file_name, expression, pos, message);
        });
    return parser.Parse();
  } catch (const std::exception& e) {
    return Status::ParseError(std::string(file_name) + ": " + e.what());
  }
}

}  // namespace mineral::rules
