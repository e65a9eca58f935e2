// LoadConfig and ParseConfig: TOML in, Config out, every error reported.
//
// The walk is in two passes.  The first reads each file (the main one, then
// its includes, depth first) key by key, checking each key against the one
// table of accepted keys (config/keys.h) and each value against its type,
// and keeps going after an error so one run of `check` shows them all.
// Values that depend on other files ([daemon]'s defaults for feeds, receiver
// ids for routes) are settled in the second pass, once everything is read.
#include <toml++/toml.h>

#include <algorithm>
#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>
#include <boost/url/parse.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>

#include "config/config.h"
#include "config/keys.h"
#include "feeds/json_mapping.h"

namespace mineral::config {

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

const char* LogFormatName(LogFormat format) { return format == LogFormat::kJson ? "json" : "text"; }

const char* ReceiverKindName(ReceiverKind kind) {
  switch (kind) {
    case ReceiverKind::kWebhook:
      return "webhook";
    case ReceiverKind::kSlack:
      return "slack";
    case ReceiverKind::kDiscord:
      return "discord";
    case ReceiverKind::kTeams:
      return "teams";
    case ReceiverKind::kEmail:
      return "email";
    case ReceiverKind::kFile:
      return "file";
    case ReceiverKind::kConsole:
      return "console";
  }
  return "webhook";
}

const FeedConfig* Config::FindFeed(std::string_view id) const {
  for (const FeedConfig& feed : feeds) {
    if (feed.spec.id == id) return &feed;
  }
  return nullptr;
}

const ReceiverConfig* Config::FindReceiver(std::string_view id) const {
  for (const ReceiverConfig& receiver : receivers) {
    if (receiver.id == id) return &receiver;
  }
  return nullptr;
}

Status ConfigResult::status() const {
  if (errors.empty()) return Status::Ok();
  std::string message;
  for (const std::string& e : errors) {
    if (!message.empty()) message += '\n';
    message += e;
  }
  return Status::InvalidArgument(std::move(message));
}

namespace {

namespace fs = std::filesystem;

constexpr ReceiverKind kAllKinds[] = {
    ReceiverKind::kWebhook, ReceiverKind::kSlack, ReceiverKind::kDiscord, ReceiverKind::kTeams,
    ReceiverKind::kEmail,   ReceiverKind::kFile,  ReceiverKind::kConsole};

// Keys people write for a secret in plain text, and the keys to use instead.
struct LiteralSecretKey {
  std::string_view key;
  std::string_view instead;
};
constexpr LiteralSecretKey kLiteralSecretKeys[] = {
    {"secret", "secret_file, secret_env or secret_credential"},
    {"secrets", "secret_file, secret_env or secret_credential"},
    {"password", "password_file, password_env or password_credential"},
    {"token", "secret_file, secret_env or secret_credential"},
};

// Keys people write from other tools' configs that are too far from ours
// for an edit-distance hint.
std::string RenamedKeyHint(std::string_view section, std::string_view key) {
  struct Renamed {
    std::string_view section, key, ours;
  };
  static constexpr Renamed kRenamed[] = {
      {"feed", "interval", "default_interval"},
      {"daemon", "interval", "default_interval"},
      {"daemon", "timeout", "total_timeout"},
      {"daemon", "concurrency", "max_concurrency"},
  };
  for (const Renamed& r : kRenamed) {
    if (r.section == section && r.key == key) {
      return std::string(kHintDash) + "did you mean '" + std::string(r.ours) + "'?";
    }
  }
  return "";
}

bool IsWebKind(ReceiverKind kind) {
  return kind == ReceiverKind::kWebhook || kind == ReceiverKind::kSlack ||
         kind == ReceiverKind::kDiscord || kind == ReceiverKind::kTeams;
}

// Which receiver kinds a key applies to; nullopt: every kind.
std::optional<std::vector<ReceiverKind>> KindsOfReceiverKey(std::string_view key) {
  using K = ReceiverKind;
  if (key == "from" || key == "to" || key == "starttls" || key == "username" ||
      key == "password_file" || key == "password_env" || key == "password_credential" ||
      key == "subject_template" || key == "text_template" || key == "html_template") {
    return std::vector<K>{K::kEmail};
  }
  if (key == "path") return std::vector<K>{K::kFile};
  if (key == "url" || key == "url_file" || key == "url_env" || key == "url_credential") {
    return std::vector<K>{K::kWebhook, K::kSlack, K::kDiscord, K::kTeams, K::kEmail};
  }
  if (key == "headers" || key == "body_template") {
    return std::vector<K>{K::kWebhook, K::kSlack, K::kDiscord, K::kTeams};
  }
  if (key == "secret_file" || key == "secret_env" || key == "secret_credential") {
    return std::vector<K>{K::kWebhook};
  }
  return std::nullopt;
}

// file:///path with what RFC 3986 does not allow in a path percent-encoded.
std::string FileUrl(std::string_view absolute_path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "file://";
  for (const char c : absolute_path) {
    const auto u = static_cast<unsigned char>(c);
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      std::string_view("-._~/!$&'()*+,;=:@").find(c) != std::string_view::npos;
    if (keep) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// One file being read.
struct SourceFile {
  std::string name;     // as messages show it, and as it is read
  std::string abs_dir;  // its directory, absolute: the base of relative paths
  std::string text;
};

// A path named in a file: as shown (and read), and absolute (as stored).
struct Resolved {
  std::string display;
  std::string absolute;
};

// A key's value, read as the key table says.
struct Value {
  std::string str;
  bool boolean = false;
  int64_t integer = 0;
  Duration duration{0};
  uint64_t size = 0;
  std::vector<std::string> strings;
  std::vector<SourceLocation> string_where;  // one per element of `strings`
  Headers table;
  std::vector<SourceLocation> table_key_where;  // one per entry of `table`
  SourceLocation where;                         // the value
  SourceLocation key_where;                     // the key
};

using Entry = std::pair<const toml::key*, const toml::node*>;

// toml++ keeps a table's keys sorted by name; messages come in file order.
std::vector<Entry> InFileOrder(const toml::table& table) {
  std::vector<Entry> entries;
  entries.reserve(table.size());
  for (const auto& [key, node] : table) entries.emplace_back(&key, &node);
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    const toml::source_position& pa = a.first->source().begin;
    const toml::source_position& pb = b.first->source().begin;
    return std::tie(pa.line, pa.column) < std::tie(pb.line, pb.column);
  });
  return entries;
}

// Settings of a feed that take [daemon]'s value unless the feed gives one;
// settled once every file is read, since [daemon] may come after [[feed]].
struct FeedDraft {
  FeedConfig feed;
  std::map<std::string, std::pair<Duration, SourceLocation>> poll;  // "min_interval" -> value
  std::optional<uint64_t> max_body_bytes;
  std::optional<std::string> user_agent;
};

// A [[host]]: what it leaves out is [daemon]'s, settled at the end.
struct HostDraft {
  HostConfig host;
  std::optional<int> connections;
  std::optional<Duration> min_spacing;
};

struct Reference {
  std::string id;
  SourceLocation where;
};

class Loader {
 public:
  Loader(const Environment& env, const LoadOptions& options) : env_(env), options_(options) {}

