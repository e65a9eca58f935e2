// libFuzzer target: the config loader (config::ParseConfig with includes,
// mapping files, secret and credential checks), then the rules and vocabulary
// it names (config::LoadVocabulary, config::LoadRules), all through an
// in-memory environment.
//
//   build/fuzz/fuzz/fuzz_config -dict=fuzz/config.dict -max_len=16384 CORPUS SEEDS
//
// The input is the main file, "main.toml", optionally followed by more files,
// each introduced by a line "#=> PATH" (a TOML comment, so a plain config is
// a valid input):
//
//   include = ["feeds.d/*.toml"]
//   rules = ["rules/a.toml"]
//   #=> feeds.d/one.toml
//   [[feed]] ...
//   #=> rules/a.toml
//   [[rule]] ...
//
// The environment also holds the variables HOOK_SECRET, SMTP_PASSWORD and
// SLACK_URL, and $CREDENTIALS_DIRECTORY is "creds" (so "#=> creds/NAME"
// provides a credential).
//
// Invariants: no crash, no exception; every error is "FILE:LINE:COL: message",
// one line, then that line of FILE and a caret line, with FILE one of the
// input's files and LINE within it; a config that loads
// satisfies what the loader promises (ids well-formed and unique, interval
// bounds ordered, every receiver a route names defined, each kind's required
// values present, paths resolved to absolute ones); the rule files of a
// config that loads give positioned errors too.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/config_rules.h"
#include "config/environment.h"
#include "fuzz/fuzz_checks.h"
#include "rules/vocabulary.h"

