#include "storage/dedupe.h"

#include <catch2/catch.hpp>

namespace mineral::storage {
namespace {

TEST_CASE("DocumentNumber finds each official numbering, normalized") {
  struct Case {
    const char* title;
    const char* link;
    const char* text;
    const char* want;
  };
  const Case cases[] = {
      // MOFCOM, Chinese and English renderings of one number (dev set hx-0121, hx-0120).
      {"商务部 海关总署公告2025年第18号 公布对部分中重稀土相关物项实施出口管制的决定", "", "",
       "mofcom:2025-18"},
      {"MOFCOM and GAC Announcement No. 18 of 2025 on the Decision to Implement Export Control", "",
       "", "mofcom:2025-18"},
      {"商务部公告2024年第46号", "", "", "mofcom:2024-46"},
      {"Ministry of Commerce Announcement [2024] No. 046", "", "", "mofcom:2024-46"},
      // The notice's own number comes first; the one it suspends does not count (hx-0198).
      {"商务部公告2025年第72号 关于暂停实施商务部公告2024年第46号第二款的公告", "", "",
       "mofcom:2025-72"},
      // A number in the title without MOFCOM context is someone else's numbering.
      {"税委会公告2025年第2号", "", "", ""},
      // ...but the text may give the context.
      {"China tightens controls", "", "The commerce ministry's Announcement No. 46 of 2024 says",
       "mofcom:2024-46"},
      // Federal Register: link, title, or "FR Doc." in the text.
      {"Draft 2025 List of Critical Minerals",
       "https://www.federalregister.gov/documents/2025/08/26/2025-16299/draft-2025-list", "",
       "fr:2025-16299"},
      {"Section 232 comments", "https://example.org/a", "[FR Doc. 2025-07273 Filed 4-24-25]",
       "fr:2025-07273"},
      // A bare number in running text, or a docket number's tail, is not one.
      {"Comments", "https://example.org/a", "Docket BIS-2025-00123; see 2024-12345 above", ""},
      // SEC accession numbers, dashed or in an EDGAR path.
      {"8-K - MP Materials Corp.",
       "https://www.sec.gov/Archives/edgar/data/1801368/0001193125-25-157201-index.htm", "",
       "sec:0001193125-25-157201"},
      {"8-K", "https://www.sec.gov/Archives/edgar/data/1801368/000119312525157201/d8k.htm", "",
       "sec:0001193125-25-157201"},
      // ASX document ids from the announcement links.
      {"Trading Halt",
       "https://www.asx.com.au/asx/statistics/displayAnnouncement.do?display=pdf&idsId=02781234",
       "", "asx:02781234"},
      {"Quarterly", "https://www.asx.com.au/asxpdf/20240312/pdf/05Xyz123.pdf", "", "asx:05xyz123"},
      {"Indonesia's nickel ore export ban takes effect", "https://example.org/items/hx-0003",
       "Indonesia's ban on all grades of nickel ore exports took effect.", ""},
  };
  for (const Case& c : cases) {
    INFO(c.title << " | " << c.link << " | " << c.text);
    CHECK(DocumentNumber(c.title, c.link, c.text) == c.want);
  }
}

TEST_CASE("StoryWords folds ASCII case and splits CJK into characters") {
  CHECK(StoryWords("China's GALLIUM, ｅｘｐｏｒｔ") ==
        std::vector<std::string>{"china", "s", "gallium", "export"});
  CHECK(StoryWords("刚果（金）宣布暂停钴出口") ==
        std::vector<std::string>{"刚", "果", "金", "宣", "布", "暂", "停", "钴", "出", "口"});
  CHECK(StoryWords("Société Générale 2025年") ==
        std::vector<std::string>{"société", "générale", "2025", "年"});
  CHECK(StoryWords("").empty());
}

StoryText Story(const char* title, const char* text, const char* doc = "") {
  return {doc, title, text};
}

// Reprints: the same story as another outlet or a later wire update carries it.
TEST_CASE("SameStory folds reprints") {
  const ClusterOptions options;
  // hx-0105 and a wire update of it with the excerpt cut differently.
  CHECK(SameStory(
      Story("Congo suspends cobalt exports for four months to curb oversupply",
            "The Democratic Republic of Congo suspended cobalt exports for four months to curb "
            "oversupply that has driven prices to nine-year lows, the regulator ARECOMS said."),
      Story("UPDATE 1-Congo suspends cobalt exports for four months to curb oversupply",
            "The Democratic Republic of Congo suspended cobalt exports for four months to curb "
            "oversupply that has driven prices to nine-year lows."),
      options));
  // hx-0182 reworded by a second outlet (one word changed, a clause added).
  CHECK(SameStory(
      Story("Trump threatens extra 100% tariff on China over rare earth curbs",
            "President Trump said he would impose an additional 100% tariff on imports from "
            "China from November 1 in response to Beijing's expanded rare earth export controls."),
      Story("Trump threatens additional 100% tariff on China over rare earth curbs",
            "President Trump said he would impose an additional 100% tariff on imports from "
            "China from November 1 in response to Beijing's expanded rare earth export controls, "
            "sending markets lower."),
      options));
  // hx-0107 in Chinese, reposted by a portal with a source tag.
  CHECK(SameStory(Story("刚果（金）宣布暂停钴出口四个月",
                        "刚果（金）战略矿产市场监管局宣布暂停钴出口四个月，以应对供应过剩。"),
                  Story("刚果（金）宣布暂停钴出口四个月｜财经快讯",
                        "刚果（金）战略矿产市场监管局宣布暂停钴出口四个月，以应对供应过剩。"),
                  options));
  // One MOFCOM announcement in two languages (hx-0120, hx-0121): only the number says so.
  CHECK(SameStory(
      Story("MOFCOM and GAC Announcement No. 18 of 2025", "Samarium, gadolinium", "mofcom:2025-18"),
      Story("商务部 海关总署公告2025年第18号", "决定对钐、钆", "mofcom:2025-18"), options));
}

// Near misses: different stories on the same topic stay apart.
TEST_CASE("SameStory keeps different stories on one topic apart") {
  const ClusterOptions options;
  // hx-0121 and hx-0177: the same headline template, announcements 18 and 57.
  CHECK_FALSE(SameStory(
      Story("商务部 海关总署公告2025年第18号 公布对部分中重稀土相关物项实施出口管制的决定",
            "决定对钐、钆、铽、镝、镥、钪、钇等7类中重稀土相关物项实施出口管制。",
            "mofcom:2025-18"),
      Story("商务部 海关总署公告2025年第57号 公布对部分中重稀土相关物项实施出口管制的决定",
            "将钬、铒、铥、铕、镱5种中重稀土的金属、合金、氧化物、靶材及化合物纳入出口管制。",
            "mofcom:2025-57"),
      options));
  // hx-0113 and hx-0130: two Section 232 comment requests, copper vs processed minerals.
  CHECK_FALSE(SameStory(
      Story("Notice of Request for Public Comments on Section 232 National Security "
            "Investigation of Imports of Copper",
            "BIS requests comments on an investigation into whether imports of copper, including "
            "ores, concentrates, refined copper, alloys, scrap and derivative products, threaten "
            "national security."),
      Story("Notice of Request for Public Comments on Section 232 National Security "
            "Investigation of Imports of Processed Critical Minerals and Derivative Products",
            "On April 22, 2025, the Secretary of Commerce initiated a Section 232 investigation "
            "into imports of processed critical minerals and their derivative products. BIS "
            "invites written comments by May 16, 2025."),
      options));
  // hx-0105 and hx-0166: Congo cobalt export ban, then its replacement by quotas.
  CHECK_FALSE(SameStory(
      Story("Congo suspends cobalt exports for four months to curb oversupply",
            "The Democratic Republic of Congo suspended cobalt exports for four months to curb "
            "oversupply that has driven prices to nine-year lows."),
      Story("Congo to replace cobalt export ban with quotas from October 16",
            "Congo will replace its cobalt export ban with annual export quotas from October 16, "
            "the strategic minerals regulator said."),
      options));
  // hx-0179 and hx-0180: two announcements of one day, same issuer, no numbers given.
  CHECK_FALSE(
      SameStory(Story("商务部公告 公布对境外相关稀土物项实施出口管制的决定",
                      "境外组织和个人出口在境外制造、含有原产于中国的稀土永磁材料须获得许可。"),
                Story("商务部公告 公布对稀土相关技术实施出口管制的决定",
                      "稀土开采、冶炼分离、金属冶炼、磁材制造相关技术未经许可不得出口。"),
                options));
  // Short boilerplate titles from two issuers (hx-0159 and another halt).
  CHECK_FALSE(SameStory(Story("Trading Halt", ""), Story("Trading Halt", ""), options));
  CHECK_FALSE(
      SameStory(Story("Trading Halt",
                      "Kestrel Rare Metals requests a trading halt pending drilling results."),
                Story("Trading Halt",
                      "Quoll Critical Metals requests a trading halt pending a capital raising."),
                options));
}

TEST_CASE("TitleKeys find similar titles and rarely dissimilar ones") {
  auto shares_key = [](const char* a, const char* b) {
    const std::vector<uint64_t> ka = TitleKeys(a);
    const std::vector<uint64_t> kb = TitleKeys(b);
    for (size_t i = 0; i < ka.size(); ++i) {
      if (ka[i] == kb[i]) return true;
    }
    return false;
  };
  CHECK(TitleKeys("").empty());
  CHECK(TitleKeys("one title") == TitleKeys("One  TITLE"));
  CHECK(shares_key("Congo suspends cobalt exports for four months to curb oversupply",
                   "UPDATE 1-Congo suspends cobalt exports for four months to curb oversupply"));
  CHECK_FALSE(shares_key("Congo suspends cobalt exports for four months to curb oversupply",
                         "Gallium Software Inc. names new chief executive"));
}

TEST_CASE("ContentHash changes with the text, not with times") {
  Item a;
  a.key = "k";
  a.title = "Title";
  a.summary_text = "Text";
  Item b = a;
  b.published = UtcTime{std::chrono::seconds{1}};
  b.updated = UtcTime{std::chrono::seconds{2}};
  CHECK(ContentHash(a) == ContentHash(b));
  b.summary_text = "Text, corrected";
  CHECK(ContentHash(a) != ContentHash(b));
  // Field boundaries count: moving text between fields is a change.
  Item c = a;
  c.title = "TitleText";
  c.summary_text = "";
  CHECK(ContentHash(a) != ContentHash(c));
}

}  // namespace
}  // namespace mineral::storage
