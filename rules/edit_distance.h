// Edit distance and "did you mean" suggestions for error messages.
#pragma once

#include <string_view>
#include <vector>

namespace mineral::rules {

// Levenshtein distance between `a` and `b` in bytes (insertions, deletions,
// substitutions).  When max_distance > 0 and the distance exceeds it, returns
// max_distance + 1 early.  Pure.
int EditDistance(std::string_view a, std::string_view b, int max_distance = 0);

// The candidate closest to `word` (ASCII case-insensitive), if it is close
// enough to be a plausible typo: at most 1 edit for words up to 4 bytes, 2 up
// to 8, else 3.  Ties go to the earlier candidate.  Empty when none is.
std::string_view ClosestMatch(std::string_view word,
                              const std::vector<std::string_view>& candidates);

}  // namespace mineral::rules
