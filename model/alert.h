// What the matcher hands to the record step for each item that fires a rule,
// and what storage keeps about alerts and their delivery.  Value types only:
// rules/ produces AlertCandidate, storage/ stores it, notify/ renders it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/time.h"

namespace mineral {

// Evidence for a match (mirrors rules::MatchedTerm without depending on rules/).
struct MatchEvidence {
  std::string term;   // "export licence", "mineral:dysprosium"
  std::string field;  // "title", "summary", "content", "source", "lang"
  size_t offset = 0;  // bytes into that field
  size_t length = 0;
};

// One rule firing on one item.
struct AlertCandidate {
  std::string rule_id;
  std::string severity;  // "info", "warning", "critical"
  std::vector<std::string> labels;
  std::vector<std::string> receivers;  // receiver ids the alert is queued for
  bool amendments = false;             // the rule asks for amended alerts
  std::vector<MatchEvidence> evidence;
};

enum class OutboxState { kPending, kInFlight, kDelivered, kDead };

// "pending", "in-flight", "delivered", "dead".
const char* OutboxStateName(OutboxState state);

}  // namespace mineral
