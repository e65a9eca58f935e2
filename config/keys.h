// Every key the config accepts, in one table: the parser checks keys against
// it (unknown keys get a did-you-mean from the same section), and a test
// checks docs/config.md documents each of them.
#pragma once

#include <string_view>
#include <vector>

namespace mineral::config {

enum class ValueType {
  kString,
  kBool,
  kInteger,
  kDuration,  // "30s"
  kSize,      // "10MiB" (or an integer count of bytes)
  kStrings,   // array of strings
  kStringOrStrings,
  kStringTable,    // { Name = "value", ... }
  kTable,          // [daemon]
  kArrayOfTables,  // [[feed]]
};

// The word docs/config.md uses for a type: "string", "bool", "integer",
// "duration", "size", "array of strings", "string or array of strings",
// "table of strings", "table", "array of tables".
std::string_view ValueTypeName(ValueType type);

struct KeyInfo {
  // "" for the top level, else the table: "daemon", "feed", "host",
  // "receiver", "route".
  std::string_view section;
  std::string_view key;
  ValueType type;
  // A valid value, as TOML: what the table-driven test writes for the key.
  std::string_view example;
};

const std::vector<KeyInfo>& AcceptedKeys();

// The keys of one section, in table order.
std::vector<std::string_view> KeysOf(std::string_view section);

// The entry for (section, key), or nullptr.
const KeyInfo* FindKey(std::string_view section, std::string_view key);

}  // namespace mineral::config
