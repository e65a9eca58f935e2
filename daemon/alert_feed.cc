#include "daemon/alert_feed.h"

#include "model/json_out.h"

namespace mineral::daemon {
namespace {

std::string XmlEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Why it matched, one line per piece of evidence: `"gallium" in title`.
std::string Explanation(const storage::AlertRecord& a) {
  std::string out = "Rule " + a.rule_id + " (" + a.severity + ")";
  if (a.kind == "amended") out += ", amended notice";
  out += ".";
  for (const MatchEvidence& e : a.evidence) out += "\nMatched " + e.term + " in " + e.field + ".";
  if (a.sources.size() > 1) {
    out += "\nAlso reported by:";
    for (size_t i = 1; i < a.sources.size(); ++i)
      out += "\n- " + a.sources[i].feed_id + ": " + a.sources[i].item.title;
  }
  return out;
}

const Item* FirstItem(const storage::AlertRecord& a) {
  return a.sources.empty() ? nullptr : &a.sources.front().item;
}

}  // namespace

std::string AlertTitle(const storage::AlertRecord& a) {
  const Item* item = FirstItem(a);
  std::string title = "[" + a.severity + "] " + a.rule_id;
  if (a.kind == "amended") title += " (amended)";
  if (item != nullptr) title += ": " + item->title;
  return title;
}

std::string RenderAlertsJsonFeed(const std::vector<storage::AlertRecord>& alerts,
                                 const std::string& self_url) {
  JsonOut out;
  out.w().StartObject();
  out.Str("version", "https://jsonfeed.org/version/1.1");
  out.Str("title", "mineral-alertd alerts");
  out.Str("feed_url", self_url);
  out.StartArray("items");
  for (const storage::AlertRecord& a : alerts) {
    const Item* item = FirstItem(a);
    out.w().StartObject();
    out.Str("id", "mineral-alertd:alert:" + std::to_string(a.id));
    out.Str("title", AlertTitle(a));
    if (item != nullptr && !item->link.empty()) out.Str("url", item->link);
    out.Str("content_text", Explanation(a));
    out.Str("date_published", FormatRfc3339(a.created_at));
    out.StartArray("tags");
    out.String(a.severity);
    for (const std::string& label : a.labels) out.String(label);
    out.w().EndArray();
    out.w().EndObject();
  }
  out.w().EndArray();
  out.w().EndObject();
  return out.Take();
}

std::string RenderAlertsAtom(const std::vector<storage::AlertRecord>& alerts,
                             const std::string& self_url, UtcTime updated) {
  std::string x = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  x += "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
  x += "  <title>mineral-alertd alerts</title>\n";
  x += "  <id>" + XmlEscape(self_url) + "</id>\n";
  x += "  <link rel=\"self\" href=\"" + XmlEscape(self_url) + "\"/>\n";
  x += "  <updated>" + FormatRfc3339(updated) + "</updated>\n";
  x += "  <author><name>mineral-alertd</name></author>\n";
  for (const storage::AlertRecord& a : alerts) {
    const Item* item = FirstItem(a);
    x += "  <entry>\n";
    x += "    <id>urn:mineral-alertd:alert:" + std::to_string(a.id) + "</id>\n";
    x += "    <title>" + XmlEscape(AlertTitle(a)) + "</title>\n";
    if (item != nullptr && !item->link.empty())
      x += "    <link href=\"" + XmlEscape(item->link) + "\"/>\n";
    x += "    <updated>" + FormatRfc3339(a.created_at) + "</updated>\n";
    x += "    <category term=\"" + XmlEscape(a.severity) + "\"/>\n";
    for (const std::string& label : a.labels)
      x += "    <category term=\"" + XmlEscape(label) + "\"/>\n";
    x += "    <summary>" + XmlEscape(Explanation(a)) + "</summary>\n";
    x += "  </entry>\n";
  }
  x += "</feed>\n";
  return x;
}

}  // namespace mineral::daemon
