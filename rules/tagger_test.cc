#include "rules/tagger.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <thread>

namespace mineral::rules {
namespace {

using Ids = std::vector<std::string>;

const Tagger& Shared(bool capitals = false) {
  static const auto make = [](bool c) {
    Result<Vocabulary> v = LoadBuiltinVocabulary();
    REQUIRE(v.ok());
    TaggerOptions options;
    options.capital_metonyms = c;
    auto t = Tagger::Compile(*v, options);
    INFO(t.status().message());
    REQUIRE(t.ok());
    return *t;
  };
  static const std::shared_ptr<const Tagger> plain = make(false);
  static const std::shared_ptr<const Tagger> with_capitals = make(true);
  return capitals ? *with_capitals : *plain;
}

Item MakeItem(std::string title, std::string body = "") {
  Item item;
  item.key = "k";
  item.title = std::move(title);
  item.summary_text = std::move(body);
  return item;
}

Tags TagOf(const std::string& title, const std::string& body = "", bool capitals = false) {
  const Tagger& t = Shared(capitals);
  const Item item = MakeItem(title, body);
  return t.Tag(item, t.FindHits(item));
}

// The concept ids hit in the title, in order.
Ids HitIds(const std::string& title, Category category) {
  const Tagger& t = Shared();
  Ids ids;
  for (const Hit& h : t.FindHits(MakeItem(title))) {
    const Concept& c = t.vocabulary().concepts[h.concept_index];
    if (c.category == category) ids.push_back(c.id);
  }
  return ids;
}

// The bytes of `title` each hit covers, in order.
Ids HitTexts(const std::string& title, const std::vector<Hit>& hits) {
  Ids texts;
  for (const Hit& h : hits) texts.push_back(title.substr(h.offset, h.length));
  return texts;
}

// A Tagger over the built-in vocabulary plus `user_toml`.
std::shared_ptr<const Tagger> WithUserTerms(const std::string& user_toml) {
  Result<Vocabulary> v = LoadBuiltinVocabulary();
  REQUIRE(v.ok());
  const Status parsed = ParseVocabularyToml(user_toml, "user.toml", *v);
  INFO(parsed.message());
  REQUIRE(parsed.ok());
  auto t = Tagger::Compile(*v);
  INFO(t.status().message());
  REQUIRE(t.ok());
  return *t;
}

bool Contains(const Ids& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

TEST_CASE("field names") {
  CHECK(std::string(FieldName(Field::kTitle)) == "title");
  CHECK(std::string(FieldName(Field::kSummary)) == "summary");
  CHECK(std::string(FieldName(Field::kContent)) == "content");
  CHECK(std::string(FieldName(Field::kCategories)) == "categories");
}

TEST_CASE("normalization keeps a map back to the original bytes") {
  NormalizedText n;
  NormalizeWithOffsets("Ｒare  EARTHS\u00a0– Straße", CaseFold::kAll, n);
  CHECK(n.text == "rare earths - strasse");
  CHECK(n.Begin(0) == 0);
  CHECK(n.End(0) == 3);  // fullwidth R is three bytes
  CHECK(n.Begin(1) == 3);
  CHECK(n.End(1) == 4);
  // The two spaces are one, mapped to both.
  CHECK(n.text[4] == ' ');
  CHECK(n.Begin(4) == 6);
  CHECK(n.End(4) == 8);
  CHECK(n.Begin(5) == 8);
  // "ß" (two bytes) became "ss": both bytes map to it.
  const size_t ss = n.text.size() - 3;
  const uint32_t sharp_s = static_cast<uint32_t>(std::string("Ｒare  EARTHS\u00a0– Stra").size());
  CHECK(n.Begin(ss) == sharp_s);
  CHECK(n.End(ss) == sharp_s + 2);
  CHECK(n.Begin(ss + 1) == sharp_s);
  CHECK(n.End(ss + 1) == sharp_s + 2);
  CHECK(n.NormOffset(0) == 0);
  CHECK(n.NormOffset(1) == 1);  // inside the fullwidth R: the next character
  CHECK(n.NormOffset(3) == 1);
  CHECK(n.NormOffset(7) == 5);                            // the second space: the word after
  CHECK(n.NormOffset(sharp_s + 1) == n.text.size() - 1);  // inside the "ß": the "e"
  CHECK(n.End(n.text.size() - 1) == sharp_s + 3);
  CHECK(n.NormOffset(1000) == n.text.size());
  NormalizedText keep;
  NormalizeWithOffsets("ＧａＮ US", CaseFold::kKeep, keep);
  CHECK(keep.text == "GaN US");
  // The scan's form: ASCII letters keep their case, and so do characters
  // whose NFKC form is ASCII; every other character is folded.
  NormalizedText scan;
  NormalizeWithOffsets("Ｒare  EARTHS\u00a0– Straße ＧａＮ ÉTAIN", CaseFold::kNonAscii, scan);
  CHECK(scan.text == "Rare EARTHS - Strasse GaN éTAIN");
  CHECK(scan.Begin(1) == 3);
}

TEST_CASE("whole words for Latin script") {
  CHECK(HitIds("Martin tinkers with tinsel and tint", Category::kMineral).empty());
  CHECK(HitIds("Tin prices rise", Category::kMineral) == Ids{"tin"});
  CHECK(HitIds("usage of the bus", Category::kCountry).empty());
  CHECK(HitIds("let us go", Category::kCountry).empty());  // "US" is case-sensitive
  CHECK(HitIds("US tariffs", Category::kCountry) == Ids{"us"});
  CHECK(HitIds("U.S. tariffs", Category::kCountry) == Ids{"us"});
  CHECK(HitIds("USGS report", Category::kCountry) == Ids{"us"});  // as USGS, not US
  CHECK(HitIds("Chile's lithium", Category::kCountry) == Ids{"cl"});
}

TEST_CASE("plural, hyphen and space variants") {
  CHECK(HitIds("rare-earth magnets", Category::kMineral) == Ids{"rare-earths"});
  CHECK(HitIds("Rare Earths", Category::kMineral) == Ids{"rare-earths"});
  CHECK(HitIds("rare earth elements", Category::kMineral) == Ids{"rare-earths"});
  CHECK(HitIds("REEs and REE", Category::kMineral) == Ids{"rare-earths", "rare-earths"});
  CHECK(HitIds("critical-mineral imports", Category::kMineral) == Ids{"critical-minerals"});
}

TEST_CASE("case-sensitive terms") {
  CHECK(HitIds("GaN wafers", Category::kMineral) == Ids{"gallium"});
  CHECK(HitIds("gan wafers", Category::kMineral).empty());
  CHECK(HitIds("Free trade", Category::kMineral).empty());
  CHECK(HitIds("ＵＳ tariffs", Category::kCountry) == Ids{"us"});  // NFKC, not case folding
  CHECK(HitIds("EU and Eu", Category::kCountry) == Ids{"eu"});
  CHECK(HitIds("Ga and Ge exports", Category::kMineral).empty());  // never alone
}

TEST_CASE("CJK terms match as substrings") {
  CHECK(HitIds("关于对镓、锗相关物项实施出口管制的公告", Category::kMineral) ==
        Ids{"gallium", "germanium"});
  CHECK(HitIds("中国稀土出口", Category::kMineral) == Ids{"rare-earths"});
  CHECK(HitIds("美国商务部", Category::kCountry) == Ids{"us"});      // not China's 商务部
  CHECK(HitIds("印度尼西亚镍矿", Category::kCountry) == Ids{"id"});  // not 印度
  CHECK(HitIds("无锡市", Category::kMineral).empty());               // 锡 inside a city
  const Tags tags = TagOf("商务部 海关总署公告 关于对镓、锗相关物项实施出口管制的公告");
  CHECK(tags.minerals == Ids{"gallium", "germanium"});
  CHECK(tags.countries == Ids{"cn"});
  CHECK(tags.clauses == Ids{"export-control", "licence"});
}

TEST_CASE("offsets point into the original text") {
  const std::string title = "«Ｃｈｉｎａ» curbs — 稀土 and “rare-earth” exports";
  const std::vector<Hit> hits = Shared().FindHits(MakeItem(title));
  const std::vector<std::string> found = HitTexts(title, hits);
  CHECK(Contains(found, "Ｃｈｉｎａ"));
  CHECK(Contains(found, "稀土"));
  CHECK(Contains(found, "rare-earth"));
  for (const Hit& h : hits) {
    CHECK(h.field == Field::kTitle);
    CHECK(h.offset + h.length <= title.size());
  }
  // A decomposed é before the hit: offsets stay byte-exact.
  const std::string body = "Cafe\u0301 owners: gallium prices";
  Item item = MakeItem("x", body);
  const std::vector<Hit> body_hits = Shared().FindHits(item);
  REQUIRE_FALSE(body_hits.empty());
  CHECK(body_hits[0].field == Field::kSummary);
  CHECK(body.substr(body_hits[0].offset, body_hits[0].length) == "gallium");
}

TEST_CASE("group expansion: an element yields rare-earths, helper groups are not tags") {
  Tags tags = TagOf("Dysprosium oxide output rises");
  CHECK(tags.minerals == Ids{"dysprosium", "rare-earths"});
  tags = TagOf("China curbs exports of heavy rare earths");
  CHECK(tags.minerals == Ids{"rare-earths"});
  tags = TagOf("NdPr price floor", "MP Materials rare earth magnet plant");
  CHECK(tags.minerals == Ids{"neodymium", "praseodymium", "rare-earths"});
  CHECK(tags.clauses == Ids{"price"});
}

TEST_CASE("chemical symbols count only next to a named mineral") {
  CHECK(TagOf("Drilling returns 4.8% Sb").minerals.empty());
  CHECK(TagOf("Antimony discovery: 6.2m @ 4.8% Sb and 3.1g/t Au").minerals ==
        Ids{"antimony", "gold"});
}

TEST_CASE("hard negatives get no mineral") {
  CHECK(TagOf("Gallium Software Inc. names new chief executive",
              "Gallium Software, a maker of scheduling tools, appointed a new CEO.")
            .minerals.empty());
  CHECK(TagOf("Cobalt Strike beacons found in ransomware attack").minerals.empty());
  CHECK(TagOf("Graphite pencil retailer opens flagship store",
              "An art-supplies chain specialising in graphite pencils opened a store.")
            .minerals.empty());
  CHECK(TagOf("Lithium still first-line treatment for bipolar disorder").minerals.empty());
  CHECK(TagOf("Germanium fuzz pedals: why guitarists love vintage transistors").minerals.empty());
  CHECK(TagOf("Power bank maker recalls units over lithium-ion fire risk").minerals.empty());
  CHECK(TagOf("复古钨丝灯咖啡馆走红社交平台").minerals.empty());
  const Tags pork = TagOf("China slaps extra tariffs on US pork, soybeans and chicken");
  CHECK(pork.minerals.empty());
  CHECK(pork.countries == Ids{"cn", "us"});
  CHECK(pork.clauses == Ids{"tariff"});
  const Tags chips =
      TagOf("US expands chip export curbs, adds 140 Chinese entities to Entity List");
  CHECK(chips.minerals.empty());
  CHECK(chips.countries == Ids{"cn", "us"});
  CHECK(chips.clauses == Ids{"entity-list", "export-control"});
}

TEST_CASE("corporate housekeeping gets no tags") {
  const Tags tags = TagOf("Change of Director's Interest Notice",
                          "Appendix 3Y lodged by Lynas Rare Earths for a director.");
  CHECK(tags.minerals.empty());
  CHECK(tags.countries.empty());
  CHECK(tags.clauses.empty());
  CHECK(
      TagOf("Trading Halt", "pending an announcement regarding drilling results").clauses.empty());
}

TEST_CASE("product-level mentions need a trade measure") {
  CHECK(TagOf("E-bike battery standard", "new rules for lithium-ion batteries").minerals.empty());
  CHECK(TagOf("China adds lithium batteries to export controls").minerals == Ids{"lithium"});
}

TEST_CASE("critical-minerals yields to a specific mineral in the title") {
  CHECK(TagOf("USGS publishes 2025 critical minerals list").minerals == Ids{"critical-minerals"});
  CHECK(TagOf("Nickel added to Critical Minerals List").minerals == Ids{"nickel"});
}

TEST_CASE("clauses: proximity, implications, weak cues, vetoes") {
  CHECK(TagOf("Zimbabwe bans exports of raw lithium ore").clauses == Ids{"export-ban"});
  CHECK(TagOf("Indonesia's ban on all grades of nickel ore exports").clauses == Ids{"export-ban"});
  CHECK(TagOf("刚果（金）宣布暂停钴出口四个月").clauses == Ids{"export-ban", "suspension"});
  CHECK(TagOf("出口管制不是禁止出口").clauses == Ids{"export-control"});
  CHECK(TagOf("Additions to the Entity List").clauses == Ids{"entity-list", "export-control"});
  CHECK(TagOf("Software licence fees rise").clauses.empty());
  CHECK(TagOf("Cabinet approved the scheme").clauses.empty());  // approval is a weak cue
  CHECK(
      TagOf("Cobalt exports resume", "prices fell to a low").clauses.empty());  // price needs more
  CHECK(TagOf("Cobalt prices jump").clauses == Ids{"price"});
}

TEST_CASE("countries: demonyms, vetoes, containment, opt-in capitals") {
  CHECK(TagOf("Chinese antimony exports slump").countries == Ids{"cn"});
  CHECK(TagOf("Lynas: only producer outside China").countries.empty());
  CHECK(TagOf("Democratic Republic of the Congo cobalt").countries == Ids{"cd"});
  CHECK(TagOf("Congo-Brazzaville potash").countries == Ids{"cg"});
  CHECK(TagOf("North Korea tests").countries == Ids{"kp"});
  CHECK(TagOf("Beijing announced curbs").countries.empty());
  CHECK(TagOf("Beijing announced curbs", "", true).countries == Ids{"cn"});
}

TEST_CASE("a user vocabulary can add terms") {
  const auto t =
      WithUserTerms("[[mineral]]\nid = \"helium\"\nterms = [\"helium\"]\nzh = [\"氦\"]\n");
  const Item item = MakeItem("Helium exports from Qatar", "氦气");
  CHECK(t->Tag(item, t->FindHits(item)).minerals == Ids{"helium"});
}

// Plural spellings ("s", "es") and their edges: what a change to how the
// scan finds plurals (from their singular, say) must keep.
TEST_CASE("plurals and their word edges") {
  const auto t = WithUserTerms(
      "[[mineral]]\nid = \"widgetite\"\nterms = [\"widget\", \"box ore\", \"glass\"]\n");
  auto spans = [&](const std::string& title) {
    std::vector<std::string> out;
    for (const Hit& h : t->FindHits(MakeItem(title))) {
      if (t->vocabulary().concepts[static_cast<size_t>(h.concept_index)].id != "widgetite") {
        continue;
      }
      out.push_back(title.substr(h.offset, h.length));
    }
    return out;
  };
  CHECK(spans("Widgets, widget's WIDGETS") == Ids{"Widgets", "widget", "WIDGETS"});
  CHECK(spans("widgetsx widgetss widgetes") == Ids{});
  CHECK(spans("glasses glass glasss glassy") == Ids{"glasses", "glass"});
  CHECK(spans("box ores, box-ores and box-ore") == Ids{"box ores", "box-ores", "box-ore"});
  CHECK(spans("widgets widget widgets") == Ids{"widgets", "widget", "widgets"});
  CHECK(spans("Rare earths") == Ids{});
  CHECK(HitIds("rare earths, rare-earths", Category::kMineral) ==
        Ids{"rare-earths", "rare-earths"});
  const std::string title = "tariffs on rare-earths";
  const std::vector<std::string> found = HitTexts(title, Shared().FindHits(MakeItem(title)));
  CHECK(Contains(found, "rare-earths"));
  CHECK(Contains(found, "tariffs"));
}

// A plural that is also a term of its own is found twice, once as its own
// literal and once as its singular's with an ending: one hit stays, the
// lower term's, as when both were one literal's entries in term order.
TEST_CASE("a plural that is a term of its own is one hit, of the lower term") {
  const auto t = WithUserTerms(
      "[[mineral]]\nid = \"gizmoite\"\nterms = [\"gizmos\", \"gizmo\", \"jig battery\"]\n"
      "[[mineral]]\nid = \"doodadite\"\nterms = [\"doodad\", \"doodads\"]\n");
  auto terms = [&](const std::string& title) {
    std::vector<std::string> out;
    for (const Hit& h : t->FindHits(MakeItem(title))) {
      const Concept& c = t->vocabulary().concepts[static_cast<size_t>(h.concept_index)];
      if (c.id != "gizmoite" && c.id != "doodadite") continue;
      out.push_back(title.substr(h.offset, h.length) + "=" +
                    c.terms[static_cast<size_t>(h.term_index)].text);
    }
    return out;
  };
  CHECK(terms("GIZMOS and gizmo") == Ids{"GIZMOS=gizmos", "gizmo=gizmo"});
  CHECK(terms("doodads and Doodad") == Ids{"doodads=doodad", "Doodad=doodad"});
  CHECK(terms("jig batteries, JIG-BATTERIES, jig battery") ==
        Ids{"jig batteries=jig battery", "JIG-BATTERIES=jig battery", "jig battery=jig battery"});
  CHECK(terms("jig batterys gizmoes doodadss") == Ids{});
}

TEST_CASE("the tagger is thread-safe") {
  const Tagger& t = Shared();
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int i = 0; i < 200; ++i) {
        const Item item = MakeItem("China curbs gallium exports", "镓、锗出口管制");
        const Tags tags = t.Tag(item, t.FindHits(item));
        ok[k] += tags.minerals == Ids{"gallium", "germanium"} ? 1 : 0;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(ok == std::vector<int>(4, 200));
}

}  // namespace
}  // namespace mineral::rules
