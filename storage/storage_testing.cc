#include "storage/storage_testing.h"

#include <array>
#include <cstdint>
#include <string_view>

namespace mineral::storage::testing {
namespace {

constexpr std::array<std::string_view, 32> kWords = {
    "china",    "gallium",  "tariff",  "review",   "cobalt",  "market",   "ministry", "quota",
    "shipment", "lithium",  "notice",  "producer", "smelter", "licence",  "price",    "exporter",
    "congo",    "refinery", "council", "decision", "nickel",  "mine",     "permit",   "supply",
    "graphite", "investor", "port",    "customs",  "annual",  "forecast", "europe",   "antimony"};

uint64_t Next(uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string Words(uint64_t& state, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i) out += ' ';
    // A vocabulary of 256 words, as unrelated headlines share few words.
    const uint64_t w = Next(state) % 256;
    out += w < kWords.size() ? std::string(kWords[w]) : "w" + std::to_string(w);
  }
  return out;
}

bool Contains(std::string_view text, std::string_view word) {
  return text.find(word) != std::string_view::npos;
}

}  // namespace

std::vector<FeedSpec> StreamFeeds() {
  std::vector<FeedSpec> feeds;
  for (int f = 0; f < kStreamFeeds; ++f) {
    FeedSpec spec;
    spec.id = "feed-" + std::to_string(f);
    spec.url = "https://example.org/" + spec.id + ".xml";
    feeds.push_back(spec);
  }
  return feeds;
}

UtcTime StreamTime(int round) {
  return UtcTime{std::chrono::seconds{1'700'000'000 + int64_t{round} * 600}};
}

std::vector<Item> StreamItems(int round, int feed) {
  std::vector<Item> items;
  const int first = round * (kStreamItemsPerPoll / 2);
  for (int k = first; k < first + kStreamItemsPerPoll; ++k) {
    // The story (title, text) depends on k only: feeds reprint each other.
    uint64_t state = static_cast<uint64_t>(k) * 7919 + 1;
    Item item;
    item.key = "f" + std::to_string(feed) + "-" + std::to_string(k);
    item.guid = item.key;
    item.title = "story " + std::to_string(k) + " " + Words(state, 8);
    item.link = "https://example.org/" + std::to_string(feed) + "/" + std::to_string(k);
    item.summary_text = Words(state, 24);
    if (k % 4 == 0) item.summary_text += " export controls";
    item.published = StreamTime(k / (kStreamItemsPerPoll / 2));
    item.language = "en";
    item.categories = {"news"};
    item.source_feed = "feed-" + std::to_string(feed);
    if (k == first && round % 3 == 2) {
      item.summary_text += " correction issued";
      if (k % 2 == 0) item.summary_text += " export controls";
    }
    items.push_back(std::move(item));
  }
  return items;
}

std::vector<AlertCandidate> StreamMatcher(const Item& item) {
  std::vector<AlertCandidate> out;
  AlertCandidate metal;
  for (std::string_view w : {"gallium", "cobalt", "lithium", "antimony"}) {
    if (Contains(item.title, w)) metal.evidence.push_back({std::string(w), "title", 0, w.size()});
  }
  if (!metal.evidence.empty()) {
    metal.rule_id = "metal";
    metal.severity = "warning";
    metal.receivers = {"hook-a", "mail-b"};
    out.push_back(metal);
  }
  if (Contains(item.summary_text, "export controls")) {
    AlertCandidate policy;
    policy.rule_id = "policy";
    policy.severity = "critical";
    policy.receivers = {"hook-a", "mail-b"};
    policy.amendments = true;
    policy.evidence.push_back({"export controls", "summary", 0, 15});
    if (Contains(item.summary_text, "correction")) {
      policy.evidence.push_back({"correction", "summary", 0, 10});
    }
    out.push_back(policy);
  }
  return out;
}

}  // namespace mineral::storage::testing
