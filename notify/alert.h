// What notify/ renders and sends: an alert as receivers see it, and a message
// (one alert, or several grouped) addressed to one receiver.  Value types
// only; the daemon builds them from the outbox (storage::OutboxEntry), so
// notify/ knows nothing of storage.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/alert.h"
#include "model/time.h"

namespace mineral::notify {

// One item of an alert's story.  The first item of an alert is the one the
// rule fired on; the others are other sources of the same story.
struct AlertItem {
  std::string feed;  // config id of the feed it came from
  std::string title;
  std::string link;    // absolute URL; may be empty
  std::string origin;  // publisher credited by a syndicated item ("Reuters"); may be empty
  std::optional<UtcTime> published;
  std::string language;
  // Plain text; MatchEvidence with field "summary" indexes into it.  Bounded
  // by the caller (see kMaxSummaryBytes in the daemon's conversion).
  std::string summary;
};

struct Alert {
  int64_t id = 0;               // alert id in the store
  std::string idempotency_key;  // stable per (alert, receiver)
  std::string rule_id;
  std::string severity;  // "info", "warning", "critical"
  std::vector<std::string> labels;
  bool amended = false;    // an amendment of an earlier alert's item
  std::string doc_number;  // "fr:2025-12345"; "" when none
  UtcTime created_at{};
  std::vector<MatchEvidence> evidence;  // of the first item
  std::vector<AlertItem> items;         // at least one
};

// What one Send delivers: usually one alert; a group or digest holds several.
struct Message {
  // The message's idempotency key (Standard Webhooks `webhook-id`): the
  // alert's key for one alert, a hash of the sorted keys for a group, so a
  // retry of the same message carries the same id.
  std::string id;
  std::string receiver;  // receiver id
  std::vector<Alert> alerts;
};

// A message of one alert (id = the alert's idempotency key).
Message SingleAlertMessage(std::string receiver, Alert alert);
// A message of several alerts (id = "grp_" + hex hash of their sorted keys).
Message GroupMessage(std::string receiver, std::vector<Alert> alerts);

// "critical" > "warning" > "info" (anything else ranks as info): the highest
// severity among a message's alerts.
std::string HighestSeverity(const Message& message);

}  // namespace mineral::notify