  ConfigResult Run(std::string_view text, std::string_view file_name) {
    result_.config.path = std::string(file_name);
    auto main = std::make_unique<SourceFile>();
    main->name = std::string(file_name);
    main->abs_dir = AbsoluteDir(main->name);
    main->text = std::string(text);
    stack_.push_back(Absolute(main->name));
    ReadFile(std::move(main), /*is_main=*/true, /*depth=*/0);
    Settle();
    return std::move(result_);
  }

 private:
  // -------------------------------------------------------------------------
  // Messages.

  void Error(const SourceLocation& where, std::string_view message) {
    result_.errors.push_back(FormatDiagnostic(where, message));
  }

  void Warn(const SourceLocation& where, std::string_view message) {
    result_.warnings.push_back(FormatDiagnostic(where, "warning: " + std::string(message)));
  }

  SourceLocation At(const SourceFile& file, const toml::source_position& pos) const {
    return Locate(file.name, file.text, static_cast<int>(pos.line), static_cast<int>(pos.column));
  }

  // Where a value starts: for a string, its first character, not its quote
  // (as rules/rule_parser.h points), so a caret sits under the bad word.
  SourceLocation ValueAt(const SourceFile& file, const toml::node& node) const {
    const toml::source_position& pos = node.source().begin;
    return LocateValue(file.name, file.text, static_cast<int>(pos.line),
                       static_cast<int>(pos.column));
  }

  // -------------------------------------------------------------------------
  // Paths.

  static std::string Absolute(const std::string& path) {
    std::error_code ec;
    fs::path p = fs::absolute(path, ec);
    if (ec) p = path;
    return p.lexically_normal().string();
  }

  static std::string AbsoluteDir(const std::string& file) {
    return fs::path(Absolute(file)).parent_path().string();
  }

  // `path` as written in `file`: relative to that file's directory.
  static Resolved Resolve(const SourceFile& file, const std::string& path) {
    if (fs::path(path).is_absolute()) {
      const std::string normal = fs::path(path).lexically_normal().string();
      return {normal, normal};
    }
    const fs::path dir = fs::path(file.name).parent_path();
    return {(dir / path).lexically_normal().string(),
            (fs::path(file.abs_dir) / path).lexically_normal().string()};
  }

  // -------------------------------------------------------------------------
  // Reading values by type.

  std::optional<Value> Read(const SourceFile& file, std::string_view section, const toml::key& key,
                            const toml::node& node) {
    const std::string name(key.str());
    const SourceLocation key_where = At(file, key.source().begin);
    const KeyInfo* info = FindKey(section, name);
    if (info == nullptr) {
      if (section == "receiver") {
        for (const LiteralSecretKey& s : kLiteralSecretKeys) {
          if (s.key != name) continue;
          Error(key_where, Quoted(name) +
                               " would put a secret in the config file, which is shared, backed "
                               "up and versioned: name it instead with " +
                               std::string(s.instead));
          return std::nullopt;
        }
      }
      const std::string message =
          section.empty() ? "unknown top-level key " + Quoted(name)
                          : "unknown key " + Quoted(name) + " in " + std::string(section);
      std::string hint = DidYouMean(name, KeysOf(section));
      if (hint.empty()) hint = RenamedKeyHint(section, name);
      Error(key_where, message + hint);
      return std::nullopt;
    }
    Value v;
    v.key_where = key_where;
    v.where = ValueAt(file, node);
    const std::string q = Quoted(name);
    switch (info->type) {
      case ValueType::kString:
        if (!node.is_string()) return Fail(v.where, q + " must be a string");
        v.str = node.as_string()->get();
        return v;
      case ValueType::kBool:
        if (!node.is_boolean()) return Fail(v.where, q + " must be true or false");
        v.boolean = node.as_boolean()->get();
        return v;
      case ValueType::kInteger:
        if (!node.is_integer()) return Fail(v.where, q + " must be an integer");
        v.integer = node.as_integer()->get();
        return v;
      case ValueType::kDuration: {
        if (!node.is_string()) {
          return Fail(v.where, q + " must be a duration string such as \"15m\"");
        }
        v.str = node.as_string()->get();
        Result<Duration> d = ParseDuration(v.str);
        if (!d.ok())
          return Fail(v.where, "invalid duration " + Quoted(v.str) + ": " + d.status().message());
        v.duration = *d;
        return v;
      }
      case ValueType::kSize: {
        if (node.is_integer()) {
          if (node.as_integer()->get() < 0) return Fail(v.where, q + " must not be negative");
          v.size = static_cast<uint64_t>(node.as_integer()->get());
          return v;
        }
        if (!node.is_string()) return Fail(v.where, q + " must be a size such as \"10MiB\"");
        v.str = node.as_string()->get();
        Result<uint64_t> size = ParseSize(v.str);
        if (!size.ok())
          return Fail(v.where, "invalid size " + Quoted(v.str) + ": " + size.status().message());
        v.size = *size;
        return v;
      }
      case ValueType::kStringOrStrings:
        if (node.is_string()) {
          v.strings.push_back(node.as_string()->get());
          v.string_where.push_back(v.where);
          return v;
        }
        if (!node.is_array()) return Fail(v.where, q + " must be a string or an array of strings");
        [[fallthrough]];
      case ValueType::kStrings: {
        const toml::array* array = node.as_array();
        if (array == nullptr) return Fail(v.where, q + " must be an array of strings");
        for (const toml::node& element : *array) {
          if (!element.is_string())
            return Fail(ValueAt(file, element), q + " must hold only strings");
          v.strings.push_back(element.as_string()->get());
          v.string_where.push_back(ValueAt(file, element));
        }
        return v;
      }
      case ValueType::kStringTable: {
        const toml::table* table = node.as_table();
        if (table == nullptr) {
          return Fail(v.where, q + " must be a table of strings, as in { Name = \"value\" }");
        }
        for (const auto& [k, value] : InFileOrder(*table)) {
          if (!value->is_string()) {
            return Fail(ValueAt(file, *value),
                        Quoted(name + "." + std::string(k->str())) + " must be a string");
          }
          v.table.emplace_back(std::string(k->str()), value->as_string()->get());
          v.table_key_where.push_back(At(file, k->source().begin));
        }
        return v;
      }
      case ValueType::kTable:
      case ValueType::kArrayOfTables:
        break;  // the caller walks them
    }
    return v;
  }

  std::nullopt_t Fail(const SourceLocation& where, std::string_view message) {
    Error(where, message);
    return std::nullopt;
  }

