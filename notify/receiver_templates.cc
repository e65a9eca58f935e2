#include "notify/receiver_templates.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "notify/format.h"
#include "notify/sample.h"
#include "notify/webhook/payload.h"

namespace mineral::notify {
namespace {

using V = TemplateValue;

V Time(const std::optional<UtcTime>& t) { return V::Text(t ? FormatRfc3339(*t) : ""); }

V Texts(const std::vector<std::string>& texts) {
  V list = V::List();
  for (const std::string& t : texts) list.list.push_back(V::Text(t));
  return list;
}

V ItemContext(const AlertItem& item) {
  V v = V::Map();
  v.Set("title", V::Text(item.title));
  v.Set("link", V::Text(item.link));
  v.Set("source", V::Text(SourceName(item)));
  v.Set("origin", V::Text(item.origin));
  v.Set("feed", V::Text(item.feed));
  v.Set("published", Time(item.published));
  v.Set("language", V::Text(item.language));
  v.Set("summary", V::Text(item.summary));
  return v;
}

// The distinct matched terms, as MatchedTermsList words them.
std::vector<std::string> Terms(const Alert& a) {
  std::vector<std::string> terms;
  std::string list = MatchedTermsList(a);
  size_t start = 0;
  while (!list.empty()) {
    size_t comma = list.find(", ", start);
    terms.push_back(list.substr(start, comma == std::string::npos ? comma : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 2;
  }
  return terms;
}

V AlertContext(const Alert& a) {
  V v = V::Map();
  v.Set("id", V::Text(std::to_string(a.id)));
  v.Set("key", V::Text(a.idempotency_key));
  v.Set("rule", V::Text(a.rule_id));
  v.Set("severity", V::Text(a.severity));
  v.Set("severity_label", V::Text(SeverityLabel(a.severity)));
  v.Set("labels", Texts(a.labels));
  v.Set("amended", V::Bool(a.amended));
  v.Set("doc_number", V::Text(a.doc_number));
  v.Set("created_at", Time(a.created_at));
  // The item the rule fired on, flattened: {{title}} rather than
  // {{items.0.title}}.
  const AlertItem empty;
  const AlertItem& first = a.items.empty() ? empty : a.items.front();
  V first_item = ItemContext(first);
  for (auto& [key, value] : first_item.map) v.Set(key, std::move(value));
  if (a.items.empty()) v.Set("title", V::Text(a.rule_id));
  v.Set("matched_terms", Texts(Terms(a)));
  v.Set("matched_terms_text", V::Text(MatchedTermsList(a)));
  v.Set("explanation", V::Text(WhyItMatched(a)));
  V evidence = V::List();
  for (const MatchEvidence& e : a.evidence) {
    V m = V::Map();
    m.Set("term", V::Text(e.term));
    m.Set("field", V::Text(e.field));
    m.Set("offset", V::Text(std::to_string(e.offset)));
    m.Set("length", V::Text(std::to_string(e.length)));
    evidence.list.push_back(std::move(m));
  }
  v.Set("evidence", std::move(evidence));
  V items = V::List();
  V cluster = V::List();
  for (size_t i = 0; i < a.items.size(); ++i) {
    items.list.push_back(ItemContext(a.items[i]));
    if (i > 0) cluster.list.push_back(items.list.back());
  }
  v.Set("items", std::move(items));
  v.Set("cluster_sources", std::move(cluster));
  v.Set("sources", Texts(SourceFeeds(a)));
  v.Set("alert_json", V::Text(webhook::RenderAlertObject(a)));
  return v;
}

// Sample messages a JSON body must render for: between them every section
// is taken and skipped, and every text holds what JSON must escape.
std::vector<std::pair<std::string, Message>> JsonSamples() {
  Alert odd;
  odd.id = 1;
  odd.idempotency_key = "odd\"key";
  odd.rule_id = "rule-\"quoted\"";
  odd.severity = "info";
  odd.created_at = UtcTime(std::chrono::seconds(1764158400));
  odd.items.push_back({.feed = "feed\\",
                       .title = "A \"quoted\" title with a back\\slash,\na line break\tand a tab",
                       .link = "",
                       .origin = "",
                       .published = std::nullopt,
                       .language = "",
                       .summary = "}{][\",\\u0000"});
  std::vector<std::pair<std::string, Message>> out;
  out.emplace_back("one alert", SingleAlertMessage("receiver", SampleAlert("receiver")));
  out.emplace_back("a group of 2 alerts", SampleGroupMessage("receiver"));
  // Each optional field missing while the others are there, so a separator
  // that belongs to one optional field but sits in another's section shows.
  struct Without {
    const char* what;
    void (*strip)(Alert&);
  };
  static constexpr Without kWithout[] = {
      {"no link", [](Alert& a) { a.items[0].link.clear(); }},
      {"no published time", [](Alert& a) { a.items[0].published.reset(); }},
      {"no origin", [](Alert& a) { a.items[0].origin.clear(); }},
      {"no language", [](Alert& a) { a.items[0].language.clear(); }},
      {"no summary", [](Alert& a) { a.items[0].summary.clear(); }},
      {"no document number", [](Alert& a) { a.doc_number.clear(); }},
      {"no labels", [](Alert& a) { a.labels.clear(); }},
      {"no matched terms", [](Alert& a) { a.evidence.clear(); }},
      {"no other sources", [](Alert& a) { a.items.resize(1); }},
      {"amended", [](Alert& a) { a.amended = true; }},
  };
  for (const Without& w : kWithout) {
    Alert a = SampleAlert("receiver");
    w.strip(a);
    out.emplace_back(std::string("one alert with ") + w.what, SingleAlertMessage("receiver", a));
  }
  out.emplace_back(
      "an alert with quotes, backslashes and line breaks and no link, labels, terms "
      "or other sources",
      SingleAlertMessage("receiver", odd));
  Message three = SampleGroupMessage("receiver");
  three.alerts.push_back(odd);
  out.emplace_back("a group of 3 alerts", std::move(three));
  return out;
}

}  // namespace

TemplateEscape EscapeFor(TemplateUse use) {
  switch (use) {
    case TemplateUse::kHtml:
      return TemplateEscape::kHtml;
    case TemplateUse::kJsonBody:
      return TemplateEscape::kJson;
    default:
      return TemplateEscape::kNone;
  }
}

TemplateValue MessageContext(const Message& message) {
  V v = message.alerts.empty() ? V::Map() : AlertContext(message.alerts.front());
  v.Set("receiver", V::Text(message.receiver));
  v.Set("message_id", V::Text(message.id));
  v.Set("type", V::Text(message.alerts.size() == 1 ? "alert" : "alert.group"));
  v.Set("count", V::Text(std::to_string(message.alerts.size())));
  v.Set("grouped", V::Bool(message.alerts.size() > 1));
  v.Set("headline", V::Text(MessageHeadline(message)));
  std::string highest = HighestSeverity(message);
  v.Set("severity", V::Text(highest));
  v.Set("severity_label", V::Text(SeverityLabel(highest)));
  V alerts = V::List();
  for (const Alert& a : message.alerts) alerts.list.push_back(AlertContext(a));
  v.Set("alerts", std::move(alerts));
  v.Set("payload_json", V::Text(webhook::RenderPayload(message)));
  return v;
}

Result<Template> CompileTemplate(std::string_view text, std::string_view file_name,
                                 TemplateUse use) {
  Result<Template> parsed = ParseTemplate(text, file_name);
  if (!parsed.ok()) return parsed;
  const TemplateEscape escape = EscapeFor(use);
  // Every list of the sample group holds an element, so every name of every
  // section is checked.
  std::vector<std::string> errors =
      CheckTemplate(*parsed, text, MessageContext(SampleGroupMessage("receiver")), escape);
  if (errors.empty() && use == TemplateUse::kJsonBody) {
    for (const auto& [what, message] : JsonSamples()) {
      std::vector<TemplateMark> marks;
      std::string body = RenderTemplate(*parsed, MessageContext(message), escape, &marks);
      rapidjson::Document doc;
      doc.Parse(body.c_str(), body.size());
      if (!doc.HasParseError()) continue;
      auto [line, column] = TemplatePosition(marks, doc.GetErrorOffset());
      errors.push_back(TemplateDiagnostic(file_name, text, line, column,
                                          std::string("the body is not JSON when rendered for ") +
                                              what + ": " +
                                              rapidjson::GetParseError_En(doc.GetParseError())));
      break;  // one sample's error is enough to go on
    }
  }
  if (!errors.empty()) {
    std::string joined;
    for (const std::string& e : errors) joined += (joined.empty() ? "" : "\n") + e;
    return Status::ParseError(joined);
  }
  return parsed;
}

std::string RenderMessageTemplate(const Template& t, const Message& message, TemplateUse use) {
  return RenderTemplate(t, MessageContext(message), EscapeFor(use));
}

}  // namespace mineral::notify
