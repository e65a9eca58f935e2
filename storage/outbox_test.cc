// The outbox verbs the delivery loop uses: claim, delivered, retry, dead,
// the deliveries log, and recovery of rows a crash left in flight.
#include <catch2/catch.hpp>
#include <map>

#include "storage/database.h"
#include "storage/test_util.h"

namespace mineral::storage {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using testing::TempDir;

const UtcTime kT0{std::chrono::seconds{1'750'000'000}};

std::vector<AlertCandidate> AlwaysMatch(const Item&) {
  AlertCandidate c;
  c.rule_id = "any";
  c.severity = "info";
  c.labels = {"test"};
  c.receivers = {"hook", "mail", "hook"};  // a repeated receiver is queued once
  c.evidence = {{"gallium", "title", 0, 7}};
  return {c};
}

// A database whose feed "f" recorded `items` at kT0, matched by AlwaysMatch.
std::unique_ptr<Database> OpenWithItems(const std::string& path, const std::vector<Item>& items) {
  auto opened = Database::Open(path, DatabaseOptions{});
  REQUIRE(opened.ok());
  std::unique_ptr<Database> db = std::move(opened).value();
  FeedSpec spec;
  spec.id = "f";
  spec.url = "https://f.example/feed";
  spec.alert_backlog = true;
  REQUIRE(db->SyncFeeds({spec}).ok());
  FeedState state;
  state.feed_id = "f";
  auto counts = db->RecordFetch(state, items, kT0, AlwaysMatch);
  REQUIRE(counts.ok());
  REQUIRE(counts->outbox_rows == 2 * static_cast<int>(items.size()));
  return db;
}

std::unique_ptr<Database> OpenWithOneAlert(const std::string& path) {
  Item item;
  item.key = "i1";
  item.title = "Gallium notice";
  item.link = "https://f.example/i1";
  item.summary_text = "gallium";
  return OpenWithItems(path, {item});
}

TEST_CASE("Claimed rows carry what rendering needs and leave the pending set") {
  TempDir dir;
  auto db = OpenWithOneAlert(dir.File("state.db"));
  auto claimed = db->ClaimDueOutbox(kT0, 10);
  REQUIRE(claimed.ok());
  REQUIRE(claimed->size() == 2);
  const OutboxEntry& e = (*claimed)[0];
  CHECK(e.receiver == "hook");
  CHECK(e.idempotency_key.size() == 16);
  CHECK(e.idempotency_key != (*claimed)[1].idempotency_key);
  CHECK(e.attempts == 0);
  CHECK(e.alert.rule_id == "any");
  CHECK(e.alert.kind == "new");
  CHECK(e.alert.severity == "info");
  CHECK(e.alert.labels == std::vector<std::string>{"test"});
  REQUIRE(e.alert.evidence.size() == 1);
  CHECK(e.alert.evidence[0].term == "gallium");
  CHECK(e.alert.evidence[0].length == 7);
  REQUIRE(e.alert.sources.size() == 1);
  CHECK(e.alert.sources[0].item.link == "https://f.example/i1");
  CHECK(db->ClaimDueOutbox(kT0, 10)->empty());
}

TEST_CASE("Retry waits for its time, dead is final, delivered is done") {
  TempDir dir;
  auto db = OpenWithOneAlert(dir.File("state.db"));
  auto claimed = db->ClaimDueOutbox(kT0, 10);
  REQUIRE(claimed->size() == 2);
  const int64_t hook = (*claimed)[0].id;
  const int64_t mail = (*claimed)[1].id;

  REQUIRE(db->MarkRetry(hook, kT0 + minutes(5), "HTTP 503").ok());
  REQUIRE(db->MarkDead(mail, kT0, "550 mailbox unavailable").ok());
  CHECK(db->ClaimDueOutbox(kT0 + minutes(4), 10)->empty());
  auto again = db->ClaimDueOutbox(kT0 + minutes(5), 10);
  REQUIRE(again->size() == 1);
  CHECK((*again)[0].id == hook);
  CHECK((*again)[0].attempts == 1);
  REQUIRE(db->MarkDelivered(hook, kT0 + minutes(5)).ok());

  // Marking a row that is not in flight is a caller error, and says so.
  const Status twice = db->MarkDelivered(hook, kT0 + minutes(6));
  CHECK(twice.code() == Status::Code::kNotFound);
  CHECK(twice.message() == "outbox row " + std::to_string(hook) + " is not in flight");

  auto alerts = db->ListAlerts(kT0, "");
  REQUIRE(alerts->size() == 1);
  const std::vector<OutboxStatus>& d = (*alerts)[0].deliveries;
  REQUIRE(d.size() == 2);
  CHECK(d[0].receiver == "hook");
  CHECK(d[0].state == OutboxState::kDelivered);
  CHECK(d[0].attempts == 2);
  CHECK(d[1].receiver == "mail");
  CHECK(d[1].state == OutboxState::kDead);
  CHECK(d[1].last_error == "550 mailbox unavailable");
}

TEST_CASE("Rows in flight at a crash are pending again after reopening") {
  TempDir dir;
  const std::string path = dir.File("state.db");
  std::vector<int64_t> ids;
  {
    auto db = OpenWithOneAlert(path);
    auto claimed = db->ClaimDueOutbox(kT0, 10);
    REQUIRE(claimed->size() == 2);
    for (const OutboxEntry& e : *claimed) ids.push_back(e.id);
    // No outcome recorded: the process "dies" here.
  }
  auto reopened = Database::Open(path, DatabaseOptions{});
  REQUIRE(reopened.ok());
  auto claimed = (*reopened)->ClaimDueOutbox(kT0, 10);
  REQUIRE(claimed.ok());
  REQUIRE(claimed->size() == 2);
  CHECK((*claimed)[0].id == ids[0]);
  CHECK((*claimed)[1].id == ids[1]);
}

TEST_CASE("The deliveries log keeps every attempt for the alert's history") {
  TempDir dir;
  auto db = OpenWithOneAlert(dir.File("state.db"));
  auto claimed = db->ClaimDueOutbox(kT0, 1);
  REQUIRE(claimed->size() == 1);
  const int64_t id = (*claimed)[0].id;
  REQUIRE(
      db->RecordDeliveryAttempt({id, kT0, "retry", std::chrono::milliseconds(3000), 0, "timeout"})
          .ok());
  REQUIRE(db->MarkRetry(id, kT0 + minutes(1), "timeout").ok());
  REQUIRE(db->ClaimDueOutbox(kT0 + minutes(1), 10)->size() == 2);  // hook again, and mail
  REQUIRE(db->RecordDeliveryAttempt(
                {id, kT0 + minutes(1), "delivered", std::chrono::milliseconds(90), 204, ""})
              .ok());
  REQUIRE(db->MarkDelivered(id, kT0 + minutes(1)).ok());

  auto alerts = db->ListAlerts(kT0, "");
  REQUIRE(alerts.ok());
  auto trail = db->AlertHistory((*alerts)[0].id);
  REQUIRE(trail.ok());
  std::vector<std::string> lines;
  for (const HistoryEvent& h : *trail) lines.push_back(h.event + " " + h.detail);
  const std::string alert = "alert=" + std::to_string((*alerts)[0].id);
  CHECK(lines ==
        std::vector<std::string>{
            "alerted " + alert + " rule=any kind=new severity=info",
            "queued " + alert + " receiver=hook",
            // Same second as the queueing: kept in per-receiver order.
            "attempt " + alert + " receiver=hook status=retry code=0 latency_ms=3000 error=timeout",
            "queued " + alert + " receiver=mail",
            "attempt " + alert + " receiver=hook status=delivered code=204 latency_ms=90",
            "delivered " + alert + " receiver=hook",
        });
}

}  // namespace
}  // namespace mineral::storage

namespace mineral::storage {
namespace {

TEST_CASE("ClaimDueOutboxFor claims one receiver's rows and leaves the others untouched") {
  TempDir dir;
  auto db = OpenWithOneAlert(dir.File("state.db"));
  auto hook = db->ClaimDueOutboxFor("hook", kT0, 10, false);
  REQUIRE(hook.ok());
  REQUIRE(hook->size() == 1);
  CHECK((*hook)[0].receiver == "hook");
  CHECK(db->ClaimDueOutboxFor("hook", kT0, 10, false)->empty());
  CHECK(db->ClaimDueOutboxFor("nobody", kT0, 10, false)->empty());
  auto mail = db->ClaimDueOutboxFor("mail", kT0, 10, false);
  REQUIRE(mail->size() == 1);
  CHECK((*mail)[0].attempts == 0);
  // The alert is "info": none of it goes out as critical.
  auto db2 = OpenWithOneAlert(dir.File("other.db"));
  CHECK(db2->ClaimDueOutboxFor("hook", kT0, 10, true)->empty());
  CHECK(db2->ClaimDueOutboxFor("hook", kT0, 10, false)->size() == 1);
}

TEST_CASE("ExpediteOutboxFor makes one receiver's pending rows due now, and no one else's") {
  TempDir dir;
  auto db = OpenWithOneAlert(dir.File("state.db"));
  auto claimed = db->ClaimDueOutbox(kT0, 10);
  REQUIRE(claimed->size() == 2);
  for (const OutboxEntry& e : *claimed)
    REQUIRE(db->MarkRetry(e.id, kT0 + hours(1), "HTTP 503").ok());
  CHECK(db->ClaimDueOutbox(kT0 + minutes(1), 10)->empty());
  auto moved = db->ExpediteOutboxFor("hook", kT0 + minutes(1));
  REQUIRE(moved.ok());
  CHECK(*moved == 1);
  auto hook = db->ClaimDueOutbox(kT0 + minutes(1), 10);
  REQUIRE(hook->size() == 1);
  CHECK((*hook)[0].receiver == "hook");
  CHECK((*hook)[0].attempts == 1);
  // In flight is not pending: left alone.
  CHECK(*db->ExpediteOutboxFor("hook", kT0 + minutes(2)) == 0);
  CHECK(*db->ExpediteOutboxFor("nobody", kT0 + minutes(2)) == 0);
}

TEST_CASE("RequeueDead puts dead letters back, due now, attempts reset") {
  TempDir dir;
  auto db = OpenWithOneAlert(dir.File("state.db"));
  auto claimed = db->ClaimDueOutbox(kT0, 10);
  REQUIRE(claimed->size() == 2);
  REQUIRE(db->MarkDead((*claimed)[0].id, kT0, "HTTP 500").ok());
  REQUIRE(db->MarkDead((*claimed)[1].id, kT0, "HTTP 500").ok());
  CHECK(db->RequeueDead(12345, kT0).status().code() == Status::Code::kNotFound);
  auto one = db->RequeueDead((*claimed)[0].id, kT0 + minutes(1));
  REQUIRE(one.ok());
  CHECK(*one == 1);
  auto again = db->ClaimDueOutbox(kT0 + minutes(1), 10);
  REQUIRE(again->size() == 1);
  CHECK((*again)[0].id == (*claimed)[0].id);
  CHECK((*again)[0].attempts == 0);
  CHECK(*db->RequeueDead(std::nullopt, kT0 + minutes(2)) == 1);
  CHECK(*db->RequeueDead(std::nullopt, kT0 + minutes(2)) == 0);
}

TEST_CASE("CompleteAttempts moves a batch of rows and logs each attempt, in one transaction") {
  TempDir dir;
  auto db = OpenWithOneAlert(dir.File("state.db"));
  auto claimed = db->ClaimDueOutbox(kT0, 10);
  REQUIRE(claimed->size() == 2);
  std::vector<Store::CompletedAttempt> batch(3);
  batch[0].attempt = {(*claimed)[0].id, kT0, "delivered", std::chrono::milliseconds(12), 200, ""};
  batch[1].attempt = {(*claimed)[1].id, kT0, "retry", std::chrono::milliseconds(30), 503,
                      "HTTP 503"};
  batch[1].next_attempt = kT0 + minutes(2);
  batch[2].attempt = {(*claimed)[0].id, kT0, "dead", std::chrono::milliseconds(1), 0, "again"};
  auto moved = db->CompleteAttempts(batch);
  REQUIRE(moved.ok());
  CHECK(*moved == 2);  // the third names a row no longer in flight
  auto alerts = db->ListAlerts(UtcTime{}, "");
  REQUIRE(alerts->size() == 1);
  const auto& d = alerts->front().deliveries;
  REQUIRE(d.size() == 2);
  CHECK(d[0].state == OutboxState::kDelivered);
  CHECK(d[0].attempts == 1);
  CHECK(d[1].state == OutboxState::kPending);
  CHECK(d[1].last_error == "HTTP 503");
  CHECK(d[1].next_attempt_at == kT0 + minutes(2));
  CHECK(db->ClaimDueOutbox(kT0 + minutes(2), 10)->size() == 1);
  auto history = db->AlertHistory(alerts->front().id);
  REQUIRE(history.ok());
  int attempts = 0;
  for (const auto& e : *history) attempts += e.event == "attempt";
  CHECK(attempts == 3);
}

TEST_CASE("CompleteAndClaim stores outcomes, gives rows back and claims, in one transaction") {
  TempDir dir;
  auto db = OpenWithOneAlert(dir.File("state.db"));
  auto hook = db->ClaimDueOutboxFor("hook", kT0, 10, false);
  auto mail = db->ClaimDueOutboxFor("mail", kT0, 10, false);
  REQUIRE(hook->size() == 1);
  REQUIRE(mail->size() == 1);
  // "hook" failed and waits an hour; "mail" was claimed ahead, never sent,
  // and goes back: pending, no attempt counted, due as it was.
  std::vector<Store::CompletedAttempt> outcomes(1);
  outcomes[0].attempt = {(*hook)[0].id, kT0,       "retry", std::chrono::milliseconds(5),
                         503,           "HTTP 503"};
  outcomes[0].next_attempt = kT0 + hours(1);
  std::vector<OutboxClaim> claims = {{"mail", 10, false, false}, {"hook", 10, false, false}};
  auto turn = db->CompleteAndClaim(outcomes, {(*mail)[0].id}, claims, kT0 + minutes(1));
  REQUIRE(turn.ok());
  CHECK(turn->moved == 1);
  CHECK(turn->released == 1);
  REQUIRE(turn->claimed.size() == 2);
  // The released row is claimed again in the same turn; hook's is not due.
  REQUIRE(turn->claimed[0].size() == 1);
  CHECK(turn->claimed[0][0].id == (*mail)[0].id);
  CHECK(turn->claimed[0][0].attempts == 0);
  CHECK(turn->claimed[0][0].alert.sources.size() == 1);
  CHECK(turn->claimed[1].empty());

  // The probe after an outage: expedite, then claim, in the same turn.
  turn = db->CompleteAndClaim({}, {(*mail)[0].id}, {{"hook", 1, false, true}}, kT0 + minutes(2));
  REQUIRE(turn.ok());
  CHECK(turn->released == 1);
  REQUIRE(turn->claimed.size() == 1);
  REQUIRE(turn->claimed[0].size() == 1);
  CHECK(turn->claimed[0][0].id == (*hook)[0].id);
  CHECK(turn->claimed[0][0].attempts == 1);
  auto alerts = db->ListAlerts(UtcTime{}, "");
  REQUIRE(alerts->size() == 1);
  for (const OutboxStatus& d : alerts->front().deliveries) {
    INFO(d.receiver);
    CHECK(d.state == (d.receiver == "hook" ? OutboxState::kInFlight : OutboxState::kPending));
  }
  // A row not in flight (mail's is pending) is neither moved nor released.
  outcomes[0].attempt = {(*mail)[0].id, kT0, "delivered", std::chrono::milliseconds(5), 200, ""};
  turn = db->CompleteAndClaim(outcomes, {(*mail)[0].id}, {}, kT0 + minutes(3));
  REQUIRE(turn.ok());
  CHECK(turn->moved == 0);
  CHECK(turn->released == 0);
}

}  // namespace
}  // namespace mineral::storage

namespace mineral::storage {
namespace {

TEST_CASE("ShiftPendingOutbox: after a jump back, retries keep the wait they had left", "[clock]") {
  TempDir dir;
  auto db = OpenWithOneAlert(dir.File("state.db"));
  // hook retries in 5 minutes; mail is delivered (nothing to move).
  int64_t hook = 0;
  auto claimed = db->ClaimDueOutbox(kT0, 10);
  REQUIRE(claimed.ok());
  for (const OutboxEntry& e : *claimed) {
    if (e.receiver == "hook") {
      hook = e.id;
      REQUIRE(db->MarkRetry(e.id, kT0 + minutes(5), "HTTP 503").ok());
    } else {
      REQUIRE(db->MarkDelivered(e.id, kT0).ok());
    }
  }
  // The clock goes back an hour, a minute after the failure: without the
  // shift the retry would wait 64 minutes.
  const UtcTime back = kT0 + minutes(1) - std::chrono::hours(1);
  REQUIRE(db->ClaimDueOutbox(back + minutes(5), 10)->empty());
  auto moved = db->ShiftPendingOutbox(back, -std::chrono::hours(1));
  REQUIRE(moved.ok());
  CHECK(*moved == 1);
  CHECK(db->ClaimDueOutbox(back + minutes(3), 10)->empty());  // 4 minutes were left
  auto due = db->ClaimDueOutbox(back + minutes(4), 10);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  CHECK((*due)[0].id == hook);
  // A row due before the jump stays due; a delivered row has nothing to move.
  REQUIRE(db->MarkRetry(hook, back + minutes(4), "HTTP 503").ok());
  auto again =
      db->ShiftPendingOutbox(back + minutes(4) - std::chrono::hours(1), -std::chrono::hours(1));
  REQUIRE(again.ok());
  CHECK(*again == 1);
  CHECK(db->ClaimDueOutbox(back + minutes(4) - std::chrono::hours(1), 10)->size() == 1);
}

}  // namespace
}  // namespace mineral::storage

namespace mineral::storage {
namespace {

// Items of unrelated stories (no shared title words: none joins another).
std::vector<Item> UnrelatedItems(int n) {
  std::vector<Item> items;
  for (int i = 0; i < n; ++i) {
    Item item;
    item.key = "i" + std::to_string(i);
    for (int w = 0; w < 6; ++w) {
      item.title += std::string(6, static_cast<char>('a' + i)) + std::to_string(w) + " ";
    }
    item.link = "https://f.example/" + std::to_string(i);
    item.summary_text = "gallium";
    items.push_back(item);
  }
  return items;
}

TEST_CASE("A turn of many rows: claimed in due order with their alerts, outcomes stored in order") {
  TempDir dir;
  auto db = OpenWithItems(dir.File("state.db"), UnrelatedItems(20));
  auto claimed = db->ClaimDueOutbox(kT0, 40);
  REQUIRE((claimed.ok() && claimed->size() == 40));
  std::map<int64_t, std::string> link_of_alert;
  for (size_t i = 0; i < claimed->size(); ++i) {
    const OutboxEntry& e = (*claimed)[i];
    if (i > 0) CHECK(e.id > (*claimed)[i - 1].id);  // all due at once: by id
    CHECK(e.alert.id != 0);
    CHECK(e.alert.rule_id == "any");
    CHECK(e.alert.evidence.size() == 1);
    REQUIRE(e.alert.sources.size() == 1);
    // Both receivers' rows of an alert carry the same alert.
    auto [it, fresh] = link_of_alert.emplace(e.alert.id, e.alert.sources[0].item.link);
    if (!fresh) CHECK(it->second == e.alert.sources[0].item.link);
  }
  CHECK(link_of_alert.size() == 20);
  CHECK(db->ClaimDueOutbox(kT0, 40)->empty());

  // Runs of delivered outcomes (at two different times) around a retry and
  // a dead letter, then a delivered outcome for the dead row (too late: it
  // is no longer in flight), then five rows given back: more outcomes than
  // one multi-row INSERT holds.
  const int64_t retry_id = (*claimed)[30].id;
  const int64_t dead_id = (*claimed)[5].id;
  std::vector<Store::CompletedAttempt> outcomes;
  std::vector<int64_t> released;
  for (size_t i = 0; i < claimed->size(); ++i) {
    const int64_t id = (*claimed)[i].id;
    Store::CompletedAttempt c;
    if (i >= 35) {
      released.push_back(id);
      continue;
    }
    if (id == retry_id) {
      c.attempt = {id, kT0, "retry", std::chrono::milliseconds(40), 503, "HTTP 503"};
      c.next_attempt = kT0 + minutes(1);
    } else if (id == dead_id) {
      c.attempt = {id, kT0, "dead", std::chrono::milliseconds(7), 404, "HTTP 404"};
    } else {
      c.attempt = {id,          i < 20 ? kT0 : kT0 + std::chrono::seconds(1),
                   "delivered", std::chrono::milliseconds(10 + static_cast<int>(i)),
                   204,         ""};
    }
    outcomes.push_back(c);
  }
  Store::CompletedAttempt late;
  late.attempt = {dead_id, kT0, "delivered", std::chrono::milliseconds(1), 204, ""};
  outcomes.push_back(late);
  auto turn = db->CompleteAndClaim(outcomes, released, {}, kT0 + std::chrono::seconds(2));
  REQUIRE(turn.ok());
  CHECK(turn->moved == 35);
  CHECK(turn->released == 5);

  auto alerts = db->ListAlerts(UtcTime{}, "");
  REQUIRE(alerts.ok());
  int delivered = 0;
  int pending = 0;
  int attempts_logged = 0;
  for (const AlertRecord& a : *alerts) {
    for (const OutboxStatus& d : a.deliveries) {
      INFO(d.outbox_id);
      if (d.outbox_id == retry_id) {
        CHECK(d.state == OutboxState::kPending);
        CHECK(d.attempts == 1);
        CHECK(d.last_error == "HTTP 503");
        CHECK(d.next_attempt_at == kT0 + minutes(1));
      } else if (d.outbox_id == dead_id) {
        CHECK(d.state == OutboxState::kDead);
        CHECK(d.last_error == "HTTP 404");
      } else if (d.state == OutboxState::kDelivered) {
        CHECK(d.attempts == 1);
        ++delivered;
      } else {
        CHECK(d.state == OutboxState::kPending);  // given back: no attempt counted
        CHECK(d.attempts == 0);
        ++pending;
      }
    }
    auto history = db->AlertHistory(a.id);
    REQUIRE(history.ok());
    for (const HistoryEvent& h : *history) {
      if (h.event != "attempt") continue;
      ++attempts_logged;
      if (h.detail.find("status=retry") != std::string::npos) {
        CHECK(h.detail.find("code=503 latency_ms=40 error=HTTP 503") != std::string::npos);
      }
    }
  }
  CHECK(delivered == 33);
  CHECK(pending == 5);
  CHECK(attempts_logged == 36);  // the late one is logged too, as CompleteAttempts does

  // Claims take the due rows by due time, then id: the retry (due at +1 min,
  // a high id) before the dead letter put back at +2 min (a low id), and
  // both after the rows given back (due at kT0).
  REQUIRE(db->RequeueDead(dead_id, kT0 + minutes(2)).ok());
  auto next = db->ClaimDueOutbox(kT0 + minutes(2), 6);
  REQUIRE(next.ok());
  REQUIRE(next->size() == 6);
  for (size_t i = 0; i < 5; ++i) CHECK((*next)[i].id == released[i]);
  CHECK((*next)[5].id == retry_id);
  CHECK((*next)[5].attempts == 1);
  auto last = db->ClaimDueOutbox(kT0 + minutes(2), 6);
  REQUIRE(last.ok());
  REQUIRE(last->size() == 1);
  CHECK((*last)[0].id == dead_id);
}

}  // namespace
}  // namespace mineral::storage