  // The keys of `table` that are accepted and well typed, in file order
  // (the others are reported), and whether the table names `required` at
  // all: a key with a bad value is reported already, and "has no 'id'" on
  // top of that would be noise.
  std::vector<std::pair<std::string, Value>> ReadTable(const SourceFile& file,
                                                       std::string_view section,
                                                       const toml::table& table,
                                                       std::string_view required,
                                                       bool* has_required) {
    std::vector<std::pair<std::string, Value>> values;
    for (const auto& [key, node] : InFileOrder(table)) {
      const std::string name(key->str());
      if (name == required) *has_required = true;
      std::optional<Value> v = Read(file, section, *key, *node);
      if (v) values.emplace_back(name, std::move(*v));
    }
    return values;
  }

  // -------------------------------------------------------------------------
  // Files and includes.

  void ReadFile(std::unique_ptr<SourceFile> owned, bool is_main, int depth) {
    const SourceFile& file = *owned;
    files_.push_back(std::move(owned));
    result_.config.included_files.push_back(file.name);
    toml::table root;
    try {
      root = toml::parse(file.text, std::string_view(file.name));
    } catch (const toml::parse_error& e) {
      Error(At(file, e.source().begin), e.description());
      return;
    }
    std::vector<Reference> includes;
    for (const auto& [key, node] : InFileOrder(root)) {
      const std::string name(key->str());
      const SourceLocation key_where = At(file, key->source().begin);
      const KeyInfo* info = FindKey("", name);
      if (info != nullptr && info->type == ValueType::kTable) {
        if (!is_main) {
          Error(key_where, "[" + name + "] may only appear in the main config file");
        } else if (const toml::table* table = node->as_table()) {
          ParseDaemon(file, *table);
        } else {
          Error(key_where, Quoted(name) + " must be a table: write [" + name + "]");
        }
        continue;
      }
      if (info != nullptr && info->type == ValueType::kArrayOfTables) {
        const toml::array* array = node->as_array();
        if (array == nullptr || !array->is_array_of_tables()) {
          Error(key_where, Quoted(name) + " must be an array of tables: write [[" + name + "]]");
          continue;
        }
        for (const toml::node& element : *array) {
          const toml::table& table = *element.as_table();
          if (name == "feed") ParseFeed(file, table);
          if (name == "host") ParseHost(file, table);
          if (name == "receiver") ParseReceiver(file, table);
          if (name == "route") ParseRoute(file, table);
        }
        continue;
      }
      std::optional<Value> v = Read(file, "", *key, *node);
      if (!v) continue;
      for (size_t i = 0; i < v->strings.size(); ++i) {
        if (name == "include") {
          includes.push_back({v->strings[i], v->string_where[i]});
        } else {
          for (const Resolved& path : Expand(file, v->strings[i], v->string_where[i])) {
            ConfigFile named{path.absolute, path.display, v->string_where[i]};
            (name == "rules" ? result_.config.rule_files : result_.config.vocabulary_files)
                .push_back(std::move(named));
          }
        }
      }
    }
    for (const Reference& include : includes) {
      for (const Resolved& path : Expand(file, include.id, include.where)) {
        Include(path, include.where, depth + 1);
      }
    }
  }

  // The files a pattern names.  A plain path that cannot be read is an
  // error; a wildcard that matches nothing only a warning (an empty conf.d
  // is normal).
  std::vector<Resolved> Expand(const SourceFile& file, const std::string& pattern,
                               const SourceLocation& where) {
    if (pattern.empty()) {
      Error(where, "empty path");
      return {};
    }
    const Resolved base = Resolve(file, pattern);
    if (!HasWildcard(pattern)) {
      if (!env_.IsReadable(base.display)) {
        Error(where, "cannot read " + Quoted(base.display));
        return {};
      }
      return {base};
    }
    std::vector<Resolved> out;
    for (const std::string& match : env_.Glob(base.display)) {
      out.push_back({match, Absolute(match)});
    }
    if (out.empty()) Warn(where, Quoted(pattern) + " matches no file");
    return out;
  }

  void Include(const Resolved& path, const SourceLocation& where, int depth) {
    if (std::find(stack_.begin(), stack_.end(), path.absolute) != stack_.end()) {
      std::string chain;
      bool in_cycle = false;
      for (size_t i = 0; i < stack_.size(); ++i) {
        if (stack_[i] == path.absolute) in_cycle = true;
        if (in_cycle) chain += DisplayOf(stack_[i]) + " -> ";
      }
      Error(where, "include cycle: " + chain + path.display);
      return;
    }
    for (const auto& f : files_) {
      if (Absolute(f->name) == path.absolute) {
        Error(where, Quoted(path.display) + " is already included");
        return;
      }
    }
    if (depth > options_.max_include_depth) {
      Error(where, "includes nested too deeply (more than " +
                       std::to_string(options_.max_include_depth) + " levels)");
      return;
    }
    Result<std::string> text = env_.ReadFile(path.display, options_.max_file_bytes);
    if (!text.ok()) {
      Error(where, "cannot include " + Quoted(path.display) + ": " + text.status().message());
      return;
    }
    auto file = std::make_unique<SourceFile>();
    file->name = path.display;
    file->abs_dir = fs::path(path.absolute).parent_path().string();
    file->text = std::move(*text);
    stack_.push_back(path.absolute);
    ReadFile(std::move(file), /*is_main=*/false, depth);
    stack_.pop_back();
  }

  std::string DisplayOf(const std::string& absolute) const {
    for (const auto& f : files_) {
      if (Absolute(f->name) == absolute) return f->name;
    }
    return absolute;
  }

  // -------------------------------------------------------------------------
  // Shared checks.

  // Ids of feeds and receivers: they appear in URLs, metrics labels and file
  // names, so keep them to one plain alphabet.
  bool CheckId(const std::string& what, const Value& v) {
    if (v.str.empty()) {
      Error(v.where, what + " id must not be empty");
      return false;
    }
    for (size_t i = 0; i < v.str.size(); ++i) {
      const char c = v.str[i];
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') continue;
      SourceLocation at = v.where;
      at.column += static_cast<int>(i);  // ids that fail are ASCII up to here
      Error(at, what + " id " + Quoted(v.str) +
                    " may only hold lower-case letters, digits, '-' and '_'");
      return false;
    }
    return true;
  }

  bool CheckUnique(std::map<std::string, SourceLocation>& seen, const std::string& what,
                   const std::string& id, const SourceLocation& where) {
    const auto [it, inserted] = seen.emplace(id, where);
    if (inserted) return true;
    Error(where, "duplicate " + what + " " + Quoted(id) + " (first defined at " + it->second.file +
                     ":" + std::to_string(it->second.line) + ")");
    return false;
  }

  bool CheckPositive(const Value& v, const std::string& name) {
    if (v.integer >= 1 && v.integer <= 1000000) return true;
    Error(v.where, Quoted(name) + " must be between 1 and 1000000");
    return false;
  }

