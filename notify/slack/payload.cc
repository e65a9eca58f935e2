#include "notify/slack/payload.h"

#include "notify/format.h"
#include "model/json_out.h"

namespace mineral::notify::slack {
namespace {

constexpr size_t kMaxAlerts = 15;  // 3 blocks each + header + overflow line <= 50
constexpr size_t kHeaderBytes = 150;
constexpr size_t kSectionBytes = 3000;
constexpr size_t kSummaryBytes = 600;

void TextObject(JsonOut& j, std::string_view key, const char* type, std::string_view text) {
  j.StartObject(key);
  j.Str("type", type);
  j.Str("text", text);
  j.w().EndObject();
}

void AlertBlocks(JsonOut& j, const Alert& a) {
  const AlertItem* item = a.items.empty() ? nullptr : &a.items.front();
  std::string text;
  if (item != nullptr) {
    std::string title = EscapeMrkdwn(item->title);
    text = item->link.empty() ? "*" + title + "*" : "*<" + item->link + "|" + title + ">*";
    if (a.amended) text = "_Amended_ " + text;
    if (!item->summary.empty()) {
      text += "\n" + EscapeMrkdwn(TruncateUtf8(item->summary, kSummaryBytes));
    }
  }
  j.w().StartObject();
  j.Str("type", "section");
  TextObject(j, "text", "mrkdwn", TruncateUtf8(text, kSectionBytes));
  j.w().EndObject();

  std::string context = "*" + SeverityLabel(a.severity) + "* \xC2\xB7 rule `" + a.rule_id + "`";
  if (item != nullptr) context += " \xC2\xB7 " + EscapeMrkdwn(SourceName(*item));
  if (a.items.size() > 1) context += " (+" + std::to_string(a.items.size() - 1) + " sources)";
  std::string terms = MatchedTermsList(a);
  if (!terms.empty()) context += " \xC2\xB7 matched: " + EscapeMrkdwn(terms);
  j.w().StartObject();
  j.Str("type", "context");
  j.StartArray("elements");
  j.w().StartObject();
  j.Str("type", "mrkdwn");
  j.Str("text", TruncateUtf8(context, kSectionBytes));
  j.w().EndObject();
  j.w().EndArray();
  j.w().EndObject();

  j.w().StartObject();
  j.Str("type", "divider");
  j.w().EndObject();
}

}  // namespace

std::string EscapeMrkdwn(std::string_view text) { return EscapeMarkup(text, false); }

std::string RenderPayload(const Message& message) {
  JsonOut j;
  std::string headline = MessageHeadline(message);
  j.w().StartObject();
  j.Str("text", EscapeMrkdwn(TruncateUtf8(headline, kSectionBytes)));
  j.StartArray("blocks");
  j.w().StartObject();
  j.Str("type", "header");
  TextObject(j, "text", "plain_text", TruncateUtf8(headline, kHeaderBytes));
  j.w().EndObject();
  size_t shown = 0;
  for (const Alert& a : message.alerts) {
    if (shown == kMaxAlerts) break;
    AlertBlocks(j, a);
    ++shown;
  }
  if (message.alerts.size() > shown) {
    j.w().StartObject();
    j.Str("type", "section");
    TextObject(j, "text", "mrkdwn",
               "_and " + std::to_string(message.alerts.size() - shown) + " more alerts_");
    j.w().EndObject();
  }
  j.w().EndArray();
  j.w().EndObject();
  return j.Take();
}

}  // namespace mineral::notify::slack
