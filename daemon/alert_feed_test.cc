// The alert feeds must be feeds our own parser (and so any reader) accepts.
#include "daemon/alert_feed.h"

#include <catch2/catch.hpp>

#include "feeds/parser.h"

namespace mineral::daemon {
namespace {

storage::AlertRecord Sample() {
  storage::AlertRecord a;
  a.id = 7;
  a.rule_id = "gallium-export";
  a.kind = "new";
  a.severity = "critical";
  a.labels = {"compliance"};
  a.evidence = {{"mineral:gallium", "title", 10, 7}};
  a.created_at = UtcTime(std::chrono::seconds(1'790'000'000));
  storage::StoredItem first;
  first.feed_id = "wire";
  first.item.title = "China bans gallium & germanium exports <update>";
  first.item.link = "https://example.org/a?x=1&y=2";
  storage::StoredItem second;
  second.feed_id = "reuters";
  second.item.title = "China bans exports of gallium";
  a.sources = {first, second};
  return a;
}

TEST_CASE("alerts as JSON Feed and Atom parse back as the same entries", "[alert-feed]") {
  for (bool atom : {false, true}) {
    CAPTURE(atom);
    std::string doc = atom ? RenderAlertsAtom({Sample()}, "http://127.0.0.1:9187/alerts.atom",
                                              UtcTime(std::chrono::seconds(1'790'000'100)))
                           : RenderAlertsJsonFeed({Sample()}, "http://127.0.0.1:9187/alerts.json");
    auto parsed = feeds::Parse(doc, {});
    REQUIRE(parsed.ok());
    CHECK(parsed->error.empty());
    REQUIRE(parsed->items.size() == 1);
    const Item& item = parsed->items[0];
    CHECK(item.title ==
          "[critical] gallium-export: China bans gallium & germanium exports <update>");
    CHECK(item.link == "https://example.org/a?x=1&y=2");
    CHECK(item.published.value_or(item.updated.value_or(UtcTime{})) ==
          UtcTime(std::chrono::seconds(1'790'000'000)));
    CHECK_THAT(item.summary_text + item.content_text,
               Catch::Contains("Matched mineral:gallium in title.") &&
                   Catch::Contains("reuters: China bans exports of gallium"));
  }
}

}  // namespace
}  // namespace mineral::daemon
