// Golden-file tests of every payload renderer, and the generic payload
// against its JSON Schema.  Set MINERAL_UPDATE_GOLDEN=1 to rewrite the files
// (then read the diff).
#include "notify/discord/payload.h"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "notify/format.h"
#include "notify/sample.h"
#include "notify/slack/payload.h"
#include "notify/teams/payload.h"
#include "notify/webhook/payload.h"

namespace mineral::notify {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Pretty-printed (the golden files are for people to read), keys in the
// renderer's order.
std::string Pretty(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  REQUIRE_FALSE(doc.HasParseError());
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  doc.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

void CheckGolden(const std::string& name, const std::string& json) {
  std::string path = std::string(MINERAL_SOURCE_DIR) + "/notify/testdata/" + name;
  std::string actual = Pretty(json);
  if (std::getenv("MINERAL_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << actual;
  }
  INFO("golden file " << path << " (MINERAL_UPDATE_GOLDEN=1 rewrites it)");
  CHECK(actual == ReadFile(path));
}

TEST_CASE("generic webhook payload matches its golden files", "[payload]") {
  CheckGolden("webhook-single.json",
              webhook::RenderPayload(SingleAlertMessage("ops", SampleAlert())));
  CheckGolden("webhook-group.json", webhook::RenderPayload(SampleGroupMessage("ops")));
}

TEST_CASE("Slack payload matches its golden files", "[payload]") {
  CheckGolden("slack-single.json", slack::RenderPayload(SingleAlertMessage("s", SampleAlert())));
  CheckGolden("slack-group.json", slack::RenderPayload(SampleGroupMessage("s")));
}

TEST_CASE("Discord payload matches its golden files", "[payload]") {
  CheckGolden("discord-single.json",
              discord::RenderPayload(SingleAlertMessage("d", SampleAlert())));
  CheckGolden("discord-group.json", discord::RenderPayload(SampleGroupMessage("d")));
}

TEST_CASE("Teams payload matches its golden files", "[payload]") {
  CheckGolden("teams-single.json", teams::RenderPayload(SingleAlertMessage("t", SampleAlert())));
  CheckGolden("teams-group.json", teams::RenderPayload(SampleGroupMessage("t")));
}

TEST_CASE("the JSON Schema validates the generic payload", "[payload][schema]") {
  std::string schema_text =
      ReadFile(std::string(MINERAL_SOURCE_DIR) + "/docs/webhook-payload-v1.schema.json");
  rapidjson::Document schema_doc;
  schema_doc.Parse(schema_text.c_str());
  REQUIRE_FALSE(schema_doc.HasParseError());
  rapidjson::SchemaDocument schema(schema_doc);

  auto validate = [&](const std::string& json) {
    rapidjson::Document doc;
    doc.Parse(json.c_str());
    REQUIRE_FALSE(doc.HasParseError());
    rapidjson::SchemaValidator validator(schema);
    bool ok = doc.Accept(validator);
    if (!ok) {
      rapidjson::StringBuffer where;
      validator.GetInvalidSchemaPointer().StringifyUriFragment(where);
      INFO("invalid at schema " << where.GetString() << " keyword "
                                << validator.GetInvalidSchemaKeyword());
      CHECK(ok);
    }
    return ok;
  };
  CHECK(validate(webhook::RenderPayload(SingleAlertMessage("ops", SampleAlert()))));
  CHECK(validate(webhook::RenderPayload(SampleGroupMessage("ops"))));
  Alert bare;
  bare.idempotency_key = "k";
  bare.rule_id = "r";
  bare.severity = "info";
  bare.items.emplace_back();
  bare.items.back().feed = "f";
  bare.items.back().title = "t";
  CHECK(validate(webhook::RenderPayload(SingleAlertMessage("ops", bare))));
  // And it rejects what it should: a payload of another version.
  rapidjson::Document doc;
  doc.Parse(R"({"version":"2","type":"alert","id":"x","receiver":"r","alerts":[]})");
  rapidjson::SchemaValidator validator(schema);
  CHECK_FALSE(doc.Accept(validator));
}

TEST_CASE("payloads are pure: the same message gives the same bytes", "[payload]") {
  Message m = SampleGroupMessage("ops");
  CHECK(webhook::RenderPayload(m) == webhook::RenderPayload(m));
  CHECK(m.id == SampleGroupMessage("other").id);  // the id is the alerts', not the receiver's
  CHECK(m.id.starts_with("grp_"));
}

TEST_CASE("Slack escapes mrkdwn and Discord mentions nobody", "[payload]") {
  CHECK(slack::EscapeMrkdwn("a <b> & c") == "a &lt;b&gt; &amp; c");
  std::string s = slack::RenderPayload(SingleAlertMessage("s", SampleAlert()));
  CHECK(s.find("<and>") == std::string::npos);
  std::string d = discord::RenderPayload(SingleAlertMessage("d", SampleAlert()));
  CHECK(d.find(R"("allowed_mentions":{"parse":[]})") != std::string::npos);
}

TEST_CASE("chat payloads stay within the platforms' limits for big groups", "[payload]") {
  std::vector<Alert> alerts;
  for (int i = 0; i < 60; ++i) {
    Alert a = SampleAlert();
    a.idempotency_key = "k" + std::to_string(i);
    a.items.front().title = std::string(400, 'x');
    alerts.push_back(a);
  }
  Message m = GroupMessage("r", alerts);
  rapidjson::Document slack_doc;
  slack_doc.Parse(slack::RenderPayload(m).c_str());
  CHECK(slack_doc["blocks"].Size() <= 50);
  CHECK(std::string(slack_doc["blocks"][0]["text"]["text"].GetString()).size() <= 150);
  rapidjson::Document discord_doc;
  discord_doc.Parse(discord::RenderPayload(m).c_str());
  CHECK(discord_doc["embeds"].Size() == 10);
  CHECK(std::string(discord_doc["embeds"][0]["title"].GetString()).size() <= 256);
}

TEST_CASE("TruncateUtf8 never splits a character", "[format]") {
  std::string text =
      "ab\xE2\x80\x93"
      "cd";  // a, b, en dash, c, d
  CHECK(TruncateUtf8(text, 10) == text);
  CHECK(TruncateUtf8(text, 5) == "ab\xE2\x80\xA6");
  CHECK(TruncateUtf8(text, 6) == "ab\xE2\x80\xA6");
  CHECK(TruncateUtf8(text, 2).empty());
}

TEST_CASE("WhyItMatched names terms and fields", "[format]") {
  CHECK(WhyItMatched(SampleAlert()) ==
        "Rule china-gallium-export-controls matched gallium, export licence, licence in the title "
        "and summary.");
}

TEST_CASE("WhyItMatched and MatchedTermsList: no terms, one field, several, repeats", "[format]") {
  Alert a;
  a.rule_id = "r";
  CHECK(WhyItMatched(a) == "Rule r matched.");
  CHECK(MatchedTermsList(a).empty());
  a.evidence = {{"mineral:gallium", "title", 0, 7}};
  CHECK(WhyItMatched(a) == "Rule r matched gallium in the title.");
  a.evidence.push_back({"gallium", "title", 9, 7});  // the same word, as a plain term
  a.evidence.push_back({"quota", "summary", 1, 5});
  a.evidence.push_back({"ban", "content", 2, 3});
  CHECK(MatchedTermsList(a) == "gallium, quota, ban");
  CHECK(WhyItMatched(a) == "Rule r matched gallium, quota, ban in the title, summary and content.");
  // A concept term with an empty name counts as no term.
  Alert empty;
  empty.rule_id = "e";
  empty.evidence = {{"mineral:", "title", 0, 0}};
  CHECK(WhyItMatched(empty) == "Rule e matched.");
}

}  // namespace
}  // namespace mineral::notify
