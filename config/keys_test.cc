// The key table is the truth about what the config accepts: every key in it
// parses with its example value, and docs/config.md documents every key with
// its type, and nothing else.
#include "config/keys.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "config/config.h"
#include "config/testing.h"

namespace mineral::config {
namespace {

// A config that sets `key` to its example value, inside a table that is
// otherwise minimal and valid for it.
std::string ConfigSetting(const KeyInfo& k) {
  const std::string line = std::string(k.key) + " = " + std::string(k.example) + "\n";
  if (k.section.empty()) return line;
  if (k.section == "daemon") return "[daemon]\n" + line;
  if (k.section == "host") {
    return "[[host]]\n" + std::string(k.key == "name" ? "" : "name = \"h\"\n") + line;
  }
  if (k.section == "feed") {
    return "[[feed]]\n" + std::string(k.key == "id" ? "" : "id = \"f\"\n") +
           (k.key == "url" ? "" : "url = \"https://example.com/\"\n") + line;
  }
  if (k.section == "route") {
    return "[[receiver]]\nid = \"ops\"\nkind = \"console\"\n[[route]]\n" +
           std::string(k.key == "receivers" ? "" : "receivers = [\"ops\"]\n") + line;
  }
  // receiver: a kind the key applies to.
  const std::string key(k.key);
  std::string out = "[[receiver]]\n" + std::string(key == "id" ? "" : "id = \"r\"\n");
  if (key == "kind") return out + line;
  const bool email = key == "from" || key == "to" || key == "starttls" || key == "username" ||
                     key.starts_with("password_") || key == "subject_template" ||
                     key == "text_template" || key == "html_template";
  if (email) {
    out += "kind = \"email\"\nurl = \"smtp://smtp.example.com\"\n";
    if (key != "from") out += "from = \"a@example.com\"\n";
    if (key != "to") out += "to = [\"b@example.com\"]\n";
    if (key != "username") out += "username = \"u\"\n";
    return out + line;
  }
  if (key == "path") return out + "kind = \"file\"\n" + line;
  out += "kind = \"webhook\"\n";
  if (!key.starts_with("url")) out += "url = \"https://hooks.example.com/\"\n";
  return out + line;
}

TEST_CASE("every accepted key parses with its example value") {
  MemoryEnvironment env;
  for (const char* file : {"feeds.d/x.toml", "rules/a.toml", "vocabulary/extra.toml", "secrets/url",
                           "secrets/hook", "secrets/smtp", "templates/subject.txt",
                           "templates/text.txt", "templates/body.html", "templates/body.json"}) {
    env.AddFile(file, "");
  }
  for (const char* variable : {"HOOK_URL", "HOOK_SECRET", "SMTP_PASSWORD"}) {
    env.SetVariable(variable, "x");
  }
  for (const KeyInfo& k : AcceptedKeys()) {
    if (k.type == ValueType::kTable || k.type == ValueType::kArrayOfTables) continue;
    const std::string text = ConfigSetting(k);
    INFO(text);
    const ConfigResult result = ParseConfig(text, "main.toml", env);
    INFO(JoinLines(result.errors));
    CHECK(result.ok());
  }
}

TEST_CASE("the key table has no duplicates and every key has an example") {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const KeyInfo& k : AcceptedKeys()) {
    INFO(std::string(k.section) + "." + std::string(k.key));
    CHECK(seen.insert({k.section, k.key}).second);
    if (k.type != ValueType::kTable && k.type != ValueType::kArrayOfTables) {
      CHECK_FALSE(k.example.empty());
    }
  }
}

// docs/config.md: a "## " heading per section ("## Top level", "## [daemon]",
// "## [[feed]]", ...) followed by a table with the header
// "| key | type | default | meaning |" whose rows start "| `name` | type |".
std::map<std::pair<std::string, std::string>, std::string> DocumentedKeys() {
  std::ifstream file(std::string(MINERAL_SOURCE_DIR) + "/docs/config.md");
  REQUIRE(file);
  std::map<std::pair<std::string, std::string>, std::string> keys;
  std::string section;
  bool in_section = false;
  bool in_key_table = false;
  for (std::string line; std::getline(file, line);) {
    if (line.starts_with("| key | type |")) in_key_table = true;
    if (!line.starts_with("|")) in_key_table = false;
    if (line.starts_with("## ")) {
      std::string heading = line.substr(3);
      in_section = heading == "Top level" || heading.starts_with("[");
      while (!heading.empty() && (heading.front() == '[' || heading.front() == '`')) {
        heading.erase(0, 1);
      }
      while (!heading.empty() && (heading.back() == ']' || heading.back() == '`')) {
        heading.pop_back();
      }
      section = heading == "Top level" ? "" : heading;
      continue;
    }
    if (!in_section || !in_key_table || !line.starts_with("| `")) continue;
    const size_t end = line.find('`', 3);
    const std::string key = line.substr(3, end - 3);
    const size_t type_begin = line.find('|', end) + 1;
    const size_t type_end = line.find('|', type_begin);
    std::string type = line.substr(type_begin, type_end - type_begin);
    type.erase(0, type.find_first_not_of(' '));
    type.erase(type.find_last_not_of(' ') + 1);
    keys[{section, key}] = type;
  }
  return keys;
}

TEST_CASE("docs/config.md documents every key with its type, and only those") {
  const auto documented = DocumentedKeys();
  for (const KeyInfo& k : AcceptedKeys()) {
    const std::string name =
        (k.section.empty() ? "" : std::string(k.section) + ".") + std::string(k.key);
    INFO("key " << name);
    const auto it = documented.find({std::string(k.section), std::string(k.key)});
    REQUIRE(it != documented.end());
    CHECK(it->second == ValueTypeName(k.type));
  }
  for (const auto& [key, type] : documented) {
    INFO("documented key " << key.first << "." << key.second);
    CHECK(FindKey(key.first, key.second) != nullptr);
  }
}

}  // namespace
}  // namespace mineral::config
