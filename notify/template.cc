#include "notify/template.h"

#include <algorithm>

#include "model/json_out.h"
#include "notify/format.h"

namespace mineral::notify {

TemplateValue TemplateValue::Bool(bool value) {
  TemplateValue v;
  v.kind = Kind::kBool;
  v.flag = value;
  return v;
}

TemplateValue TemplateValue::Text(std::string value) {
  TemplateValue v;
  v.kind = Kind::kText;
  v.text = std::move(value);
  return v;
}

TemplateValue TemplateValue::List(std::vector<TemplateValue> values) {
  TemplateValue v;
  v.kind = Kind::kList;
  v.list = std::move(values);
  return v;
}

TemplateValue TemplateValue::Map() {
  TemplateValue v;
  v.kind = Kind::kMap;
  return v;
}

TemplateValue& TemplateValue::Set(std::string key, TemplateValue value) {
  kind = Kind::kMap;
  for (auto& [k, v] : map) {
    if (k == key) {
      v = std::move(value);
      return *this;
    }
  }
  map.emplace_back(std::move(key), std::move(value));
  return *this;
}

const TemplateValue* TemplateValue::Find(std::string_view key) const {
  if (kind != Kind::kMap) return nullptr;
  for (const auto& [k, v] : map) {
    if (k == key) return &v;
  }
  return nullptr;
}

bool TemplateValue::Truthy() const {
  switch (kind) {
    case Kind::kNull:
      return false;
    case Kind::kBool:
      return flag;
    case Kind::kText:
      return !text.empty();
    case Kind::kList:
      return !list.empty();
    case Kind::kMap:
      return true;
  }
  return false;
}

std::string TemplateDiagnostic(std::string_view file_name, std::string_view text, int line,
                               int column, std::string_view message) {
  size_t start = 0;
  for (int l = 1; l < line && start < text.size(); ++l) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  size_t end = text.find('\n', start);
  std::string_view line_text =
      text.substr(start, end == std::string_view::npos ? end : end - start);
  if (!line_text.empty() && line_text.back() == '\r') line_text.remove_suffix(1);
  std::string out = std::string(file_name) + ":" + std::to_string(line) + ":" +
                    std::to_string(column) + ": " + std::string(message);
  out += "\n" + std::string(line_text) + "\n" + std::string(static_cast<size_t>(column - 1), ' ') +
         "^";
  return out;
}

namespace {

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t'; });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Letters, digits, '_', '-', '@', split at '.'; "." alone is the current value.
bool SplitName(std::string_view name, std::vector<std::string>& path) {
  if (name == ".") return true;
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    std::string_view part = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (part.empty()) return false;
    for (char c : part) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-' || c == '@';
      if (!ok) return false;
    }
    path.emplace_back(part);
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view file_name) : text_(text), file_(file_name) {}

  Result<Template> Parse() {
    Template t;
    t.file_name = std::string(file_);
    open_.push_back({&t.nodes, nullptr});
    while (pos_ < text_.size()) {
      size_t tag = text_.find("{{", pos_);
      if (tag == std::string_view::npos) {
        AddText(text_.size());
        break;
      }
      AddText(tag);
      if (Status s = Tag(); !s.ok()) return s;
    }
    FlushText();
    if (open_.size() > 1) {
      const TemplateNode& section = *open_.back().section;
      return Error(section.line, section.column,
                   "section '" + section.text + "' is not closed (no {{/" + section.text + "}})");
    }
    return t;
  }

 private:
  struct Open {
    std::vector<TemplateNode>* nodes;
    TemplateNode* section;  // nullptr: the top level
  };

  Status Error(int line, int column, const std::string& message) const {
    return Status::ParseError(TemplateDiagnostic(file_, text_, line, column, message));
  }