namespace {

using namespace mineral;

constexpr std::string_view kMarker = "#=> ";

// Splits the input into files: "main.toml" first, then each "#=> PATH" part.
std::map<std::string, std::string> SplitFiles(std::string_view text) {
  std::map<std::string, std::string> files;
  std::string name = "main.toml";
  size_t begin = 0;
  size_t pos = 0;
  auto flush = [&](size_t end) {
    files.emplace(name, std::string(text.substr(begin, end - begin)));
  };
  while (pos < text.size()) {
    const size_t eol = std::min(text.find('\n', pos), text.size());
    const std::string_view line = text.substr(pos, eol - pos);
    if (line.starts_with(kMarker) && line.size() > kMarker.size()) {
      flush(pos);
      name = std::string(line.substr(kMarker.size()));
      begin = std::min(eol + 1, text.size());
    }
    pos = eol + 1;
  }
  flush(text.size());
  return files;
}

// The lines of `text` as the loader counts them (split on '\n').
size_t LineCount(std::string_view text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
}

// Line `n` (1-based, at most LineCount) of `text`, without its '\n' or a
// trailing '\r', as diagnostics quote it.
std::string_view NthLine(std::string_view text, size_t n) {
  size_t begin = 0;
  for (size_t l = 1; l < n; ++l) begin = text.find('\n', begin) + 1;
  size_t end = std::min(text.find('\n', begin), text.size());
  if (end > begin && text[end - 1] == '\r') --end;
  return text.substr(begin, end - begin);
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "FILE:LINE:COL: message\nSOURCE LINE\n   ^", FILE one of `files`, LINE
// within it and SOURCE LINE that line of it.
void CheckPositioned(const std::string& error, const std::map<std::string, std::string>& files) {
  const size_t first_nl = error.find('\n');
  FUZZ_CHECK(first_nl != std::string::npos);
  const size_t last_nl = error.rfind('\n');
  FUZZ_CHECK(last_nl > first_nl);
  const std::string_view head = std::string_view(error).substr(0, first_nl);
  const std::string_view source_line =
      std::string_view(error).substr(first_nl + 1, last_nl - first_nl - 1);
  const std::string_view caret = std::string_view(error).substr(last_nl + 1);
  FUZZ_CHECK(!caret.empty() && caret.back() == '^');
  FUZZ_CHECK(caret.find_first_not_of(" \t") == caret.size() - 1);
  // "FILE:LINE:COL: ": the file name may hold ':' itself, so read from the
  // ": " after the position backwards.
  size_t message_at = std::string_view::npos;
  std::string file;
  long line = 0;
  for (size_t sep = head.find(": "); sep != std::string_view::npos;
       sep = head.find(": ", sep + 1)) {
    const std::string_view before = head.substr(0, sep);
    const size_t c2 = before.rfind(':');
    if (c2 == std::string_view::npos || c2 == 0) continue;
    const size_t c1 = before.rfind(':', c2 - 1);
    if (c1 == std::string_view::npos || c1 == 0) continue;
    const std::string_view l = before.substr(c1 + 1, c2 - c1 - 1);
    const std::string_view c = before.substr(c2 + 1);
    if (!AllDigits(l) || !AllDigits(c) || l.size() > 9 || c.size() > 9) continue;
    file = std::string(before.substr(0, c1));
    line = std::stol(std::string(l));
    message_at = sep + 2;
    break;
  }
  FUZZ_CHECK(message_at != std::string_view::npos);
  FUZZ_CHECK(message_at < head.size());  // a message follows the position
  FUZZ_CHECK(line >= 1);
  const auto it = files.find(file);
  FUZZ_CHECK(it != files.end());
  FUZZ_CHECK(static_cast<size_t>(line) <= LineCount(it->second));
  FUZZ_CHECK(source_line == NthLine(it->second, static_cast<size_t>(line)));
}

bool IsId(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

void CheckPolicy(const feeds::PollPolicy& p) {
  FUZZ_CHECK(p.min_interval <= p.default_interval);
  FUZZ_CHECK(p.default_interval <= p.max_interval);
  FUZZ_CHECK(p.backoff_base <= p.backoff_cap);
}

void CheckAbsolute(const std::string& path) { FUZZ_CHECK(!path.empty() && path.front() == '/'); }

// What a config that loads promises (config/config.h).
void CheckLoaded(const config::Config& c) {
  using config::ReceiverKind;
  FUZZ_CHECK(!c.included_files.empty() && c.included_files.front() == "main.toml");
  CheckPolicy(c.daemon.poll);
  CheckAbsolute(c.daemon.state_dir);
  CheckAbsolute(c.daemon.database);
  FUZZ_CHECK(c.daemon.max_body_bytes >= 1024);
  FUZZ_CHECK(c.daemon.max_concurrency >= 1 && c.daemon.per_host_connections >= 1);
  if (!c.daemon.status_listen.empty()) {
    const size_t colon = c.daemon.status_listen.rfind(':');
    FUZZ_CHECK(colon != std::string::npos && colon > 0);
    FUZZ_CHECK(AllDigits(c.daemon.status_listen.substr(colon + 1)));
  }
  std::set<std::string> ids;
  for (const config::FeedConfig& f : c.feeds) {
    FUZZ_CHECK(IsId(f.spec.id));
    FUZZ_CHECK(ids.insert(f.spec.id).second);
    FUZZ_CHECK(!f.spec.url.empty());
    FUZZ_CHECK(f.max_body_bytes >= 1024);
    FUZZ_CHECK(!f.user_agent.empty());
    CheckPolicy(f.poll);
    if (f.mapping_is_file) CheckAbsolute(f.spec.mapping);
    FUZZ_CHECK(c.FindFeed(f.spec.id) == &f);
  }
  std::set<std::string> hosts;
  for (const config::HostConfig& h : c.hosts) {
    FUZZ_CHECK(!h.name.empty());
    FUZZ_CHECK(hosts.insert(h.name).second);
    FUZZ_CHECK(h.connections >= 1);
  }
  ids.clear();
  for (const config::ReceiverConfig& r : c.receivers) {
    FUZZ_CHECK(IsId(r.id));
    FUZZ_CHECK(ids.insert(r.id).second);
    FUZZ_CHECK(c.FindReceiver(r.id) == &r);
    const bool web = r.kind == ReceiverKind::kWebhook || r.kind == ReceiverKind::kSlack ||
                     r.kind == ReceiverKind::kDiscord || r.kind == ReceiverKind::kTeams;
    if (web || r.kind == ReceiverKind::kEmail) FUZZ_CHECK(r.url.empty() != !r.url_ref);
    if (!web) FUZZ_CHECK(r.headers.empty());
    if (r.kind != ReceiverKind::kWebhook) FUZZ_CHECK(r.secrets.empty());
    if (r.kind == ReceiverKind::kFile) CheckAbsolute(r.path);
    if (r.kind == ReceiverKind::kEmail) {
      FUZZ_CHECK(!r.email.from.empty() && !r.email.to.empty());
      if (r.email.password) FUZZ_CHECK(!r.email.username.empty());
    } else {
      FUZZ_CHECK(!r.email.password && r.email.username.empty());
    }
    for (const config::SecretRef& s : r.secrets) {
      FUZZ_CHECK(!s.name.empty());
      if (s.kind == config::SecretRef::Kind::kFile) CheckAbsolute(s.name);
      if (s.kind == config::SecretRef::Kind::kCredential)
        FUZZ_CHECK(s.name.find('/') == std::string::npos);
    }
    FUZZ_CHECK(!(r.timing.digest_at && r.timing.group_wait.count() > 0));
    FUZZ_CHECK(r.max_attempts >= 1);
  }
  for (const config::RouteConfig& route : c.routes) {
    FUZZ_CHECK(!route.receivers.empty());
    for (const std::string& id : route.receivers) FUZZ_CHECK(c.FindReceiver(id) != nullptr);
    FUZZ_CHECK(route.rule_id_where.size() == route.rule_ids.size());
  }
  for (const config::ConfigFile& f : c.rule_files) CheckAbsolute(f.path);
  for (const config::ConfigFile& f : c.vocabulary_files) CheckAbsolute(f.path);
}

const rules::Vocabulary* BuiltinVocabulary() {
  static const auto* vocabulary = [] {
    auto v = rules::LoadBuiltinVocabulary();
    return v.ok() ? new rules::Vocabulary(std::move(*v)) : nullptr;
  }();
  return vocabulary;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::map<std::string, std::string> files = SplitFiles(fuzz::AsText(data, size));
  config::MemoryEnvironment env;
  for (const auto& [name, contents] : files) env.AddFile(name, contents);
  env.SetVariable("HOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  env.SetVariable("SMTP_PASSWORD", "hunter2");
  env.SetVariable("SLACK_URL", "https://hooks.slack.com/services/T0/B0/x");
  env.SetVariable("CREDENTIALS_DIRECTORY", "creds");

  config::LoadOptions options;
  options.max_file_bytes = 64 * 1024;
  options.max_include_depth = 8;
  const config::ConfigResult result =
      config::ParseConfig(files.at("main.toml"), "main.toml", env, options);
  for (const std::string& e : result.errors) CheckPositioned(e, files);
  if (!result.ok()) return 0;
  CheckLoaded(result.config);

  // The rules and vocabulary the config names, as `check` and the daemon
  // load them.
  const rules::Vocabulary* builtin = BuiltinVocabulary();
  if (builtin == nullptr) return 0;
  rules::Vocabulary loaded;
  const rules::Vocabulary* vocabulary = builtin;
  if (!result.config.vocabulary_files.empty()) {
    auto v = config::LoadVocabulary(result.config, env, options.max_file_bytes);
    if (!v.ok()) return 0;
    loaded = std::move(*v);
    vocabulary = &loaded;
  }
  const config::RulesResult rules =
      config::LoadRules(result.config, *vocabulary, env, options.max_file_bytes);
  for (const std::string& e : rules.errors) CheckPositioned(e, files);
  return 0;
}
