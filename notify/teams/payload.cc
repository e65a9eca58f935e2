#include "notify/teams/payload.h"

#include "notify/format.h"
#include "model/json_out.h"

namespace mineral::notify::teams {
namespace {

constexpr size_t kMaxAlerts = 10;
constexpr size_t kSummaryBytes = 600;

void TextBlock(JsonOut& j, std::string_view text, const char* size, const char* weight,
               bool subtle = false) {
  j.w().StartObject();
  j.Str("type", "TextBlock");
  j.Str("text", text);
  j.Bool("wrap", true);
  if (size != nullptr) j.Str("size", size);
  if (weight != nullptr) j.Str("weight", weight);
  if (subtle) j.Bool("isSubtle", true);
  j.w().EndObject();
}

void Fact(JsonOut& j, std::string_view title, std::string_view value) {
  j.w().StartObject();
  j.Str("title", title);
  j.Str("value", value);
  j.w().EndObject();
}

// Adaptive Cards TextBlock supports a Markdown subset: a linked title is
// [text](url); brackets in the text are escaped.
std::string LinkMarkdown(const AlertItem& item) {
  std::string title;
  for (char c : item.title) {
    if (c == '[' || c == ']' || c == '*' || c == '_') title += '\\';
    title += c;
  }
  if (item.link.empty()) return title;
  return "[" + title + "](" + item.link + ")";
}

void AlertElements(JsonOut& j, const Alert& a) {
  j.w().StartObject();
  j.Str("type", "Container");
  j.Str("style", a.severity == "critical"  ? "attention"
                 : a.severity == "warning" ? "warning"
                                           : "default");
  j.Bool("separator", true);
  j.StartArray("items");
  if (!a.items.empty()) {
    const AlertItem& item = a.items.front();
    TextBlock(j, (a.amended ? "Amended: " : "") + LinkMarkdown(item), "Medium", "Bolder");
    if (!item.summary.empty())
      TextBlock(j, TruncateUtf8(item.summary, kSummaryBytes), nullptr, nullptr);
  }
  j.w().StartObject();
  j.Str("type", "FactSet");
  j.StartArray("facts");
  Fact(j, "Severity", SeverityLabel(a.severity));
  Fact(j, "Rule", a.rule_id);
  if (!a.items.empty()) Fact(j, "Source", SourceName(a.items.front()));
  std::string terms = MatchedTermsList(a);
  if (!terms.empty()) Fact(j, "Matched", terms);
  j.w().EndArray();
  j.w().EndObject();
  j.w().EndArray();
  if (!a.items.empty() && !a.items.front().link.empty()) {
    j.StartObject("selectAction");
    j.Str("type", "Action.OpenUrl");
    j.Str("url", a.items.front().link);
    j.w().EndObject();
  }
  j.w().EndObject();
}

}  // namespace

std::string RenderPayload(const Message& message) {
  JsonOut j;
  j.w().StartObject();
  j.Str("type", "message");
  j.StartArray("attachments");
  j.w().StartObject();
  j.Str("contentType", "application/vnd.microsoft.card.adaptive");
  j.Key("contentUrl");
  j.w().Null();
  j.StartObject("content");
  j.Str("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
  j.Str("type", "AdaptiveCard");
  j.Str("version", "1.4");
  j.StartArray("body");
  TextBlock(j, MessageHeadline(message), "Large", "Bolder");
  size_t shown = 0;
  for (const Alert& a : message.alerts) {
    if (shown == kMaxAlerts) break;
    AlertElements(j, a);
    ++shown;
  }
  if (message.alerts.size() > shown) {
    TextBlock(j, "and " + std::to_string(message.alerts.size() - shown) + " more alerts", nullptr,
              nullptr, true);
  }
  j.w().EndArray();
  j.StartObject("msteams");
  j.Str("width", "Full");
  j.w().EndObject();
  j.w().EndObject();
  j.w().EndObject();
  j.w().EndArray();
  j.w().EndObject();
  return j.Take();
}

}  // namespace mineral::notify::teams