  // Moves to byte `to`, counting lines and code points.
  void AdvanceTo(size_t to) {
    for (; pos_ < to; ++pos_) {
      char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        column_ = 1;
      } else if (!IsContinuation(c)) {
        ++column_;
      }
    }
  }

  void AddText(size_t to) {
    if (to <= pos_) return;
    if (pending_.empty()) {
      pending_line_ = line_;
      pending_column_ = column_;
    }
    pending_.append(text_.substr(pos_, to - pos_));
    AdvanceTo(to);
  }

  void FlushText() {
    if (pending_.empty()) return;
    TemplateNode node;
    node.type = TemplateNode::Type::kText;
    node.text = std::move(pending_);
    node.line = pending_line_;
    node.column = pending_column_;
    open_.back().nodes->push_back(std::move(node));
    pending_.clear();
  }

  // At "{{": one tag.
  Status Tag() {
    const int line = line_;
    const int column = column_;
    const bool triple = text_.substr(pos_).starts_with("{{{");
    const std::string_view close = triple ? "}}}" : "}}";
    const size_t inner_start = pos_ + (triple ? 3 : 2);
    const size_t end = text_.find(close, inner_start);
    if (end == std::string_view::npos) {
      return Error(line, column,
                   triple ? "'{{{' is not closed by '}}}'" : "'{{' is not closed by '}}'");
    }
    std::string_view inner = Trim(text_.substr(inner_start, end - inner_start));
    char sigil = 0;
    if (!triple && !inner.empty() &&
        std::string_view("#^/!&>=").find(inner[0]) != std::string_view::npos) {
      sigil = inner[0];
      inner = Trim(inner.substr(1));
    }
    size_t after = end + close.size();
    if (sigil == '>') return Error(line, column, "partials ({{> name}}) are not supported");
    if (sigil == '=') return Error(line, column, "changing delimiters ({{= =}}) is not supported");
    if (sigil == '!') {
      after = Standalone(after);
      AdvanceTo(std::max(after, pos_));
      return Status::Ok();
    }
    TemplateNode node;
    node.line = line;
    node.column = column;
    node.text = std::string(inner);
    if (inner.empty()) return Error(line, column, "empty tag");
    if (!SplitName(inner, node.path)) {
      return Error(line, column,
                   "invalid name '" + node.text +
                       "': names hold letters, digits, '_', '-' and '@', joined by '.'");
    }
    switch (sigil) {
      case '#':
      case '^': {
        if (static_cast<int>(open_.size()) > kMaxTemplateDepth) {
          return Error(line, column,
                       "sections nested deeper than " + std::to_string(kMaxTemplateDepth));
        }
        after = Standalone(after);
        FlushText();
        node.type = sigil == '#' ? TemplateNode::Type::kSection : TemplateNode::Type::kInverted;
        std::vector<TemplateNode>& nodes = *open_.back().nodes;
        nodes.push_back(std::move(node));
        open_.push_back({&nodes.back().children, &nodes.back()});
        break;
      }
      case '/': {
        if (open_.size() == 1) {
          return Error(line, column, "{{/" + node.text + "}} closes no open section");
        }
        const TemplateNode& section = *open_.back().section;
        if (section.text != node.text) {
          return Error(line, column,
                       "{{/" + node.text + "}} does not close section '" + section.text +
                           "' (opened at " + std::to_string(section.line) + ":" +
                           std::to_string(section.column) + ")");
        }
        after = Standalone(after);
        FlushText();
        open_.pop_back();
        break;
      }
      default:
        FlushText();
        node.type =
            triple || sigil == '&' ? TemplateNode::Type::kRaw : TemplateNode::Type::kVariable;
        open_.back().nodes->push_back(std::move(node));
        break;
    }
    AdvanceTo(std::max(after, pos_));
    return Status::Ok();
  }

  // A section, inverted section, close or comment tag alone on its line
  // (blanks around it) takes the line: the blanks before it are dropped
  // from the text, and the parse goes on after its line end.  Returns where
  // to go on from.
  size_t Standalone(size_t after) {
    size_t line_start = pos_ == 0 ? std::string_view::npos : text_.rfind('\n', pos_ - 1);
    line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
    std::string_view before = text_.substr(line_start, pos_ - line_start);
    size_t line_end = text_.find('\n', after);
    std::string_view rest =
        text_.substr(after, line_end == std::string_view::npos ? line_end : line_end - after);
    if (!rest.empty() && rest.back() == '\r') rest.remove_suffix(1);
    if (!IsBlank(before) || !IsBlank(rest)) return after;
    // `before` is the end of the pending text: nothing but blanks since the
    // line began, so no tag wrote there.
    if (pending_.size() >= before.size()) pending_.resize(pending_.size() - before.size());
    return line_end == std::string_view::npos ? text_.size() : line_end + 1;
  }

  std::string_view text_;
  std::string_view file_;
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
  std::string pending_;
  int pending_line_ = 1;
  int pending_column_ = 1;
  std::vector<Open> open_;
};

