#include "notify/format.h"

#include <algorithm>

namespace mineral::notify {

std::string TruncateUtf8(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  constexpr std::string_view kEllipsis = "\xE2\x80\xA6";
  if (max_bytes < kEllipsis.size()) return "";
  size_t cut = max_bytes - kEllipsis.size();
  // Back up over continuation bytes (10xxxxxx) so a character is never split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  std::string out(text.substr(0, cut));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out += kEllipsis;
  return out;
}

std::string MatchedTermsList(const Alert& alert) {
  std::vector<std::string> seen;
  for (const MatchEvidence& e : alert.evidence) {
    // Concept terms ("mineral:gallium") read as their name.
    size_t colon = e.term.find(':');
    std::string term = colon == std::string::npos ? e.term : e.term.substr(colon + 1);
    if (std::find(seen.begin(), seen.end(), term) == seen.end()) seen.push_back(term);
  }
  std::string out;
  for (const std::string& t : seen) {
    if (!out.empty()) out += ", ";
    out += t;
  }
  return out;
}

const std::string& SourceName(const AlertItem& item) {
  return item.origin.empty() ? item.feed : item.origin;
}

std::vector<std::string> SourceFeeds(const Alert& alert) {
  std::vector<std::string> feeds;
  for (const AlertItem& item : alert.items) {
    if (std::find(feeds.begin(), feeds.end(), item.feed) == feeds.end()) {
      feeds.push_back(item.feed);
    }
  }
  return feeds;
}

std::string EscapeMarkup(std::string_view text, bool quotes) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (quotes && c == '"') {
      out += "&quot;";
    } else if (quotes && c == '\'') {
      out += "&#39;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string SeverityLabel(std::string_view severity) {
  std::string out(severity.empty() ? "info" : severity);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string MessageHeadline(const Message& message) {
  if (message.alerts.empty()) return "";
  const Alert& first = message.alerts.front();
  std::string title = first.items.empty() ? first.rule_id : first.items.front().title;
  if (message.alerts.size() == 1) {
    return "[" + SeverityLabel(first.severity) + "] " + (first.amended ? "Amended: " : "") + title;
  }
  return std::to_string(message.alerts.size()) + " alerts (" +
         SeverityLabel(HighestSeverity(message)) + "): " + title + ", +" +
         std::to_string(message.alerts.size() - 1) + " more";
}

std::string WhyItMatched(const Alert& alert) {
  std::vector<std::string> fields;
  for (const MatchEvidence& e : alert.evidence) {
    if (std::find(fields.begin(), fields.end(), e.field) == fields.end()) {
      fields.push_back(e.field);
    }
  }
  std::string where;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) where += i + 1 == fields.size() ? " and " : ", ";
    where += fields[i];
  }
  std::string terms = MatchedTermsList(alert);
  std::string out = "Rule " + alert.rule_id;
  if (terms.empty()) return out + " matched.";
  out += " matched " + terms;
  if (!where.empty()) out += " in the " + where;
  return out + ".";
}

}  // namespace mineral::notify
