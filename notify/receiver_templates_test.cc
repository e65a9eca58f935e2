// Templates as receivers use them: the documented context, the checks made
// when a template loads (word for word), the shipped example templates, and
// email rendered through subject, text and HTML templates.
#include "notify/receiver_templates.h"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "notify/email/message.h"
#include "notify/sample.h"

namespace mineral::notify {
namespace {

std::string Example(const std::string& name) {
  std::ifstream in(std::string(MINERAL_SOURCE_DIR) + "/examples/templates/" + name,
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  REQUIRE_FALSE(ss.str().empty());
  return ss.str();
}

std::shared_ptr<const Template> Compiled(std::string_view text, TemplateUse use) {
  Result<Template> t = CompileTemplate(text, "t", use);
  INFO(t.status().message());
  REQUIRE(t.ok());
  return std::make_shared<const Template>(std::move(t).value());
}

std::string Error(std::string_view text, TemplateUse use) {
  Result<Template> t = CompileTemplate(text, "body.json", use);
  REQUIRE_FALSE(t.ok());
  return t.status().message();
}

TEST_CASE("the context holds the documented alert model", "[templates]") {
  const std::string text =
      "{{type}}|{{count}}|{{grouped}}|{{severity}}|{{receiver}}|{{message_id}}\n"
      "{{rule}}|{{title}}|{{link}}|{{source}}|{{feed}}|{{published}}|{{labels}}|{{amended}}\n"
      "{{matched_terms_text}}|{{#matched_terms}}<{{.}}>{{/matched_terms}}|{{doc_number}}\n"
      "{{explanation}}\n"
      "{{#cluster_sources}}{{source}}: {{title}} ({{published}}){{/cluster_sources}}\n"
      "{{#alerts}}{{@index}}:{{severity}}:{{amended}}{{/alerts}}\n"
      "{{#evidence}}{{term}}@{{field}}+{{offset}}/{{length}} {{/evidence}}";
  Result<Template> t = ParseTemplate(text, "t.txt");
  REQUIRE(t.ok());
  CHECK(RenderMessageTemplate(*t, SingleAlertMessage("ops", SampleAlert("ops")),
                              TemplateUse::kText) ==
        "alert|1|false|critical|ops|test-ops\n"
        "china-gallium-export-controls|China tightens gallium & germanium export licences "
        "\xE2\x80\x93 MOFCOM|https://example.com/news/china-gallium?id=1&src=rss|Reuters|"
        "google-news|2025-11-26T11:15:00Z|export-controls, cn|false\n"
        "gallium, export licence, licence|<gallium><export licence><licence>|mofcom:2025-46\n"
        "Rule china-gallium-export-controls matched gallium, export licence, licence in the "
        "title and summary.\n"
        "mofcom: \xE5\x95\x86\xE5\x8A\xA1\xE9\x83\xA8\xE5\x85\xAC\xE5\x91\x8A"
        "2025\xE5\xB9\xB4\xE7\xAC\xAC"
        "46\xE5\x8F\xB7 (2025-11-26T10:00:00Z)\n"
        "1:critical:false\n"
        "mineral:gallium@title+15/7 export licence@title+35/15 mineral:gallium@summary+46/7 "
        "licence@summary+84/7 ");
  // A group: the highest severity at the top, the first alert's fields, and
  // one entry per alert.
  CHECK(RenderMessageTemplate(*Compiled("{{type}} {{count}} {{grouped}} {{severity}} {{rule}}: "
                                        "{{#alerts}}[{{severity}} {{rule}} {{amended}}]{{/alerts}}",
                                        TemplateUse::kText),
                              SampleGroupMessage("ops"), TemplateUse::kText) ==
        "alert.group 2 true critical china-gallium-export-controls: "
        "[critical china-gallium-export-controls false][warning drc-cobalt-quota true]");
}

TEST_CASE("JSON values in the context are the v1 payload's", "[templates]") {
  Message m = SampleGroupMessage("ops");
  std::string body = RenderMessageTemplate(
      *Compiled("{\"p\": {{{payload_json}}}, \"a\": [{{#alerts}}{{{alert_json}}}{{^@last}},"
                "{{/@last}}{{/alerts}}]}",
                TemplateUse::kJsonBody),
      m, TemplateUse::kJsonBody);
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(std::string(doc["p"]["type"].GetString()) == "alert.group");
  REQUIRE(doc["a"].Size() == 2);
  CHECK(std::string(doc["a"][1]["rule"].GetString()) == "drc-cobalt-quota");
}

TEST_CASE("a JSON body template is checked when it loads", "[templates]") {
  // A trailing comma: only a list of one or more shows it.
  CHECK(Error("{\"titles\": [{{#alerts}}\"{{title}}\",{{/alerts}}]}", TemplateUse::kJsonBody) ==
        "body.json:1:47: the body is not JSON when rendered for one alert: Invalid value.\n"
        "{\"titles\": [{{#alerts}}\"{{title}}\",{{/alerts}}]}\n"
        "                                              ^");
  // A value outside quotes breaks the JSON for a title with a quote or none.
  CHECK(Error("{\n  \"n\": {{count}},\n  \"link\": {{link}}\n}", TemplateUse::kJsonBody) ==
        "body.json:3:11: the body is not JSON when rendered for one alert: Invalid value.\n"
        "  \"link\": {{link}}\n"
        "          ^");
  // Raw text, a typo and a syntax error.
  CHECK(Error("{\"t\": \"{{{title}}}\", \"u\": \"{{titel}}\"}", TemplateUse::kJsonBody) ==
        "body.json:1:8: 'title' would go into the JSON unescaped: write \"{{title}}\" (escaped, "
        "inside quotes), or use a value whose name ends in _json\n"
        "{\"t\": \"{{{title}}}\", \"u\": \"{{titel}}\"}\n"
        "       ^\n"
        "body.json:1:28: unknown name 'titel' (docs/templates.md lists the names)\n"
        "{\"t\": \"{{{title}}}\", \"u\": \"{{titel}}\"}\n"
        "                           ^");
  CHECK(Error("{{#alerts}}", TemplateUse::kJsonBody) ==
        "body.json:1:1: section 'alerts' is not closed (no {{/alerts}})\n{{#alerts}}\n^");
  // Not JSON at all, and JSON whose text is escaped: fine for text, not a body.
  CHECK(Error("Alert: {{title}}", TemplateUse::kJsonBody)
            .starts_with("body.json:1:1: the body is not JSON when rendered for one alert"));
  CHECK(CompileTemplate("Alert: {{{title}}}", "s.txt", TemplateUse::kText).ok());
}

TEST_CASE("the example templates load and render", "[templates]") {
  for (const char* name : {"slack.json", "compact.json"}) {
    INFO(name);
    auto t = Compiled(Example(name), TemplateUse::kJsonBody);
    for (const Message& m : {SingleAlertMessage("s", SampleAlert()), SampleGroupMessage("s")}) {
      std::string body = RenderMessageTemplate(*t, m, TemplateUse::kJsonBody);
      rapidjson::Document doc;
      doc.Parse(body.c_str(), body.size());
      CHECK_FALSE(doc.HasParseError());
    }
  }
  ReceiverTemplates email;
  email.subject = Compiled(Example("email-subject.txt"), TemplateUse::kText);
  email.text = Compiled(Example("email.txt"), TemplateUse::kText);
  email.html = Compiled(Example("email.html"), TemplateUse::kHtml);
  email::RenderedEmail single =
      email::RenderEmail(SingleAlertMessage("desk", SampleAlert("desk")), email);
  CHECK(single.subject ==
        "[CRITICAL] China tightens gallium & germanium export licences \xE2\x80\x93 MOFCOM");
  CHECK(single.text.starts_with(
      "1. [CRITICAL] China tightens gallium & germanium export licences \xE2\x80\x93 MOFCOM\n"
      "   Reuters, published 2025-11-26T11:15:00Z\n"
      "   https://example.com/news/china-gallium?id=1&src=rss\n"
      "   Rule china-gallium-export-controls #export-controls #cn, document mofcom:2025-46\n"));
  CHECK(single.html.find("<a href=\"https://example.com/news/china-gallium?id=1&amp;src=rss\">"
                         "China tightens gallium &amp; germanium") != std::string::npos);
  CHECK(single.html.find("<li>mofcom: <a href=") != std::string::npos);
  CHECK(single.html.find("<ul>") < single.html.find("</ul>"));
  email::RenderedEmail group = email::RenderEmail(SampleGroupMessage("desk"), email);
  CHECK(group.subject == "2 mineral-policy alerts, highest CRITICAL");
  CHECK(group.text.starts_with("2 alerts for desk\n1. [CRITICAL]"));
  CHECK(group.text.find("2. [WARNING] Amended: DRC replaces cobalt export ban with quotas\n") !=
        std::string::npos);
}

TEST_CASE("email: each template replaces its part; a subject is one line", "[templates]") {
  Message m = SingleAlertMessage("desk", SampleAlert("desk"));
  email::RenderedEmail built_in = email::RenderEmail(m);
  ReceiverTemplates only_subject;
  only_subject.subject =
      Compiled("  {{severity_label}}:\r\n{{title}}\t({{rule}})\n", TemplateUse::kText);
  email::RenderedEmail r = email::RenderEmail(m, only_subject);
  CHECK(r.subject ==
        "CRITICAL:  China tightens gallium & germanium export licences \xE2\x80\x93 MOFCOM "
        "(china-gallium-export-controls)");
  CHECK(r.text == built_in.text);
  CHECK(r.html == built_in.html);
  ReceiverTemplates bodies;
  bodies.text = Compiled("{{summary}}", TemplateUse::kText);
  bodies.html = Compiled("<p>{{summary}}</p>", TemplateUse::kHtml);
  r = email::RenderEmail(m, bodies);
  CHECK(r.subject == built_in.subject);
  CHECK(r.text ==
        "Beijing's commerce ministry said exporters of gallium <and> germanium must obtain a "
        "licence; @everyone in the industry expects delays.");
  CHECK(r.html ==
        "<p>Beijing&#39;s commerce ministry said exporters of gallium &lt;and&gt; germanium must "
        "obtain a licence; @everyone in the industry expects delays.</p>");
}

}  // namespace
}  // namespace mineral::notify
