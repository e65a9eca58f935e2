#include "notify/discord/payload.h"

#include "notify/format.h"
#include "model/json_out.h"

namespace mineral::notify::discord {
namespace {

constexpr size_t kMaxEmbeds = 10;
constexpr size_t kTitleBytes = 256;
constexpr size_t kDescriptionBytes = 500;  // well under 4096: 10 embeds share 6000
constexpr size_t kFieldBytes = 200;

void Field(JsonOut& j, std::string_view name, std::string_view value, bool is_inline) {
  j.w().StartObject();
  j.Str("name", name);
  j.Str("value", TruncateUtf8(value, kFieldBytes));
  j.Bool("inline", is_inline);
  j.w().EndObject();
}

void Embed(JsonOut& j, const Alert& a) {
  j.w().StartObject();
  if (!a.items.empty()) {
    const AlertItem& item = a.items.front();
    j.Str("title", TruncateUtf8((a.amended ? "Amended: " : "") + item.title, kTitleBytes));
    if (!item.link.empty()) j.Str("url", item.link);
    if (!item.summary.empty()) j.Str("description", TruncateUtf8(item.summary, kDescriptionBytes));
    if (item.published) j.Time("timestamp", item.published);
  }
  j.Int("color", SeverityColor(a.severity));
  j.StartArray("fields");
  Field(j, "Severity", SeverityLabel(a.severity), true);
  Field(j, "Rule", a.rule_id, true);
  if (!a.items.empty()) {
    std::string source = SourceName(a.items.front());
    if (a.items.size() > 1) source += " (+" + std::to_string(a.items.size() - 1) + " sources)";
    Field(j, "Source", source, true);
  }
  std::string terms = MatchedTermsList(a);
  if (!terms.empty()) Field(j, "Matched", terms, false);
  j.w().EndArray();
  j.StartObject("footer");
  j.Str("text", "mineral-alertd");
  j.w().EndObject();
  j.w().EndObject();
}

}  // namespace

int SeverityColor(std::string_view severity) {
  if (severity == "critical") return 0xD32F2F;
  if (severity == "warning") return 0xF9A825;
  return 0x1976D2;
}

std::string RenderPayload(const Message& message) {
  JsonOut j;
  j.w().StartObject();
  std::string content = TruncateUtf8(MessageHeadline(message), 2000);
  if (message.alerts.size() > kMaxEmbeds) {
    content += " (" + std::to_string(message.alerts.size() - kMaxEmbeds) + " not shown)";
  }
  j.Str("content", content);
  j.StartArray("embeds");
  for (size_t i = 0; i < message.alerts.size() && i < kMaxEmbeds; ++i) Embed(j, message.alerts[i]);
  j.w().EndArray();
  j.StartObject("allowed_mentions");
  j.Strings("parse", {});
  j.w().EndObject();
  j.w().EndObject();
  return j.Take();
}

}  // namespace mineral::notify::discord
