// What a webhook receiver on loopback was sent, for the scenarios' checks:
// one record per POST (webhook-id, the alert's id and first item's link,
// when it arrived), and the counts the scenario rows report.
#pragma once

#include <rapidjson/document.h>
#include <stdio.h>

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/time.h"
#include "tests/testkit/http_test_server.h"

namespace mineral::reliability {

struct WebhookDelivery {
  std::string webhook_id;  // the idempotency key (Standard Webhooks `webhook-id`)
  int64_t alert_id = 0;    // alerts[0].id: the sender's alert (and creation order)
  std::string feed;        // alerts[0].items[0].feed
  std::string link;        // alerts[0].items[0].link: the scenarios make it unique per item
  std::chrono::steady_clock::time_point at;
};

// The POST as a delivery; alert_id 0 when the body is not a v1 payload.
inline WebhookDelivery ParseDelivery(const testkit::TestRequest& request) {
  WebhookDelivery d;
  d.webhook_id = request.Header("webhook-id");
  d.at = request.received_at;
  rapidjson::Document doc;
  doc.Parse(request.body.c_str(), request.body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("alerts")) return d;
  const auto& alerts = doc["alerts"];
  if (!alerts.IsArray() || alerts.Empty()) return d;
  const auto& alert = alerts[0];
  if (alert.HasMember("id") && alert["id"].IsInt64()) d.alert_id = alert["id"].GetInt64();
  if (alert.HasMember("items") && alert["items"].IsArray() && !alert["items"].Empty()) {
    const auto& item = alert["items"][0];
    if (item.HasMember("feed") && item["feed"].IsString()) d.feed = item["feed"].GetString();
    if (item.HasMember("link") && item["link"].IsString()) d.link = item["link"].GetString();
  }
  return d;
}

// Tallies of deliveries against the links of the items expected to alert.
struct DeliveryTally {
  long expected = 0;
  long delivered = 0;            // expected links that arrived at least once
  long duplicates = 0;           // POSTs beyond the first of a webhook-id
  long lost = 0;                 // expected links that never arrived
  long unexpected = 0;           // links nobody expected (a baseline item alerted, ...)
  long keys_reused = 0;          // webhook-ids seen with two different links
  long links_with_two_keys = 0;  // one item delivered as two different alerts
};

inline DeliveryTally Tally(const std::vector<WebhookDelivery>& deliveries,
                           const std::set<std::string>& expected_links) {
  DeliveryTally t;
  t.expected = static_cast<long>(expected_links.size());
  std::map<std::string, std::string> link_of_key;
  std::map<std::string, std::set<std::string>> keys_of_link;
  for (const WebhookDelivery& d : deliveries) {
    auto [it, fresh] = link_of_key.emplace(d.webhook_id, d.link);
    if (!fresh) {
      ++t.duplicates;
      if (it->second != d.link) ++t.keys_reused;
    }
    keys_of_link[d.link].insert(d.webhook_id);
  }
  for (const std::string& link : expected_links) {
    if (keys_of_link.contains(link)) {
      ++t.delivered;
    } else {
      ++t.lost;
    }
  }
  for (const auto& [link, keys] : keys_of_link) {
    if (!expected_links.contains(link)) ++t.unexpected;
    if (keys.size() > 1) ++t.links_with_two_keys;
  }
  return t;
}

// The standard output of `MINERAL_BINARY ARGS` (a command that exits by
// itself: popen waits for it); its stderr is dropped.
inline std::string RunCli(const std::string& args) {
  const std::string command = std::string(MINERAL_BINARY) + " " + args + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + command);
  std::string out;
  char buffer[65536];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  pclose(pipe);
  return out;
}

// "2026-11-26T20:14:53Z" (as FormatRfc3339 writes it), or nullopt.
inline std::optional<UtcTime> ParseUtc(const std::string& text) {
  int year, month, day, hour, minute, second;
  if (sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ", &year, &month, &day, &hour, &minute,
             &second) != 6)
    return std::nullopt;
  const int64_t days =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return UtcTime(std::chrono::seconds(days * 86400 + hour * 3600 + minute * 60 + second));
}

}  // namespace mineral::reliability
