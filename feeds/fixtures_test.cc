// Every RSS/Atom payload of the real sources (examples/feeds/, copied from
// the shared fixtures) parses into the items its publisher meant.  The JSON
// APIs are covered in json_mapping_test.cc.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "feeds/parser.h"

namespace mineral::feeds {
namespace {

std::string ReadExample(const std::string& name) {
  const std::string path = std::string(MINERAL_SOURCE_DIR) + "/examples/feeds/" + name;
  std::ifstream in(path, std::ios::binary);
  INFO(path);
  REQUIRE(in);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

ParsedFeed ParseExample(const std::string& name, const std::string& fetch_url = "") {
  ParseOptions options;
  options.fetch_url = fetch_url;
  options.source_feed = name;
  Result<ParsedFeed> r = Parse(ReadExample(name), options);
  INFO(name << ": " << r.status().ToString());
  REQUIRE(r.ok());
  CHECK(r->error.empty());
  return std::move(r).value();
}

std::string Time(const std::optional<UtcTime>& t) { return t ? FormatRfc3339(*t) : "(none)"; }

struct Expected {
  const char* key;
  const char* title;
  const char* link;
  const char* published;  // "(none)" when the feed gives none
};

void CheckItems(const ParsedFeed& f, const std::vector<Expected>& want) {
  REQUIRE(f.items.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("item " << i);
    CHECK(f.items[i].key == want[i].key);
    CHECK(f.items[i].title == want[i].title);
    CHECK(f.items[i].link == want[i].link);
    CHECK(Time(f.items[i].published ? f.items[i].published : f.items[i].updated) ==
          want[i].published);
  }
}

TEST_CASE("Fixture: Federal Register RSS (dc:creator, double-escaped abstracts)") {
  const ParsedFeed f = ParseExample("federal-register-documents.rss");
  CHECK(f.feed.title == "Federal Register Documents from Industry and Security Bureau");
  REQUIRE(f.items.size() == 3);
  const Item& first = f.items[0];
  CHECK(first.title ==
        "Expansion of End-User Controls To Cover Affiliates of Certain Listed Entities");
  CHECK(first.authors ==
        std::vector<std::string>{"Commerce Department, Industry and Security Bureau"});
  for (const Item& item : f.items) {
    INFO(item.title);
    // Abstracts are HTML-escaped before XML escaping: no entity survives.
    CHECK(item.summary_text.find("&#39;") == std::string::npos);
    CHECK(item.summary_text.find("&amp;") == std::string::npos);
    CHECK(item.key == item.link);  // the guid is the html_url
  }
}

TEST_CASE("Fixture: news wire RSS (CDATA, +0800, missing pubDate, republished guid)") {
  const ParsedFeed f = ParseExample("news-generic.rss");
  CheckItems(
      f,
      {
          {"EXW-2025-02-22-COBALT-01",
           "Congo suspends cobalt exports for four months to curb oversupply",
           "https://news.example.com/markets/commodities/congo-suspends-cobalt-exports-2025-02-22/",
           "2025-02-22T18:02:00Z"},
          {"EXW-2025-02-21-SB-W-02", "Antimony & tungsten prices hit records as China curbs bite",
           "https://news.example.com/markets/commodities/antimony-tungsten-prices-records/",
           "2025-02-21T01:15:00Z"},
          {"EXW-2025-06-12-RECALL-03",
           "Lithium battery recall: 1 million power banks pulled over fire risk",
           "https://news.example.com/business/retail/power-bank-recall/", "(none)"},
      });
  // The republished story keeps its first place with the update's text.
  CHECK_THAT(f.items[0].summary_text, Catch::StartsWith("UPDATE 1: adds analyst comment."));
  CHECK(f.items[1].summary_text.find("Beijing\u2019s export controls") != std::string::npos);
  CHECK(f.items[0].source_feed == "news-generic.rss");
  CHECK(f.items[0].language == "en");
}

TEST_CASE("Fixture: Mining.com WordPress RSS (content:encoded, dc:creator, categories)") {
  const ParsedFeed f = ParseExample("mining-com-feed.rss");
  REQUIRE(f.items.size() == 3);
  const Item& cobalt = f.items[0];
  CHECK(cobalt.key == "https://www.mining.com/?p=1191234");
  CHECK(cobalt.title == "Congo to replace cobalt export ban with quotas from October 16");
  CHECK(
      cobalt.link ==
      "https://www.mining.com/web/congo-to-replace-cobalt-export-ban-with-quotas-from-october-16/");
  CHECK(Time(cobalt.published) == "2025-09-21T16:42:10Z");
  CHECK(cobalt.authors == std::vector<std::string>{"Reuters"});
  CHECK_FALSE(cobalt.categories.empty());
  CHECK(f.feed.ttl_minutes == 60);  // sy:updatePeriod hourly
  for (const Item& item : f.items) {
    INFO(item.title);
    CHECK(item.summary_text.find("appeared first on") == std::string::npos);
    CHECK_FALSE(item.summary_text.empty());
  }
}

TEST_CASE("Fixture: Google News RSS (redirect links, HTML descriptions)") {
  const ParsedFeed f = ParseExample("google-news-search.rss");
  REQUIRE(f.items.size() == 3);
  // The credited publisher (<source>) is cut from headline and excerpt.
  CHECK(f.items[0].title == "China suspends ban on gallium, germanium, antimony exports to US");
  CHECK(f.items[0].origin == "Reuters");
  CHECK(f.items[0].summary_text ==
        "China suspends ban on gallium, germanium, antimony exports to US");
  CHECK(f.items[0].key == "CBMiswFBVV95cUxNQ2hpbmFTdXNwZW5kc0dhbGxpdW0");
  CHECK(Time(f.items[0].published) == "2025-11-09T05:41:00Z");
  CHECK(f.items[1].title == "Gallium Software Inc. names new chief executive");
  CHECK(f.items[1].origin == "PR Newswire");
  for (const Item& item : f.items) CHECK(item.summary_text.find('<') == std::string::npos);
}

TEST_CASE("Fixture: USGS and DISR Drupal RSS (non-URL guids, numeric entities)") {
  const ParsedFeed usgs = ParseExample("usgs-news.rss");
  REQUIRE(usgs.items.size() == 3);
  CHECK(usgs.items[0].key == "378211 at https://www.usgs.gov");
  CHECK(usgs.items[0].title == "USGS Publishes 2025 Critical Minerals List");
  CHECK(Time(usgs.items[0].published) == "2025-11-06T20:30:00Z");

  const ParsedFeed disr = ParseExample("disr-media-releases.rss");
  REQUIRE(disr.items.size() == 3);
  CHECK(disr.items[1].title == "Additional support for Iluka\u2019s Eneabba rare earths refinery");
  CHECK(Time(disr.items[0].published) == "2025-04-23T20:00:00Z");
}

TEST_CASE("Fixture: EUR-Lex RSS (CET offsets)") {
  const ParsedFeed f = ParseExample("eurlex-oj-l.rss");
  REQUIRE(f.items.size() == 3);
  CHECK(f.items[0].key == "CELEX:32024R1252");
  CHECK_THAT(f.items[0].title, Catch::StartsWith("Regulation (EU) 2024/1252"));
  CHECK(Time(f.items[2].published) == "2025-03-24T23:00:00Z");
}

TEST_CASE("Fixture: GOV.UK Atom (updated only, html summaries)") {
  const ParsedFeed f = ParseExample("govuk-search-news-and-communications.atom");
  CHECK(f.feed.format == FeedFormat::kAtom);
  REQUIRE(f.items.size() == 3);
  CHECK(
      f.items[1].key ==
      "tag:www.gov.uk,2005:/government/news/export-control-joint-unit-notice-to-exporters-2025-14");
  CHECK(f.items[1].title == "Notice to exporters 2025/14: open general export licence updates");
  CHECK_FALSE(f.items[1].published.has_value());  // GOV.UK gives no <published>
  CHECK(f.items[1].updated.has_value());
}

TEST_CASE("Fixture: SEC EDGAR company Atom (ISO-8859-1, local offsets)") {
  const ParsedFeed f = ParseExample("sec-edgar-getcompany-8k.atom");
  CHECK(f.feed.title == "MP Materials Corp. / DE (0001801368)");
  REQUIRE(f.items.size() >= 3);
  CHECK(f.items[0].key == "urn:tag:sec.gov,2008:accession-number=0001801368-25-000031");
  CHECK(f.items[0].title == "8-K - Current report");
  CHECK(Time(f.items[0].updated) == "2025-07-15T11:01:33Z");
  CHECK_THAT(f.items[0].summary_text, Catch::Contains("AccNo: 0001801368-25-000031"));
}

TEST_CASE("Fixture: SEC EDGAR current filings Atom (relative feed link, one accession twice)") {
  const ParsedFeed f =
      ParseExample("sec-edgar-getcurrent-8k.atom",
                   "https://www.sec.gov/cgi-bin/browse-edgar?action=getcurrent&type=8-K");
  CHECK(f.feed.link == "https://www.sec.gov/cgi-bin/browse-edgar?action=getcurrent");
  std::vector<std::string> keys;
  for (const Item& item : f.items) keys.push_back(item.key);
  std::sort(keys.begin(), keys.end());
  CHECK(std::adjacent_find(keys.begin(), keys.end()) == keys.end());  // no key twice
  CHECK(f.items[0].title == "8-K - UNITED STATES ANTIMONY CORP (0000101538) (Filer)");
}

TEST_CASE("Fixture: MOFCOM HTML list pages are refused with a clear error") {
  for (const char* name :
       {"mofcom-zcfb-announcement-list.html", "mofcom-en-announcements-list.html"}) {
    INFO(name);
    const Result<ParsedFeed> r = Parse(ReadExample(name), {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == "not a feed: the document is an HTML page");
  }
}

}  // namespace
}  // namespace mineral::feeds
