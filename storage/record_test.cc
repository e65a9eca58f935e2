// RecordFetch and the queries over what it stored: dedupe by key, baseline,
// amendments, clustering, tombstones and retention.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <stdexcept>

#include "storage/database.h"
#include "storage/test_util.h"

namespace mineral::storage {
namespace {

using std::chrono::hours;
using testing::TempDir;

const UtcTime kT0{std::chrono::seconds{1'750'000'000}};

Item MakeItem(const std::string& key, const std::string& title, const std::string& text) {
  Item item;
  item.key = key;
  item.guid = key;
  item.title = title;
  item.link = "https://example.org/" + key;
  item.summary_text = text;
  item.language = "en";
  item.categories = {"news", "metals"};
  item.published = kT0;
  return item;
}

// Fires "gallium" on items that mention gallium (evidence: each of the
// words gallium/germanium/export found) for receivers hook and mail.
std::vector<AlertCandidate> GalliumMatcher(const Item& item) {
  const std::string text = item.title + " " + item.summary_text;
  if (text.find("gallium") == std::string::npos) return {};
  AlertCandidate c;
  c.rule_id = "gallium";
  c.severity = "critical";
  c.labels = {"gallium"};
  c.receivers = {"hook", "mail"};
  for (const char* term : {"gallium", "germanium", "export"}) {
    if (const size_t at = text.find(term); at != std::string::npos) {
      c.evidence.push_back({term, "summary", at, std::string(term).size()});
    }
  }
  return {c};
}

class Fixture {
 public:
  Fixture() : path_(dir_.File("state.db")) {
    auto db = Database::Open(path_, DatabaseOptions{});
    REQUIRE(db.ok());
    db_ = std::move(db).value();
    FeedSpec a;
    a.id = "a";
    a.url = "https://a.example/feed";
    FeedSpec b;
    b.id = "b";
    b.url = "https://b.example/feed";
    FeedSpec backlog;
    backlog.id = "backlog";
    backlog.url = "https://c.example/feed";
    backlog.alert_backlog = true;
    REQUIRE(db_->SyncFeeds({a, b, backlog}).ok());
  }

  RecordCounts Record(const std::string& feed, const std::vector<Item>& items, UtcTime now,
                      const Matcher& matcher = GalliumMatcher) {
    FeedState state;
    state.feed_id = feed;
    state.url = "https://" + feed + ".example/feed";
    state.last_attempt = now;
    auto counts = db_->RecordFetch(state, items, now, matcher);
    INFO(counts.status().ToString());
    REQUIRE(counts.ok());
    return *counts;
  }

  // Makes `feed`'s baseline poll with an unrelated item, so later polls alert.
  void Baseline(const std::string& feed, UtcTime now = kT0) {
    Record(feed, {MakeItem(feed + "-old", "Old news", "nothing to see")}, now);
  }

  int64_t Count(const std::string& sql) {
    SQLite::Database raw(path_, SQLite::OPEN_READONLY);
    return raw.execAndGet(sql).getInt64();
  }

  Database& db() { return *db_; }
  const std::string& path() const { return path_; }

 private:
  TempDir dir_;
  std::string path_;
  std::unique_ptr<Database> db_;
};

TEST_CASE("The first poll is a baseline: recorded and matched, not alerted") {
  Fixture fx;
  const std::vector<Item> backlog = {
      MakeItem("1", "China curbs gallium exports", "export controls on gallium"),
      MakeItem("2", "Germanium prices", "gallium and germanium prices jump"),
      MakeItem("3", "Pork tariffs", "tariffs on pork")};
  RecordCounts first = fx.Record("a", backlog, kT0);
  CHECK(first.baseline);
  CHECK(first.new_items == 3);
  CHECK(first.matches == 2);
  CHECK(first.alerts == 0);
  CHECK(first.outbox_rows == 0);
  auto states = fx.db().LoadFeedStates();
  REQUIRE(states.ok());
  CHECK((*states)[0].baseline_done);

  // The next poll alerts on what is new, and only on that.
  std::vector<Item> next = backlog;
  next.push_back(MakeItem("4", "Gallium shipments halted", "zero gallium exports in August"));
  RecordCounts second = fx.Record("a", next, kT0 + hours(1));
  CHECK_FALSE(second.baseline);
  CHECK(second.new_items == 1);
  CHECK(second.unchanged_items == 3);
  CHECK(second.alerts == 1);
  CHECK(second.outbox_rows == 2);
}

TEST_CASE("A feed with alert_backlog alerts on its first poll") {
  Fixture fx;
  RecordCounts first =
      fx.Record("backlog", {MakeItem("1", "Gallium controls", "gallium export licence")}, kT0);
  CHECK(first.baseline);
  CHECK(first.alerts == 1);
  CHECK(first.outbox_rows == 2);
}

TEST_CASE("Items are deduplicated by key within their feed") {
  Fixture fx;
  fx.Baseline("a");
  fx.Baseline("b");
  const Item item = MakeItem("k1", "Gallium curbs", "gallium export controls");
  CHECK(fx.Record("a", {item}, kT0 + hours(1)).alerts == 1);
  RecordCounts again = fx.Record("a", {item, item}, kT0 + hours(2));
  CHECK(again.new_items == 0);
  CHECK(again.unchanged_items == 2);
  CHECK(again.alerts == 0);
  CHECK(again.outbox_rows == 0);
  CHECK(fx.Count("SELECT count(*) FROM items WHERE key = 'k1'") == 1);
  // The same key in another feed is another item (it joins the story below).
  RecordCounts other = fx.Record("b", {item}, kT0 + hours(2));
  CHECK(other.new_items == 1);
  CHECK(fx.Count("SELECT count(*) FROM items WHERE key = 'k1'") == 2);
}

// RecordFetch inserts first until a poll's first known key (feeds list new
// items first), then looks up first: new items before, between and after
// known ones, an amended one and a repeat are each recorded once, as they are.
TEST_CASE("A poll records new items before, between and after known ones") {
  Fixture fx;
  fx.Baseline("a");
  const Item k1 = MakeItem("k1", "Gallium curbs", "gallium export controls");
  const Item k2 = MakeItem("k2", "Copper prices", "copper market");
  CHECK(fx.Record("a", {k1, k2}, kT0 + hours(1)).new_items == 2);
  Item k2_amended = k2;
  k2_amended.summary_text = "copper market, corrected";
  const Item n1 = MakeItem("n1", "Germanium quota", "germanium and gallium quota");
  const Item n2 = MakeItem("n2", "Lithium price", "lithium");
  const Item n3 = MakeItem("n3", "Cobalt ban", "cobalt");
  const RecordCounts c = fx.Record("a", {n1, k1, n2, k2_amended, n3, n1}, kT0 + hours(2));
  CHECK(c.new_items == 3);
  CHECK(c.unchanged_items == 2);  // k1, and n1 again
  CHECK(c.amended_items == 1);
  CHECK(c.alerts == 1);  // n1
  CHECK(fx.Count("SELECT count(*) FROM items") == 6);
  CHECK(fx.Count("SELECT revisions FROM items WHERE key = 'k2'") == 2);
  CHECK(fx.Count("SELECT count(*) FROM alerts") == 2);  // k1's and n1's
}

TEST_CASE("Amended items alert only when the verdict or terms change, or the rule asks") {
  Fixture fx;
  fx.Baseline("a");
  Item item = MakeItem("n1", "Gallium notice", "gallium export controls from August");
  CHECK(fx.Record("a", {item}, kT0 + hours(1)).alerts == 1);

  SECTION("a correction with the same terms updates silently") {
    item.summary_text = "gallium export controls from 1 August";
    RecordCounts c = fx.Record("a", {item}, kT0 + hours(2));
    CHECK(c.amended_items == 1);
    CHECK(c.alerts == 0);
    auto stored = fx.db().FindItem("a", "n1");
    REQUIRE(stored.ok());
    CHECK(stored->item.summary_text == "gallium export controls from 1 August");
    CHECK(stored->revisions == 2);
  }
  SECTION("changed matched terms raise an amended alert") {
    item.summary_text = "gallium and germanium export controls from August";
    RecordCounts c = fx.Record("a", {item}, kT0 + hours(2));
    CHECK(c.amended_items == 1);
    CHECK(c.alerts == 1);
    CHECK(c.outbox_rows == 2);
    auto alerts = fx.db().ListAlerts(kT0, "");
    REQUIRE(alerts.ok());
    REQUIRE(alerts->size() == 2);
    CHECK((*alerts)[0].kind == "amended");
    CHECK((*alerts)[1].kind == "new");
    // Flipping back to the first text does not alert on that revision again.
    item.summary_text = "gallium export controls from August";
    CHECK(fx.Record("a", {item}, kT0 + hours(3)).alerts == 0);
  }
  SECTION("a rule that asks for amendments gets every one") {
    auto matcher = [](const Item& i) {
      std::vector<AlertCandidate> out = GalliumMatcher(i);
      for (AlertCandidate& c : out) c.amendments = true;
      return out;
    };
    item.summary_text = "gallium export controls from 1 August";
    RecordCounts c = fx.Record("a", {item}, kT0 + hours(2), matcher);
    CHECK(c.alerts == 1);
  }
  SECTION("a rule that stops matching tells the previous alert's receivers") {
    // Routed to other receivers now: the withdrawal goes to those who were
    // told the item matched.
    auto matcher = [](const Item& i) {
      std::vector<AlertCandidate> out = GalliumMatcher(i);
      for (AlertCandidate& c : out) c.receivers = {"pager"};
      return out;
    };
    item.title = "Metals notice";
    item.summary_text = "export controls on germanium from August";
    RecordCounts c = fx.Record("a", {item}, kT0 + hours(2), matcher);
    CHECK(c.amended_items == 1);
    CHECK(c.matches == 0);
    CHECK(c.alerts == 1);
    CHECK(c.outbox_rows == 2);
    auto alerts = fx.db().ListAlerts(kT0, "");
    REQUIRE(alerts.ok());
    REQUIRE(alerts->size() == 2);
    const AlertRecord& withdrawn = (*alerts)[0];
    CHECK(withdrawn.kind == "amended");
    CHECK_FALSE(withdrawn.matches);
    CHECK((*alerts)[1].matches);
    CHECK(withdrawn.rule_id == "gallium");
    CHECK(withdrawn.severity == "critical");
    CHECK(withdrawn.labels == std::vector<std::string>{"gallium"});
    CHECK(withdrawn.evidence.empty());
    REQUIRE(withdrawn.sources.size() == 1);
    CHECK(withdrawn.sources[0].item.title == "Metals notice");
    REQUIRE(withdrawn.deliveries.size() == 2);
    CHECK(withdrawn.deliveries[0].receiver == "hook");
    CHECK(withdrawn.deliveries[1].receiver == "mail");
    auto trail = fx.db().AlertHistory(withdrawn.id);
    REQUIRE(trail.ok());
    CHECK(trail->front().detail == "alert=" + std::to_string(withdrawn.id) +
                                       " rule=gallium kind=amended severity=critical matches=no");

    // Another correction that still does not match: nothing more to say.
    item.summary_text = "export controls on germanium from 1 August";
    RecordCounts again = fx.Record("a", {item}, kT0 + hours(3), matcher);
    CHECK(again.amended_items == 1);
    CHECK(again.alerts == 0);
    // Matching again is a changed verdict too, for the rule's receivers now.
    item.summary_text = "export controls on gallium and germanium";
    RecordCounts back = fx.Record("a", {item}, kT0 + hours(4), matcher);
    CHECK(back.alerts == 1);
    CHECK(back.outbox_rows == 1);
  }
  SECTION("a match that never alerted is dropped silently when it stops") {
    Item quiet = MakeItem("q1", "Gallium backlog", "gallium notes");
    fx.Record("b", {quiet}, kT0 + hours(2));  // b's baseline: matched, not alerted
    quiet.summary_text = "notes";
    quiet.title = "Backlog";
    RecordCounts c = fx.Record("b", {quiet}, kT0 + hours(3));
    CHECK(c.amended_items == 1);
    CHECK(c.alerts == 0);
  }
  SECTION("a rule that newly fires on the corrected text alerts") {
    Item plain = MakeItem("n2", "Metals notice", "controls on some metals");
    CHECK(fx.Record("a", {plain}, kT0 + hours(2)).matches == 0);
    plain.summary_text = "controls on gallium";
    RecordCounts c = fx.Record("a", {plain}, kT0 + hours(3));
    CHECK(c.amended_items == 1);
    CHECK(c.alerts == 1);
  }
}

TEST_CASE("Reprints join the first alert's story; other stories do not") {
  Fixture fx;
  fx.Baseline("a");
  fx.Baseline("b");
  const Item original = MakeItem(
      "r1", "China suspends ban on gallium, germanium, antimony exports to US",
      "China suspended its ban on exports of gallium, germanium and antimony to the United "
      "States, the commerce ministry said on Sunday.");
  REQUIRE(fx.Record("a", {original}, kT0 + hours(1)).alerts == 1);

  Item reprint = original;
  reprint.key = "other-outlet-77";
  reprint.title = "UPDATE 2-China suspends ban on gallium, germanium, antimony exports to US";
  RecordCounts joined = fx.Record("b", {reprint}, kT0 + hours(2));
  CHECK(joined.new_items == 1);
  CHECK(joined.alerts == 0);
  CHECK(joined.clustered == 1);
  CHECK(joined.outbox_rows == 0);

  const Item different = MakeItem(
      "r2", "China adds gallium to export control list for semiconductors",
      "A separate list of gallium compounds for chip makers now needs a licence, the ministry "
      "said, in a move unrelated to the US suspension.");
  CHECK(fx.Record("b", {different}, kT0 + hours(3)).alerts == 1);

  // Past the window a near-duplicate is news again.
  Item late = original;
  late.key = "r1-late";
  CHECK(fx.Record("b", {late}, kT0 + hours(24 * 4)).alerts == 1);

  auto alerts = fx.db().ListAlerts(kT0, "gallium");
  REQUIRE(alerts.ok());
  REQUIRE(alerts->size() == 3);
  const AlertRecord& story = alerts->back();  // oldest last
  REQUIRE(story.sources.size() == 2);
  CHECK(story.sources[0].feed_id == "a");
  CHECK(story.sources[0].item.key == "r1");
  CHECK(story.sources[1].feed_id == "b");
  CHECK(story.sources[1].item.key == "other-outlet-77");
  REQUIRE(story.deliveries.size() == 2);
  CHECK(story.deliveries[0].receiver == "hook");
  CHECK(story.deliveries[0].state == OutboxState::kPending);
  CHECK(fx.db().ListAlerts(kT0, "other-rule")->empty());

  // A claim loads the story's sources as receivers render them (a lighter
  // query than ListAlerts'), first source first, then in joining order.
  auto claimed = fx.db().ClaimDueOutboxFor("hook", kT0 + hours(24 * 4), 10, false);
  REQUIRE(claimed.ok());
  const OutboxEntry* entry = nullptr;
  for (const OutboxEntry& e : *claimed) {
    if (e.alert.id == story.id) entry = &e;
  }
  REQUIRE(entry != nullptr);
  CHECK(entry->alert.rule_id == "gallium");
  CHECK(entry->alert.severity == "critical");
  CHECK(entry->alert.labels == story.labels);
  CHECK(entry->alert.evidence.size() == story.evidence.size());
  CHECK(entry->alert.created_at == story.created_at);
  REQUIRE(entry->alert.sources.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    const StoredItem& got = entry->alert.sources[i];
    const StoredItem& want = story.sources[i];
    CHECK(got.id == want.id);
    CHECK(got.feed_id == want.feed_id);
    CHECK(got.item.source_feed == want.feed_id);
    CHECK(got.item.title == want.item.title);
    CHECK(got.item.link == want.item.link);
    CHECK(got.item.summary_text == want.item.summary_text);
    CHECK(got.item.language == "en");
    CHECK(got.item.published == kT0);
  }
}

TEST_CASE("One document number joins translations; different numbers stay apart") {
  Fixture fx;
  fx.Baseline("a");
  fx.Baseline("b");
  const Item en = MakeItem(
      "en-18", "MOFCOM and GAC Announcement No. 18 of 2025 on Export Control of Rare Earth Items",
      "Samarium, gadolinium, terbium and gallium-doped targets are placed under export control.");
  const Item zh = MakeItem(
      "zh-18", "商务部 海关总署公告2025年第18号 公布对部分中重稀土相关物项实施出口管制的决定",
      "决定对钐、钆、铽等中重稀土相关物项 gallium 实施出口管制。");
  Item zh57 = zh;
  zh57.key = "zh-57";
  zh57.title = "商务部 海关总署公告2025年第57号 公布对部分中重稀土相关物项实施出口管制的决定";
  CHECK(fx.Record("a", {en}, kT0 + hours(1)).alerts == 1);
  RecordCounts c = fx.Record("b", {zh, zh57}, kT0 + hours(20 * 24));
  CHECK(c.clustered == 1);
  CHECK(c.alerts == 1);
  auto alerts = fx.db().ListAlerts(kT0, "");
  REQUIRE(alerts.ok());
  REQUIRE(alerts->size() == 2);
  CHECK(alerts->back().doc_number == "mofcom:2025-18");
  CHECK(alerts->back().sources.size() == 2);
  CHECK(alerts->front().doc_number == "mofcom:2025-57");
}

TEST_CASE("Pruned items leave tombstones and never alert again") {
  Fixture fx;
  fx.Baseline("a");
  const Item item = MakeItem("t1", "Gallium controls", "gallium export controls");
  REQUIRE(fx.Record("a", {item}, kT0 + hours(1)).alerts == 1);
  PruneOptions options;
  options.max_age = hours(24 * 30);
  options.tombstone_max_age = hours(24 * 60);

  SECTION("an alert still being delivered keeps its items") {
    auto pruned = fx.db().Prune(kT0 + hours(24 * 40), options);
    REQUIRE(pruned.ok());
    CHECK(pruned->alerts == 0);
    CHECK(pruned->items == 1);  // the baseline item only
    CHECK(fx.db().FindItem("a", "t1").ok());
  }
  SECTION("once delivered, alert and items go; the key stays dead") {
    auto claimed = fx.db().ClaimDueOutbox(kT0 + hours(1), 10);
    REQUIRE(claimed.ok());
    REQUIRE(claimed->size() == 2);
    for (const OutboxEntry& e : *claimed) REQUIRE(fx.db().MarkDelivered(e.id, kT0 + hours(1)).ok());

    auto pruned = fx.db().Prune(kT0 + hours(24 * 40), options);
    REQUIRE(pruned.ok());
    CHECK(pruned->alerts == 1);
    CHECK(pruned->items == 2);
    CHECK(pruned->tombstones_added == 2);
    CHECK(fx.db().FindItem("a", "t1").status().code() == Status::Code::kNotFound);
    CHECK(fx.Count("SELECT count(*) FROM outbox") == 0);
    CHECK(fx.Count("SELECT count(*) FROM item_matches") == 0);
    // Story keys have no foreign key to cascade: Prune deletes them itself.
    CHECK(fx.Count("SELECT count(*) FROM alert_keys") == 0);

    // The feed still carries the item: it is not new, and does not alert.
    RecordCounts again = fx.Record("a", {item}, kT0 + hours(24 * 41));
    CHECK(again.tombstoned_items == 1);
    CHECK(again.new_items == 0);
    CHECK(again.alerts == 0);

    // Tombstones go once their key has left the feed for tombstone_max_age.
    pruned = fx.db().Prune(kT0 + hours(24 * 41 + 24 * 61), options);
    REQUIRE(pruned.ok());
    CHECK(pruned->tombstones_dropped == 2);
  }
}

TEST_CASE("Under constant load with pruning, the database stays bounded") {
  Fixture fx;
  fx.Baseline("a");
  PruneOptions options;
  options.max_age = hours(24 * 5);
  options.tombstone_max_age = hours(24 * 10);
  int64_t items_high = 0;
  int64_t pages_at_day_20 = 0;
  for (int day = 1; day <= 40; ++day) {
    const UtcTime now = kT0 + hours(24 * day);
    std::vector<Item> items;
    for (int i = 0; i < 20; ++i) {
      const std::string key = std::to_string(day) + "-" + std::to_string(i);
      items.push_back(MakeItem(key, "Story " + key + " about gallium",
                               "gallium text " + key + " " + std::string(400, 'x')));
    }
    fx.Record("a", items, now);
    auto claimed = fx.db().ClaimDueOutbox(now, 1000);
    REQUIRE(claimed.ok());
    for (const OutboxEntry& e : *claimed) REQUIRE(fx.db().MarkDelivered(e.id, now).ok());
    REQUIRE(fx.db().Prune(now, options).ok());
    items_high = std::max(items_high, fx.Count("SELECT count(*) FROM items"));
    if (day == 20) pages_at_day_20 = fx.Count("PRAGMA page_count");
  }
  CHECK(items_high <= 20 * 6);
  CHECK(fx.Count("SELECT count(*) FROM tombstones") <= 20 * 11);
  // Freed pages are reused: the file does not keep growing.
  CHECK(fx.Count("PRAGMA page_count") <= pages_at_day_20 + 8);
}

TEST_CASE("History trails and backtest reads") {
  Fixture fx;
  fx.Baseline("a");
  const Item item = MakeItem("h1", "Gallium controls", "gallium export controls");
  REQUIRE(fx.Record("a", {item}, kT0 + hours(1)).alerts == 1);
  auto claimed = fx.db().ClaimDueOutbox(kT0 + hours(2), 1);
  REQUIRE(claimed.ok());
  REQUIRE(claimed->size() == 1);
  const OutboxEntry& e = (*claimed)[0];
  REQUIRE(fx.db()
              .RecordDeliveryAttempt(
                  {e.id, kT0 + hours(2), "delivered", std::chrono::milliseconds(85), 200, ""})
              .ok());
  REQUIRE(fx.db().MarkDelivered(e.id, kT0 + hours(2)).ok());

  auto stored = fx.db().FindItem("a", "h1");
  REQUIRE(stored.ok());
  CHECK(stored->item.title == "Gallium controls");
  CHECK(stored->item.categories == std::vector<std::string>{"news", "metals"});
  CHECK(stored->item.published == kT0);
  CHECK(stored->item.source_feed == "a");

  auto trail = fx.db().ItemHistory(stored->id);
  REQUIRE(trail.ok());
  std::vector<std::string> events;
  for (const HistoryEvent& h : *trail) events.push_back(h.event);
  CHECK(events == std::vector<std::string>{"fetched", "matched", "alerted", "queued", "queued",
                                           "attempt", "delivered"});
  CHECK((*trail)[1].detail == "rule=gallium terms=export,gallium");
  CHECK((*trail)[5].detail.find("status=delivered code=200 latency_ms=85") != std::string::npos);
  CHECK(fx.db().ItemHistory(9999).status().code() == Status::Code::kNotFound);
  CHECK(fx.db().AlertHistory(9999).status().code() == Status::Code::kNotFound);

  std::vector<std::string> keys;
  REQUIRE(fx.db()
              .ForEachItemSince(kT0 + hours(1),
                                [&](const StoredItem& s) { keys.push_back(s.item.key); })
              .ok());
  CHECK(keys == std::vector<std::string>{"h1"});
}

TEST_CASE("A failed record stores nothing and reports why") {
  Fixture fx;
  fx.Baseline("a");
  auto throwing = [](const Item& item) -> std::vector<AlertCandidate> {
    if (item.key == "boom") throw std::runtime_error("matcher failed");
    return GalliumMatcher(item);
  };
  FeedState state;
  state.feed_id = "a";
  state.polls = 7;
  auto counts = fx.db().RecordFetch(
      state, {MakeItem("ok", "Gallium", "gallium"), MakeItem("boom", "x", "y")}, kT0, throwing);
  REQUIRE_FALSE(counts.ok());
  CHECK(counts.status().message() == "record fetch: matcher failed");
  CHECK_FALSE(fx.db().FindItem("a", "ok").ok());
  CHECK(fx.db().LoadFeedStates()->at(0).polls == 0);

  state.feed_id = "nope";
  CHECK(fx.db().RecordFetch(state, {}, kT0, GalliumMatcher).status().code() ==
        Status::Code::kNotFound);
}

}  // namespace
}  // namespace mineral::storage
