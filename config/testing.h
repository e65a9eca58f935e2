// Helpers for the config tests (header only; not part of the library).
#pragma once

#include <string>
#include <vector>

namespace mineral::config {

// Each line followed by '\n': compares lists of messages in one CHECK so a
// failure shows them all.
inline std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

}  // namespace mineral::config
