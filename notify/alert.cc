#include "notify/alert.h"

#include <algorithm>
#include <cstdio>

namespace mineral::notify {
namespace {

int Rank(const std::string& severity) {
  if (severity == "critical") return 2;
  if (severity == "warning") return 1;
  return 0;
}

}  // namespace

Message SingleAlertMessage(std::string receiver, Alert alert) {
  Message m;
  m.id = alert.idempotency_key;
  m.receiver = std::move(receiver);
  m.alerts.push_back(std::move(alert));
  return m;
}

Message GroupMessage(std::string receiver, std::vector<Alert> alerts) {
  if (alerts.size() == 1) return SingleAlertMessage(std::move(receiver), std::move(alerts[0]));
  std::vector<std::string> keys;
  for (const Alert& a : alerts) keys.push_back(a.idempotency_key);
  std::sort(keys.begin(), keys.end());
  // FNV-1a 64 over the sorted keys: the same set of alerts, the same id.
  uint64_t h = 1469598103934665603ULL;
  for (const std::string& k : keys) {
    for (unsigned char c : k) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  Message m;
  m.id = std::string("grp_") + hex;
  m.receiver = std::move(receiver);
  m.alerts = std::move(alerts);
  return m;
}

std::string HighestSeverity(const Message& message) {
  std::string best = "info";
  for (const Alert& a : message.alerts) {
    if (Rank(a.severity) > Rank(best)) best = a.severity;
  }
  return best;
}

}  // namespace mineral::notify
