#include "notify/webhook/payload.h"

#include "model/json_out.h"
#include "notify/format.h"

namespace mineral::notify::webhook {
namespace {

void WriteItem(JsonOut& j, const AlertItem& item) {
  j.w().StartObject();
  j.Str("feed", item.feed);
  j.Str("title", item.title);
  j.StrOrNull("link", item.link);
  j.Str("source", SourceName(item));
  j.StrOrNull("origin", item.origin);
  j.Time("published", item.published);
  j.StrOrNull("language", item.language);
  j.Str("summary", item.summary);
  j.w().EndObject();
}

void WriteAlert(JsonOut& j, const Alert& a) {
  j.w().StartObject();
  j.Int("id", a.id);
  j.Str("idempotency_key", a.idempotency_key);
  j.Str("rule", a.rule_id);
  j.Str("severity", a.severity);
  j.Strings("labels", a.labels);
  j.Bool("amended", a.amended);
  j.StrOrNull("doc_number", a.doc_number);
  j.Time("created_at", a.created_at);
  j.StartArray("matched_terms");
  for (const MatchEvidence& e : a.evidence) {
    j.w().StartObject();
    j.Str("term", e.term);
    j.Str("field", e.field);
    j.Int("offset", static_cast<int64_t>(e.offset));
    j.Int("length", static_cast<int64_t>(e.length));
    j.w().EndObject();
  }
  j.w().EndArray();
  j.Str("why", WhyItMatched(a));
  j.StartArray("items");
  for (const AlertItem& item : a.items) WriteItem(j, item);
  j.w().EndArray();
  j.Strings("sources", SourceFeeds(a));
  j.w().EndObject();
}

// Room for the payload: its strings and about 512 bytes of keys, times and
// terms per alert, so that the buffer is allocated once (grown by halves
// from 256 bytes it was copied four times for a 1 KB payload).
size_t PayloadCapacity(const Message& message) {
  size_t bytes = 256 + message.id.size() + message.receiver.size();
  for (const Alert& a : message.alerts) {
    bytes += 512 + 2 * a.idempotency_key.size() + a.rule_id.size() + 40 * a.evidence.size();
    for (const AlertItem& item : a.items) {
      bytes += 160 + item.feed.size() + item.title.size() + item.link.size() + item.origin.size() +
               item.summary.size();
    }
  }
  return bytes;
}

}  // namespace

std::string RenderPayload(const Message& message) {
  JsonOut j(PayloadCapacity(message));
  j.w().StartObject();
  j.Str("version", kPayloadVersion);
  j.Str("type", message.alerts.size() == 1 ? "alert" : "alert.group");
  j.Str("id", message.id);
  j.Str("receiver", message.receiver);
  j.StartArray("alerts");
  for (const Alert& a : message.alerts) WriteAlert(j, a);
  j.w().EndArray();
  j.w().EndObject();
  return j.Take();
}

std::string RenderAlertObject(const Alert& alert) {
  JsonOut j;
  WriteAlert(j, alert);
  return j.Take();
}

}  // namespace mineral::notify::webhook