  bool CheckNonZero(const Value& v, const std::string& name) {
    if (v.duration.count() > 0) return true;
    Error(v.where, Quoted(name) + " must be longer than 0s");
    return false;
  }

  // HTTP header fields (RFC 9110 section 5): a token name, a value without
  // line breaks (which would smuggle another header).
  void CheckHeaders(const Value& v) {
    for (size_t i = 0; i < v.table.size(); ++i) {
      const auto& [name, value] = v.table[i];
      const bool token = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
      });
      if (!token) {
        Error(v.table_key_where[i], "header name " + Quoted(name) + " is not an HTTP field name");
      } else if (value.find_first_of("\r\n") != std::string::npos) {
        Error(v.table_key_where[i], "header " + Quoted(name) + " holds a line break");
      }
    }
  }

  // An http(s) URL with a host.  Returns false after reporting.
  bool CheckWebUrl(const Value& v, const std::vector<std::string_view>& schemes) {
    auto parsed = boost::urls::parse_absolute_uri(v.str);
    if (parsed.has_error()) {
      std::string message = Quoted(v.str) + " is not a URL";
      if (v.str.find("://") == std::string::npos) {
        message += ": it needs a scheme, as in " + std::string(schemes.front()) + "://";
      }
      Error(v.where, message);
      return false;
    }
    const std::string scheme = std::string(parsed->scheme());
    if (std::find(schemes.begin(), schemes.end(), scheme) == schemes.end()) {
      std::string list;
      for (size_t i = 0; i < schemes.size(); ++i) {
        list += i == 0 ? "" : (i + 1 == schemes.size() ? " or " : ", ");
        list += schemes[i];
      }
      Error(v.where, "unsupported URL scheme " + Quoted(scheme) + " (use " + list + ")");
      return false;
    }
    if (parsed->encoded_host().empty()) {
      Error(v.where, "URL " + Quoted(v.str) + " has no host");
      return false;
    }
    return true;
  }

  // -------------------------------------------------------------------------
  // [daemon]

  void ParseDaemon(const SourceFile& file, const toml::table& table) {
    DaemonConfig& d = result_.config.daemon;
    bool unused = false;
    for (auto& [name, value] : ReadTable(file, "daemon", table, "", &unused)) {
      const Value* v = &value;
      if (name == "state_dir") {
        if (v->str.empty()) {
          Error(v->where, "'state_dir' must not be empty");
        } else {
          d.state_dir = Resolve(file, v->str).absolute;
        }
      } else if (name == "database") {
        if (v->str.empty()) {
          Error(v->where, "'database' must not be empty");
        } else {
          database_ = v->str;
        }
      } else if (name == "user_agent") {
        if (CheckUserAgent(*v)) d.user_agent = v->str;
      } else if (name == "max_concurrency") {
        if (CheckPositive(*v, name)) d.max_concurrency = static_cast<int>(v->integer);
      } else if (name == "per_host_connections") {
        if (CheckPositive(*v, name)) d.per_host_connections = static_cast<int>(v->integer);
      } else if (name == "per_host_min_spacing") {
        d.per_host_min_spacing = v->duration;
      } else if (IsPollKey(name)) {
        daemon_poll_[name] = {v->duration, v->where};
      } else if (name == "connect_timeout") {
        if (CheckNonZero(*v, name)) d.connect_timeout = v->duration;
      } else if (name == "total_timeout") {
        if (CheckNonZero(*v, name)) d.total_timeout = v->duration;
      } else if (name == "low_speed_timeout") {
        if (CheckNonZero(*v, name)) d.low_speed_timeout = v->duration;
      } else if (name == "low_speed_limit") {
        d.low_speed_limit = v->size;
      } else if (name == "max_body_bytes") {
        if (CheckBodyLimit(*v)) d.max_body_bytes = v->size;
      } else if (name == "proxy") {
        if (v->str.empty() ||
            CheckWebUrl(*v, {"http", "https", "socks4", "socks4a", "socks5", "socks5h"})) {
          d.proxy = v->str;
        }
      } else if (name == "status_listen") {
        if (auto address = CheckListen(*v)) d.status_listen = *address;
      } else if (name == "retention") {
        if (v->duration < std::chrono::hours(24)) {
          Error(v->where, "'retention' must be at least 1d");
        } else {
          d.retention = v->duration;
        }
      } else if (name == "drain_timeout") {
        if (v->duration > std::chrono::seconds(40)) {
          Error(v->where,
                "'drain_timeout' must be at most 40s: systemd kills the daemon 45s after SIGTERM");
        } else {
          d.drain_timeout = v->duration;
        }
      } else if (name == "log_level") {
        ReadEnum(*v, {"debug", "info", "warning", "error"}, "log level",
                 [&](size_t i) { d.log_level = static_cast<LogLevel>(i); });
      } else if (name == "log_format") {
        ReadEnum(*v, {"text", "json"}, "log format",
                 [&](size_t i) { d.log_format = static_cast<LogFormat>(i); });
      } else {
        Unhandled(*v, name);
      }
    }
  }

  // A key the table accepts but the parser forgot: only a test sees this.
  void Unhandled(const Value& v, const std::string& name) {
    Error(v.key_where, "internal error: key " + Quoted(name) + " is accepted but not read");
  }