std::string JsonEscape(std::string_view text) {
  const std::string quoted = JsonQuote(text);
  return quoted.substr(1, quoted.size() - 2);  // without the quotes
}

std::string ValueText(const TemplateValue& v) {
  switch (v.kind) {
    case TemplateValue::Kind::kText:
      return v.text;
    case TemplateValue::Kind::kBool:
      return v.flag ? "true" : "false";
    case TemplateValue::Kind::kList: {
      std::string out;
      for (const TemplateValue& e : v.list) {
        if (e.kind != TemplateValue::Kind::kText) continue;
        if (!out.empty()) out += ", ";
        out += e.text;
      }
      return out;
    }
    default:
      return "";
  }
}

// A value is looked up from the innermost context outwards; of a dotted
// name only the first part is (mustache spec: "a.b" is "b" of the nearest
// "a").
const TemplateValue* Lookup(const std::vector<const TemplateValue*>& stack,
                            const std::vector<std::string>& path) {
  if (path.empty()) return stack.back();
  for (auto frame = stack.rbegin(); frame != stack.rend(); ++frame) {
    const TemplateValue* v = (*frame)->Find(path[0]);
    if (v == nullptr) continue;
    for (size_t i = 1; i < path.size() && v != nullptr; ++i) v = v->Find(path[i]);
    return v;
  }
  return nullptr;
}

TemplateValue IterationFrame(size_t index, size_t count) {
  TemplateValue frame = TemplateValue::Map();
  frame.Set("@index", TemplateValue::Text(std::to_string(index + 1)));
  frame.Set("@first", TemplateValue::Bool(index == 0));
  frame.Set("@last", TemplateValue::Bool(index + 1 == count));
  return frame;
}

// Runs `body` with a section's context on `stack`: once per element of a
// list (with its @index, @first and @last), or only for the first (a list
// of none: for nothing) when `first_only`; once with `v` for any other value.
template <typename Body>
void InSection(std::vector<const TemplateValue*>& stack, const TemplateValue& v, bool first_only,
               Body body) {
  if (v.kind != TemplateValue::Kind::kList) {
    stack.push_back(&v);
    body();
    stack.pop_back();
    return;
  }
  static const TemplateValue kNothing;
  const size_t count = first_only ? 1 : v.list.size();
  for (size_t i = 0; i < count; ++i) {
    TemplateValue frame = IterationFrame(i, first_only ? 1 : v.list.size());
    stack.push_back(&frame);
    stack.push_back(i < v.list.size() ? &v.list[i] : &kNothing);
    body();
    stack.resize(stack.size() - 2);
  }
}

class Renderer {
 public:
  Renderer(TemplateEscape escape, std::vector<TemplateMark>* marks)
      : escape_(escape), marks_(marks) {}

  std::string Render(const Template& t, const TemplateValue& context) {
    stack_.push_back(&context);
    Nodes(t.nodes);
    return std::move(out_);
  }

 private:
  void Nodes(const std::vector<TemplateNode>& nodes) {
    for (const TemplateNode& node : nodes) Node(node);
  }

  void Mark(const TemplateNode& node) {
    if (marks_ != nullptr) marks_->push_back({out_.size(), &node});
  }

