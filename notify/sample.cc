#include "notify/sample.h"

#include <chrono>

namespace mineral::notify {
namespace {

UtcTime At(int64_t unix_seconds) { return UtcTime(std::chrono::seconds(unix_seconds)); }

}  // namespace

Alert SampleAlert(const std::string& receiver) {
  Alert a;
  a.id = 4217;
  a.idempotency_key = receiver.empty() ? "7f3c2a9e41d05b68" : "test-" + receiver;
  a.rule_id = "china-gallium-export-controls";
  a.severity = "critical";
  a.labels = {"export-controls", "cn"};
  a.doc_number = "mofcom:2025-46";
  a.created_at = At(1764158400);  // 2025-11-26T12:00:00Z
  a.items.push_back({
      .feed = "google-news",
      .title = "China tightens gallium & germanium export licences \xE2\x80\x93 MOFCOM",
      .link = "https://example.com/news/china-gallium?id=1&src=rss",
      .origin = "Reuters",
      .published = At(1764155700),
      .language = "en",
      .summary = "Beijing's commerce ministry said exporters of gallium <and> germanium must "
                 "obtain a licence; @everyone in the industry expects delays.",
  });
  a.items.push_back({
      .feed = "mofcom",
      .title = "\xE5\x95\x86\xE5\x8A\xA1\xE9\x83\xA8\xE5\x85\xAC\xE5\x91\x8A"
               "2025\xE5\xB9\xB4\xE7\xAC\xAC"
               "46\xE5\x8F\xB7",
      .link = "https://example.gov.cn/article/46.html",
      .origin = "",
      .published = At(1764151200),
      .language = "zh",
      .summary = "",
  });
  // Offsets into the first item's title and summary.
  a.evidence = {{"mineral:gallium", "title", 15, 7},
                {"export licence", "title", 35, 15},
                {"mineral:gallium", "summary", 46, 7},
                {"licence", "summary", 84, 7}};
  return a;
}

Message SampleGroupMessage(const std::string& receiver) {
  Alert second;
  second.id = 4218;
  second.idempotency_key = "0b1d5e7a9c3f2468";
  second.rule_id = "drc-cobalt-quota";
  second.severity = "warning";
  second.labels = {"cd", "quota"};
  second.amended = true;
  second.created_at = UtcTime(std::chrono::seconds(1764162000));
  second.items.push_back({.feed = "mining-com",
                          .title = "DRC replaces cobalt export ban with quotas",
                          .link = "https://example.com/drc-cobalt",
                          .origin = "",
                          .published = UtcTime(std::chrono::seconds(1764160000)),
                          .language = "en",
                          .summary = "Quotas start in the new year."});
  second.evidence = {{"mineral:cobalt", "title", 17, 6}, {"quota", "title", 36, 6}};
  return GroupMessage(receiver, {SampleAlert(), second});
}

}  // namespace mineral::notify