  template <typename F>
  void ReadEnum(const Value& v, const std::vector<std::string_view>& names, const std::string& what,
                F&& set) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == v.str) {
        set(i);
        return;
      }
    }
    std::string hint = DidYouMean(v.str, names);
    if (hint.empty()) {
      hint = " (";
      for (size_t i = 0; i < names.size(); ++i) {
        hint += i == 0 ? "" : (i + 1 == names.size() ? " or " : ", ");
        hint += names[i];
      }
      hint += ")";
    }
    Error(v.where, "unknown " + what + " " + Quoted(v.str) + hint);
  }

  bool CheckUserAgent(const Value& v) {
    if (v.str.empty() || v.str.find_first_of("\r\n") != std::string::npos) {
      Error(v.where, "'user_agent' must be one non-empty line");
      return false;
    }
    return true;
  }

  bool CheckBodyLimit(const Value& v) {
    if (v.size >= 1024) return true;
    Error(v.where, "'max_body_bytes' must be at least 1KiB");
    return false;
  }

  // "host:port" or "[v6]:port"; "" turns the server off.  A bare port
  // (":9187" or "9187") and "localhost" mean 127.0.0.1: only an address
  // written out reaches beyond this machine.  The host must be an IP
  // address, as the status server binds without resolving names.  The
  // address as the server will bind it, or nullopt after an error.
  std::optional<std::string> CheckListen(const Value& v) {
    if (v.str.empty()) return v.str;
    const size_t colon = v.str.rfind(':');
    std::string host = colon == std::string::npos ? "" : v.str.substr(0, colon);
    const std::string port = colon == std::string::npos ? v.str : v.str.substr(colon + 1);
    const bool port_ok =
        !port.empty() && port.size() <= 5 &&
        std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
        std::stoi(port) >= 1 && std::stoi(port) <= 65535;
    if (!port_ok) {
      Error(v.where,
            "'status_listen' must be HOST:PORT, as in \"127.0.0.1:9187\" (or \"\" for no status "
            "server)");
      return std::nullopt;
    }
    if (host.empty() || host == "localhost") host = "127.0.0.1";
    const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    const std::string ip = bracketed ? host.substr(1, host.size() - 2) : host;
    const bool is_ip = bracketed ? boost::urls::parse_ipv6_address(ip).has_value()
                                 : boost::urls::parse_ipv4_address(ip).has_value();
    if (!is_ip) {
      Error(v.where, "'status_listen' host " + Quoted(host) +
                         " is not an IP address (use 127.0.0.1, [::1], or 0.0.0.0 for every "
                         "interface)");
      return std::nullopt;
    }
    const std::string address = host + ":" + port;
    if (ip != "::1" && !ip.starts_with("127.")) {
      Warn(v.where,
           "the status server listens beyond this machine: /metrics and /alerts.json "
           "will answer anyone who can reach " +
               address);
    }
    return address;
  }

  static bool IsPollKey(const std::string& name) {
    return name == "min_interval" || name == "max_interval" || name == "default_interval" ||
           name == "backoff_base" || name == "backoff_cap";
  }

  // -------------------------------------------------------------------------
  // [[feed]]

  void ParseFeed(const SourceFile& file, const toml::table& table) {
    FeedDraft draft;
    FeedConfig& feed = draft.feed;
    feed.where = At(file, table.source().begin);
    bool has_id = false;
    bool has_url = false;
    std::optional<Value> mapping;
    std::optional<Value> format;
    for (auto& [name, value] : ReadTable(file, "feed", table, "id", &has_id)) {
      const Value* v = &value;
      if (name == "id") {
        feed.spec.id = v->str;  // even when bad, for the messages that follow
        if (CheckId("feed", *v)) CheckUnique(feed_ids_, "feed id", v->str, v->where);
      } else if (name == "url") {
        has_url = true;
        ReadFeedUrl(file, *v, feed.spec.url);
      } else if (name == "format") {
        format = *v;
      } else if (name == "mapping") {
        mapping = *v;
      } else if (name == "tags") {
        feed.spec.tags = v->strings;
      } else if (name == "alert_backlog") {
        feed.spec.alert_backlog = v->boolean;
      } else if (name == "enabled") {
        feed.enabled = v->boolean;
      } else if (IsPollKey(name)) {
        draft.poll[name] = {v->duration, v->where};
      } else if (name == "headers") {
        CheckHeaders(*v);
        feed.headers = v->table;
        for (size_t i = 0; i < v->table.size(); ++i) {
          const std::string& h = v->table[i].first;
          if (EqualsIgnoreCase(h, "authorization") || EqualsIgnoreCase(h, "cookie")) {
            Warn(Hidden(v->table_key_where[i]),
                 "header " + Quoted(h) +
                     " holds a credential in the config file; keep the file "
                     "readable only by the service");
          }
        }
      } else if (name == "user_agent") {
        if (CheckUserAgent(*v)) draft.user_agent = v->str;
      } else if (name == "max_body_bytes") {
        if (CheckBodyLimit(*v)) draft.max_body_bytes = v->size;
      } else if (name == "insecure_skip_tls_verify") {
        feed.insecure_skip_tls_verify = v->boolean;
        if (v->boolean) {
          Warn(v->where,
               "TLS certificates of this feed are not verified: anyone on the path "
               "can forge its items");
        }
      } else {
        Unhandled(*v, name);
      }
    }
    if (!has_id) {
      Error(feed.where, "feed has no 'id'");
    } else if (!has_url && !feed.spec.id.empty()) {
      Error(feed.where, "feed " + Quoted(feed.spec.id) + " has no 'url'");
    }
    if (format) {
      ReadEnum(*format, {"auto", "rss", "rdf", "atom", "jsonfeed", "json"}, "format",
               [&](size_t i) {
                 constexpr FeedFormat kFormats[] = {FeedFormat::kUnknown,  FeedFormat::kRss,
                                                    FeedFormat::kRdf,      FeedFormat::kAtom,
                                                    FeedFormat::kJsonFeed, FeedFormat::kJson};
                 feed.format = kFormats[i];
               });
    }
    if (mapping) {
      if (feed.format != FeedFormat::kUnknown && feed.format != FeedFormat::kJson) {
        Error(mapping->key_where, "'mapping' needs format \"json\" or \"auto\", not \"" +
                                      std::string(FeedFormatName(feed.format)) + "\"");
      } else {
        ReadMapping(file, *mapping, feed);
      }
    } else if (feed.format == FeedFormat::kJson) {
      Error(format->where, "format \"json\" needs a 'mapping' that says where the items are");
    }
    feeds_.push_back(std::move(draft));
  }

  static bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return (x | 0x20) == (y | 0x20);
           });
  }

  // http(s) URLs as written; file: URLs made absolute (relative ones are
  // relative to the config file), since the daemon's working directory is
  // not the config's.
  void ReadFeedUrl(const SourceFile& file, const Value& v, std::string& into) {
    if (!v.str.starts_with("file:")) {
      if (!CheckWebUrl(v, {"https", "http", "file"})) return;
      into = v.str;
      auto parsed = boost::urls::parse_absolute_uri(v.str);
      if (!parsed.has_error() && parsed->has_userinfo()) {
        Warn(Hidden(v.where),
             "the URL holds user info (a credential) in the config file; logs and listings "
             "show it as ***; keep the file readable only by the service");
      }
      return;
    }
    std::string path = v.str.substr(5);
    if (path.starts_with("//")) {
      auto parsed = boost::urls::parse_absolute_uri(v.str);
      if (parsed.has_error()) {
        Error(v.where, Quoted(v.str) + " is not a URL");
        return;
      }
      if (!parsed->encoded_host().empty() && parsed->encoded_host() != "localhost") {
        Error(v.where, "a file: URL must name a local file, not host " +
                           Quoted(std::string(parsed->encoded_host())));
        return;
      }
      path = parsed->path();
    }
    if (path.empty()) {
      Error(v.where, "file: URL " + Quoted(v.str) + " names no file");
      return;
    }
    const Resolved resolved = Resolve(file, path);
    if (!env_.IsReadable(resolved.display)) {
      Warn(v.where, "cannot read " + Quoted(resolved.display) + " (yet)");
    }
    into = FileUrl(resolved.absolute);
  }

  void ReadMapping(const SourceFile& file, const Value& v, FeedConfig& feed) {
    const bool is_file = v.str.find('/') != std::string::npos || v.str.ends_with(".json");
    if (!is_file) {
      const std::vector<std::string_view> names = feeds::BuiltinMappingNames();
      if (std::find(names.begin(), names.end(), v.str) == names.end()) {
        std::string hint = DidYouMean(v.str, names);
        if (hint.empty()) {
          hint = ": give a built-in mapping (";
          for (size_t i = 0; i < names.size(); ++i) hint += (i ? ", " : "") + std::string(names[i]);
          hint += ") or the path of a mapping file";
        }
        Error(v.where, "unknown mapping " + Quoted(v.str) + hint);
        return;
      }
      feed.spec.mapping = v.str;
      return;
    }
    const Resolved path = Resolve(file, v.str);
    Result<std::string> text = env_.ReadFile(path.display, options_.max_file_bytes);
    if (!text.ok()) {
      Error(v.where, "cannot read mapping file: " + text.status().message());
      return;
    }
    Result<feeds::JsonMapping> parsed = feeds::ParseJsonMapping(*text, path.display);
    if (!parsed.ok()) {
      Error(v.where, "bad mapping file: " + parsed.status().message());
      return;
    }
    feed.spec.mapping = path.absolute;
    feed.mapping_is_file = true;
  }

  // -------------------------------------------------------------------------
  // [[host]]

  void ParseHost(const SourceFile& file, const toml::table& table) {
    HostDraft draft;
    HostConfig& host = draft.host;
    host.where = At(file, table.source().begin);
    bool has_name = false;
    for (auto& [name, value] : ReadTable(file, "host", table, "name", &has_name)) {
      const Value* v = &value;
      if (name == "name") {
        const bool ok = !v->str.empty() && std::all_of(v->str.begin(), v->str.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
        });
        if (!ok) {
          Error(v->where, "host name " + Quoted(v->str) +
                              " may only hold lower-case letters, digits, '-' and '.'");
        } else if (CheckUnique(host_names_, "host", v->str, v->where)) {
          host.name = v->str;
        }
      } else if (name == "connections") {
        if (CheckPositive(*v, name)) draft.connections = static_cast<int>(v->integer);
      } else if (name == "min_spacing") {
        draft.min_spacing = v->duration;
      } else {
        Unhandled(*v, name);
      }
    }
    if (!has_name) Error(host.where, "host has no 'name'");
    hosts_.push_back(std::move(draft));
  }

  // -------------------------------------------------------------------------
  // [[receiver]]

  void ParseReceiver(const SourceFile& file, const toml::table& table) {
    ReceiverConfig r;
    r.where = At(file, table.source().begin);
    // Kind first: which keys apply depends on it.
    std::optional<ReceiverKind> kind;
    bool has_id = false;
    bool has_kind = false;
    std::vector<std::pair<std::string, Value>> values =
        ReadTable(file, "receiver", table, "id", &has_id);
    for (const auto& [name, v] : values) {
      if (name != "kind") continue;
      has_kind = true;
      ReadEnum(v, {"webhook", "slack", "discord", "teams", "email", "file", "console"},
               "receiver kind", [&](size_t i) { kind = kAllKinds[i]; });
    }
    // A kind with a value of the wrong type is reported already.
    has_kind = has_kind || table.contains("kind");
    if (kind) r.kind = *kind;
    std::vector<std::pair<std::string, SourceLocation>> url_sources;
    std::vector<SourceLocation> password_sources;
    std::optional<Value> digest_at;
    std::optional<Value> group_wait;
    std::map<std::string, SourceLocation> backoff_keys;  // retry_*, circuit_*: where set
    for (auto& [name, v] : values) {
      if (kind) {
        const auto kinds = KindsOfReceiverKey(name);
        if (kinds && std::find(kinds->begin(), kinds->end(), *kind) == kinds->end()) {
          Error(v.key_where, Quoted(name) + " does not apply to " +
                                 std::string(ReceiverKindName(*kind)) + " receivers");
          continue;
        }
      }
      if (name == "id") {
        r.id = v.str;  // even when bad, for the messages that follow
        if (CheckId("receiver", v)) CheckUnique(receiver_ids_, "receiver id", v.str, v.where);
      } else if (name == "kind") {
        // read above
      } else if (name == "enabled") {
        r.enabled = v.boolean;
      } else if (name == "url") {
        url_sources.emplace_back(name, v.key_where);
        if (kind && CheckWebUrl(v, *kind == ReceiverKind::kEmail
                                       ? std::vector<std::string_view>{"smtp", "smtps"}
                                       : std::vector<std::string_view>{"https", "http"})) {
          r.url = v.str;
        }
      } else if (name == "url_file" || name == "url_env" || name == "url_credential") {
        url_sources.emplace_back(name, v.key_where);
        r.url_ref = ReadSecret(file, name, v.str, v.where);
      } else if (name == "path") {
        if (v.str.empty()) {
          Error(v.where, "'path' must not be empty");
        } else {
          r.path = Resolve(file, v.str).absolute;
        }
      } else if (name == "headers") {
        CheckHeaders(v);
        r.headers = v.table;
      } else if (name == "secret_file" || name == "secret_env" || name == "secret_credential") {
        for (size_t i = 0; i < v.strings.size(); ++i) {
          r.secrets.push_back(ReadSecret(file, name, v.strings[i], v.string_where[i]));
        }
      } else if (name == "from") {
        if (v.str.find('@') == std::string::npos) {
          Error(v.where, Quoted(v.str) + " is not a mail address");
        }
        r.email.from = v.str;
      } else if (name == "to") {
        if (v.strings.empty()) Error(v.where, "'to' is empty");
        for (size_t i = 0; i < v.strings.size(); ++i) {
          if (v.strings[i].find('@') == std::string::npos) {
            Error(v.string_where[i], Quoted(v.strings[i]) + " is not a mail address");
          }
        }
        r.email.to = v.strings;
      } else if (name == "starttls") {
        r.email.require_starttls = v.boolean;
      } else if (name == "username") {
        r.email.username = v.str;
      } else if (name == "password_file" || name == "password_env" ||
                 name == "password_credential") {
        password_sources.push_back(v.key_where);
        r.email.password = ReadSecret(file, name, v.str, v.where);
      } else if (name == "group_wait") {
        group_wait = v;
        r.timing.group_wait = v.duration;
      } else if (name == "group_interval") {
        if (CheckNonZero(v, name)) r.timing.group_interval = v.duration;
      } else if (name == "digest_at") {
        digest_at = v;
        Result<int> minute = ParseTimeOfDay(v.str);
        if (!minute.ok()) {
          Error(v.where, "invalid time " + Quoted(v.str) + ": " + minute.status().message());
        } else {
          r.timing.digest_at = *minute;
        }
      } else if (name == "timezone") {
        const Status zone = env_.CheckTimeZone(v.str);
        if (!zone.ok()) {
          Error(v.where, "unknown time zone " + Quoted(v.str) +
                             " (an IANA name such as \"Australia/Sydney\", or \"UTC\")");
        } else {
          r.timing.timezone = v.str;
        }
      } else if (name == "rate_limit") {
        Result<Rate> rate = ParseRate(v.str);
        if (!rate.ok()) {
          Error(v.where, "invalid rate " + Quoted(v.str) + ": " + rate.status().message());
        } else {
          r.timing.rate_limit = *rate;
        }
      } else if (name == "quiet_hours") {
        ReadQuietHours(v, r.timing);
      } else if (name == "critical_ignores_quiet_hours") {
        r.timing.critical_ignores_quiet_hours = v.boolean;
      } else if (name == "timeout") {
        if (CheckNonZero(v, name)) r.timeout = v.duration;
      } else if (name == "max_attempts") {
        if (CheckPositive(v, name)) r.max_attempts = static_cast<int>(v.integer);
      } else if (name == "max_age") {
        if (CheckNonZero(v, name)) r.max_age = v.duration;
      } else if (name == "retry_base" || name == "retry_cap" || name == "circuit_open_for" ||
                 name == "circuit_max_open_for") {
        if (v.duration < std::chrono::seconds(1)) {
          Error(v.where, Quoted(name) + " must be at least 1s");
          continue;
        }
        (name == "retry_base"         ? r.retry_base
         : name == "retry_cap"        ? r.retry_cap
         : name == "circuit_open_for" ? r.circuit_open_for
                                      : r.circuit_max_open_for) = v.duration;
        backoff_keys[name] = v.where;
      } else if (name == "concurrency") {
        if (v.integer >= 1 && v.integer <= kMaxReceiverConcurrency) {
          r.concurrency = static_cast<int>(v.integer);
        } else {
          Error(v.where,
                "'concurrency' must be between 1 and " + std::to_string(kMaxReceiverConcurrency));
        }
      } else if (name.ends_with("_template")) {
        const Resolved path = Resolve(file, v.str);
        if (!env_.IsReadable(path.display)) {
          Error(v.where, "cannot read template " + Quoted(path.display));
        }
        (name == "subject_template" ? r.subject_template
         : name == "text_template"  ? r.text_template
         : name == "html_template"  ? r.html_template
                                    : r.body_template) = path.absolute;
      } else {
        Unhandled(v, name);
      }
    }
    if (!has_id) {
      Error(r.where, "receiver has no 'id'");
    } else if (!has_kind) {
      Error(r.where, "receiver " + Quoted(r.id) + " has no 'kind'");
    }
    if (kind) CheckReceiverComplete(r, url_sources, password_sources);
    CheckBackoffOrder(r, backoff_keys);
    if (digest_at && group_wait) {
      Error(group_wait->key_where,
            "give either 'digest_at' (one message a day) or 'group_wait', not both");
    }
    receivers_.push_back(std::move(r));
  }

  // retry_base <= retry_cap, circuit_open_for <= circuit_max_open_for;
  // reported where the receiver set one of the two.
  void CheckBackoffOrder(const ReceiverConfig& r,
                         const std::map<std::string, SourceLocation>& where) {
    auto order = [&](const std::string& low, Duration low_value, const std::string& high,
                     Duration high_value) {
      if (low_value <= high_value) return;
      const auto culprit = where.count(high) ? where.find(high) : where.find(low);
      if (culprit == where.end()) return;
      Error(culprit->second, Quoted(low) + " (" + FormatDuration(low_value) + ") is longer than " +
                                 Quoted(high) + " (" + FormatDuration(high_value) + ")");
    };
    order("retry_base", r.retry_base, "retry_cap", r.retry_cap);
    order("circuit_open_for", r.circuit_open_for, "circuit_max_open_for", r.circuit_max_open_for);
  }

  void CheckReceiverComplete(const ReceiverConfig& r,
                             const std::vector<std::pair<std::string, SourceLocation>>& url_sources,
                             const std::vector<SourceLocation>& password_sources) {
    const std::string who = "receiver " + Quoted(r.id);
    if (IsWebKind(r.kind) || r.kind == ReceiverKind::kEmail) {
      if (url_sources.empty()) {
        Error(r.where, who + " has no 'url' (or url_file, url_env, url_credential)");
      } else if (url_sources.size() > 1) {
        Error(url_sources[1].second,
              "give only one of 'url', 'url_file', 'url_env' and 'url_credential'");
      }
    }
    if (r.kind == ReceiverKind::kFile && r.path.empty()) Error(r.where, who + " has no 'path'");
    if (r.kind == ReceiverKind::kEmail) {
      if (r.email.from.empty()) Error(r.where, who + " has no 'from'");
      if (r.email.to.empty()) Error(r.where, who + " has no 'to'");
      if (password_sources.size() > 1) {
        Error(password_sources[1],
              "give only one of 'password_file', 'password_env' and 'password_credential'");
      }
      if (r.email.password && r.email.username.empty()) {
        Error(password_sources.front(), "a password needs a 'username'");
      }
      if (!r.email.require_starttls && r.url.starts_with("smtp:")) {
        Warn(r.where, who + " may send mail and its password in clear text (starttls = false)");
      }
    }
  }

  // "HH:MM-HH:MM"
  void ReadQuietHours(const Value& v, DeliveryTiming& timing) {
    const size_t dash = v.str.find('-');
    Result<int> from = ParseTimeOfDay(v.str.substr(0, dash));
    Result<int> to = ParseTimeOfDay(dash == std::string::npos ? "" : v.str.substr(dash + 1));
    if (!from.ok() || !to.ok() || *from == *to) {
      Error(v.where, "invalid quiet hours " + Quoted(v.str) +
                         ": write FROM-TO on a 24-hour clock, as in \"22:00-07:00\"");
      return;
    }
    timing.quiet_hours = std::make_pair(*from, *to);
  }

  // A secret by reference.  Files must be readable now (a typo should fail
  // `check`, not the first delivery); variables and credentials may belong to
  // the service's environment rather than this one, so they only warn.  The
  // secret itself is never read.
  SecretRef ReadSecret(const SourceFile& file, const std::string& key, const std::string& name,
                       const SourceLocation& where) {
    SecretRef ref;
    ref.where = where;
    ref.name = name;
    if (name.empty()) {
      Error(where, Quoted(key) + " must not be empty");
      return ref;
    }
    if (key.ends_with("_file")) {
      ref.kind = SecretRef::Kind::kFile;
      const Resolved path = Resolve(file, name);
      ref.name = path.absolute;
      if (options_.check_secrets && !env_.IsReadable(path.display)) {
        Error(where, "cannot read secret file " + Quoted(path.display));
      }
    } else if (key.ends_with("_env")) {
      ref.kind = SecretRef::Kind::kEnv;
      if (options_.check_secrets && !env_.HasVariable(name)) {
        Warn(where, "environment variable " + Quoted(name) + " is not set here");
      }
    } else {
      ref.kind = SecretRef::Kind::kCredential;
      if (name.find('/') != std::string::npos) {
        Error(where, "credential name " + Quoted(name) + " may not hold '/'");
      } else if (options_.check_secrets) {
        const std::string dir = env_.Variable("CREDENTIALS_DIRECTORY");
        if (!dir.empty() && !env_.IsReadable(dir + "/" + name)) {
          Error(where, "no credential " + Quoted(name) + " in $CREDENTIALS_DIRECTORY");
        }
      }
    }
    return ref;
  }

  // -------------------------------------------------------------------------
  // [[route]]

  void ParseRoute(const SourceFile& file, const toml::table& table) {
    RouteConfig route;
    route.where = At(file, table.source().begin);
    bool has_receivers = false;
    for (auto& [name, value] : ReadTable(file, "route", table, "receivers", &has_receivers)) {
      const Value* v = &value;
      if (name == "severities") {
        for (size_t i = 0; i < v->strings.size(); ++i) {
          Value one = *v;
          one.str = v->strings[i];
          one.where = v->string_where[i];
          ReadEnum(one, {"info", "warning", "critical"}, "severity",
                   [&](size_t) { route.severities.push_back(one.str); });
        }
      } else if (name == "labels") {
        route.labels = v->strings;
      } else if (name == "rule_ids") {
        route.rule_ids = v->strings;
        route.rule_id_where = v->string_where;
      } else if (name == "receivers") {
        if (v->strings.empty()) Error(v->where, "'receivers' is empty");
        route.receivers = v->strings;
        for (size_t i = 0; i < v->strings.size(); ++i) {
          receiver_refs_.push_back({v->strings[i], v->string_where[i]});
        }
      } else if (name == "continue") {
        route.continue_matching = v->boolean;
      } else {
        Unhandled(*v, name);
      }
    }
    if (!has_receivers) Error(route.where, "route has no 'receivers'");
    routes_.push_back(std::move(route));
  }

  // -------------------------------------------------------------------------
  // Second pass: what needs every file read.

  void Settle() {
    Config& config = result_.config;
    DaemonConfig& daemon = config.daemon;
    daemon.database = database_.empty()
                          ? (fs::path(daemon.state_dir) / "mineral-alertd.db").string()
                          : (fs::path(daemon.state_dir) / database_).lexically_normal().string();
    daemon.poll = ApplyPoll(feeds::PollPolicy{}, daemon_poll_);
    bool sec_gov = false;
    for (FeedDraft& draft : feeds_) {
      FeedConfig& feed = draft.feed;
      feed.poll = ApplyPoll(daemon.poll, draft.poll);
      feed.user_agent = draft.user_agent.value_or(daemon.user_agent);
      feed.max_body_bytes = draft.max_body_bytes.value_or(daemon.max_body_bytes);
      sec_gov = sec_gov || (feed.spec.url.find("sec.gov/") != std::string::npos &&
                            feed.user_agent == kDefaultUserAgent);
      config.feeds.push_back(std::move(feed));
    }
    for (HostDraft& draft : hosts_) {
      draft.host.connections = draft.connections.value_or(daemon.per_host_connections);
      draft.host.min_spacing = draft.min_spacing.value_or(daemon.per_host_min_spacing);
      config.hosts.push_back(std::move(draft.host));
    }
    config.receivers = std::move(receivers_);
    config.routes = std::move(routes_);
    std::vector<std::string_view> receiver_ids;
    for (const ReceiverConfig& r : config.receivers) receiver_ids.push_back(r.id);
    for (const Reference& ref : receiver_refs_) {
      if (config.FindReceiver(ref.id) != nullptr) continue;
      Error(ref.where, "unknown receiver " + Quoted(ref.id) + DidYouMean(ref.id, receiver_ids));
    }
    if (sec_gov) {
      Warn(SourceLocation{config.path, 0, 0, ""},
           "SEC EDGAR blocks clients that do not name themselves: set daemon.user_agent to "
           "\"Company Name admin@example.com\"");
    }
  }

  // `base` with the overrides in `poll` ("min_interval" -> value), checked:
  // min <= default <= max, base <= cap.  A conflict is reported where this
  // section set one of the two; one between two inherited values was
  // reported at [daemon] already.
  feeds::PollPolicy ApplyPoll(
      feeds::PollPolicy base,
      const std::map<std::string, std::pair<Duration, SourceLocation>>& poll) {
    using std::chrono::seconds;
    for (const auto& [key, value] : poll) {
      if (value.first < seconds(1)) {
        Error(value.second, Quoted(key) + " must be at least 1s");
        continue;
      }
      const seconds s = std::chrono::duration_cast<seconds>(value.first);
      if (key == "min_interval") base.min_interval = s;
      if (key == "max_interval") base.max_interval = s;
      if (key == "default_interval") base.default_interval = s;
      if (key == "backoff_base") base.backoff_base = s;
      if (key == "backoff_cap") base.backoff_cap = s;
    }
    auto order = [&](const std::string& low, seconds low_value, const std::string& high,
                     seconds high_value) {
      if (low_value <= high_value) return;
      const auto culprit = poll.count(high) ? poll.find(high) : poll.find(low);
      if (culprit == poll.end()) return;
      Error(culprit->second.second, Quoted(low) + " (" + FormatDuration(low_value) +
                                        ") is longer than " + Quoted(high) + " (" +
                                        FormatDuration(high_value) + ")");
    };
    order("min_interval", base.min_interval, "default_interval", base.default_interval);
    order("default_interval", base.default_interval, "max_interval", base.max_interval);
    order("backoff_base", base.backoff_base, "backoff_cap", base.backoff_cap);
    return base;
  }

  const Environment& env_;
  const LoadOptions& options_;
  ConfigResult result_;
  std::vector<std::unique_ptr<SourceFile>> files_;
  std::vector<std::string> stack_;  // absolute paths of the include chain
  std::string database_;            // as written, resolved against state_dir in Settle
  std::map<std::string, std::pair<Duration, SourceLocation>> daemon_poll_;
  std::vector<FeedDraft> feeds_;
  std::vector<HostDraft> hosts_;
  std::vector<ReceiverConfig> receivers_;
  std::vector<RouteConfig> routes_;
  std::vector<Reference> receiver_refs_;
  std::map<std::string, SourceLocation> feed_ids_, receiver_ids_, host_names_;
};

}  // namespace

ConfigResult ParseConfig(std::string_view text, std::string_view file_name, const Environment& env,
                         const LoadOptions& options) {
  try {
    return Loader(env, options).Run(text, file_name);
  } catch (const std::exception& e) {
    ConfigResult result;
    result.errors.push_back(std::string(file_name) + ": " + e.what());
    return result;
  }
}

ConfigResult LoadConfig(const std::string& path, const Environment& env,
                        const LoadOptions& options) {
  Result<std::string> text = env.ReadFile(path, options.max_file_bytes);
  if (!text.ok()) {
    ConfigResult result;
    result.config.path = path;
    result.errors.push_back(text.status().message());
    return result;
  }
  return ParseConfig(*text, path, env, options);
}

}  // namespace mineral::config