  void Node(const TemplateNode& node) {
    using Type = TemplateNode::Type;
    if (node.type == Type::kText) {
      Mark(node);
      out_ += node.text;
      return;
    }
    const TemplateValue* v = Lookup(stack_, node.path);
    if (node.type == Type::kVariable || node.type == Type::kRaw) {
      Mark(node);
      if (v == nullptr) return;
      std::string text = ValueText(*v);
      if (node.type == Type::kRaw || escape_ == TemplateEscape::kNone) {
        out_ += text;
      } else if (escape_ == TemplateEscape::kHtml) {
        out_ += EscapeMarkup(text, true);
      } else {
        out_ += JsonEscape(text);
      }
      return;
    }
    const bool truthy = v != nullptr && v->Truthy();
    if (node.type == Type::kInverted) {
      if (!truthy) Nodes(node.children);
      return;
    }
    if (!truthy) return;
    InSection(stack_, *v, false, [&] { Nodes(node.children); });
  }

  TemplateEscape escape_;
  std::vector<TemplateMark>* marks_;
  std::vector<const TemplateValue*> stack_;
  std::string out_;
};

class Checker {
 public:
  Checker(const Template& t, std::string_view text, TemplateEscape escape)
      : t_(t), text_(text), escape_(escape) {}

  std::vector<std::string> Check(const TemplateValue& schema) {
    stack_.push_back(&schema);
    Nodes(t_.nodes);
    return std::move(errors_);
  }

 private:
  void Error(const TemplateNode& node, const std::string& message) {
    errors_.push_back(TemplateDiagnostic(t_.file_name, text_, node.line, node.column, message));
  }

  void Nodes(const std::vector<TemplateNode>& nodes) {
    for (const TemplateNode& node : nodes) Node(node);
  }

  void Node(const TemplateNode& node) {
    using Type = TemplateNode::Type;
    if (node.type == Type::kText) return;
    const TemplateValue* v = Lookup(stack_, node.path);
    if (v == nullptr) {
      Error(node, "unknown name '" + node.text + "' (docs/templates.md lists the names)");
      return;
    }
    if (node.type == Type::kRaw && escape_ == TemplateEscape::kJson &&
        (node.path.empty() || !node.path.back().ends_with("_json"))) {
      Error(node, "'" + node.text + "' would go into the JSON unescaped: write \"{{" + node.text +
                      "}}\" (escaped, inside quotes), or use a value whose name ends in _json");
      return;
    }
    if (node.type != Type::kSection && node.type != Type::kInverted) return;
    InSection(stack_, *v, true, [&] { Nodes(node.children); });
  }

  const Template& t_;
  std::string_view text_;
  TemplateEscape escape_;
  std::vector<const TemplateValue*> stack_;
  std::vector<std::string> errors_;
};

}  // namespace

Result<Template> ParseTemplate(std::string_view text, std::string_view file_name) {
  return Parser(text, file_name).Parse();
}

std::string RenderTemplate(const Template& t, const TemplateValue& context, TemplateEscape escape,
                           std::vector<TemplateMark>* marks) {
  return Renderer(escape, marks).Render(t, context);
}

std::pair<int, int> TemplatePosition(const std::vector<TemplateMark>& marks, size_t offset) {
  const TemplateMark* best = nullptr;
  for (const TemplateMark& m : marks) {
    if (m.offset > offset) break;
    best = &m;
  }
  if (best == nullptr) return {1, 1};
  const TemplateNode& node = *best->node;
  int line = node.line;
  int column = node.column;
  if (node.type != TemplateNode::Type::kText) return {line, column};
  size_t n = std::min(offset - best->offset, node.text.size());
  for (size_t i = 0; i < n; ++i) {
    if (node.text[i] == '\n') {
      ++line;
      column = 1;
    } else if (!IsContinuation(node.text[i])) {
      ++column;
    }
  }
  return {line, column};
}

std::vector<std::string> CheckTemplate(const Template& t, std::string_view text,
                                       const TemplateValue& schema, TemplateEscape escape) {
  return Checker(t, text, escape).Check(schema);
}

}  // namespace mineral::notify
