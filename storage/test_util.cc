#include "storage/test_util.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "storage/dedupe.h"
#include "storage/storage_testing.h"

namespace mineral::storage::testing {

TempDir::TempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/mineral-storage-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::vector<std::string> CheckStreamInvariants(const std::string& db_path) {
  std::vector<std::string> problems;
  SQLite::Database db(db_path, SQLite::OPEN_READWRITE);
  auto problem = [&](std::string p) { problems.push_back(std::move(p)); };

  // Items: exactly those of the recorded rounds, with their latest content.
  std::map<std::string, int> polls;
  {
    SQLite::Statement s(db, "SELECT config_id, polls FROM feeds");
    while (s.executeStep()) polls[s.getColumn(0).getString()] = s.getColumn(1).getInt();
  }
  std::map<std::pair<std::string, std::string>, Item> expected;  // (feed, key) -> item
  std::map<std::pair<std::string, std::string>, int> first_round;
  for (int f = 0; f < kStreamFeeds; ++f) {
    const std::string feed = "feed-" + std::to_string(f);
    for (int r = 0; r < polls[feed]; ++r) {
      for (Item& item : StreamItems(r, f)) {
        first_round.emplace(std::make_pair(feed, item.key), r);
        expected[{feed, item.key}] = std::move(item);
      }
    }
  }
  std::map<int64_t, std::pair<std::string, std::string>> item_ids;
  {
    SQLite::Statement s(db,
                        "SELECT i.id, f.config_id, i.key, i.content_hash FROM items i "
                        "JOIN feeds f ON f.id = i.feed");
    while (s.executeStep()) {
      const auto id = std::make_pair(s.getColumn(1).getString(), s.getColumn(2).getString());
      item_ids[s.getColumn(0).getInt64()] = id;
      const auto it = expected.find(id);
      if (it == expected.end()) {
        problem("unexpected item " + id.first + "/" + id.second);
      } else if (static_cast<uint64_t>(s.getColumn(3).getInt64()) != ContentHash(it->second)) {
        problem("stale content for " + id.first + "/" + id.second);
      }
    }
  }
  if (item_ids.size() != expected.size()) {
    problem("items: " + std::to_string(item_ids.size()) + " stored, " +
            std::to_string(expected.size()) + " expected");
  }

  // Matches, and an alert (or a join) for every match after the baseline.
  SQLite::Statement matches(db, "SELECT rule_id FROM item_matches WHERE item = ?");
  SQLite::Statement alerted(db,
                            "SELECT count(*) FROM alerts a WHERE a.rule_id = ?1 AND (a.item = ?2 "
                            "OR EXISTS (SELECT 1 FROM alert_sources s WHERE s.alert = a.id AND "
                            "s.item = ?2))");
  for (const auto& [id, key] : item_ids) {
    const auto it = expected.find(key);
    if (it == expected.end()) continue;
    std::set<std::string> want;
    for (const AlertCandidate& c : StreamMatcher(it->second)) want.insert(c.rule_id);
    std::set<std::string> got;
    matches.reset();
    matches.bind(1, id);
    while (matches.executeStep()) got.insert(matches.getColumn(0).getString());
    if (got != want) problem("matches of " + key.first + "/" + key.second + " differ");
    if (first_round[key] == 0) continue;  // baseline: recorded, not alerted
    for (const std::string& rule : want) {
      alerted.reset();
      alerted.bind(1, rule);
      alerted.bind(2, id);
      alerted.executeStep();
      if (alerted.getColumn(0).getInt() == 0) {
        problem("no alert for " + key.first + "/" + key.second + " rule " + rule);
      }
    }
  }

  // Alerts: each with its own source and one outbox row per receiver.
  {
    SQLite::Statement s(db,
                        "SELECT a.id, (SELECT count(*) FROM alert_sources s WHERE s.alert = a.id "
                        "AND s.item = a.item), (SELECT count(*) FROM outbox o WHERE o.alert = "
                        "a.id) FROM alerts a");
    while (s.executeStep()) {
      const std::string id = std::to_string(s.getColumn(0).getInt64());
      if (s.getColumn(1).getInt() != 1) problem("alert " + id + " lacks its first source");
      if (s.getColumn(2).getInt() != 2) problem("alert " + id + " has a lost outbox row");
    }
  }
  if (db.execAndGet("SELECT count(*) FROM outbox WHERE state = 'in-flight'").getInt() != 0) {
    problem("outbox rows left in flight");
  }
  if (db.execAndGet("SELECT count(*) FROM (SELECT rule_id, item, revision FROM alerts GROUP BY "
                    "1, 2, 3 HAVING count(*) > 1)")
          .getInt() != 0) {
    problem("an alert exists twice");
  }
  return problems;
}

std::string DumpStream(const std::string& db_path) {
  SQLite::Database db(db_path, SQLite::OPEN_READWRITE);
  std::vector<std::string> lines;
  auto collect = [&](const char* prefix, const char* sql) {
    SQLite::Statement s(db, sql);
    while (s.executeStep()) {
      std::string line = prefix;
      for (int c = 0; c < s.getColumnCount(); ++c) line += " " + s.getColumn(c).getString();
      lines.push_back(std::move(line));
    }
  };
  collect("feed", "SELECT config_id, polls, baseline_done FROM feeds");
  collect("item",
          "SELECT f.config_id, i.key, i.content_hash, i.revisions FROM items i "
          "JOIN feeds f ON f.id = i.feed");
  collect("match",
          "SELECT f.config_id, i.key, m.rule_id, m.terms FROM item_matches m "
          "JOIN items i ON i.id = m.item JOIN feeds f ON f.id = i.feed");
  collect("alert",
          "SELECT a.rule_id, a.kind, a.revision, f.config_id, i.key FROM alerts a "
          "JOIN items i ON i.id = a.item JOIN feeds f ON f.id = i.feed");
  collect("source",
          "SELECT a.rule_id, fa.config_id, ia.key, f.config_id, i.key FROM alert_sources s "
          "JOIN alerts a ON a.id = s.alert JOIN items ia ON ia.id = a.item "
          "JOIN feeds fa ON fa.id = ia.feed JOIN items i ON i.id = s.item "
          "JOIN feeds f ON f.id = i.feed");
  collect("outbox", "SELECT idempotency_key, receiver FROM outbox");
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

}  // namespace mineral::storage::testing
