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

namespace {

// Each distinct value once, in first-seen order (a handful per alert: a
// linear search beats hashing).  Views into the alert's evidence.
void AddOnce(std::vector<std::string_view>& seen, std::string_view value) {
  if (std::find(seen.begin(), seen.end(), value) == seen.end()) seen.push_back(value);
}

void AppendTermsList(const Alert& alert, std::string& out) {
  std::vector<std::string_view> seen;
  seen.reserve(alert.evidence.size());
  for (const MatchEvidence& e : alert.evidence) {
    // Concept terms ("mineral:gallium") read as their name.
    std::string_view term = e.term;
    const size_t colon = term.find(':');
    if (colon != std::string_view::npos) term.remove_prefix(colon + 1);
    AddOnce(seen, term);
  }
  for (size_t i = 0; i < seen.size(); ++i) {
    if (i > 0) out += ", ";
    out += seen[i];
  }
}

}  // namespace

std::string MatchedTermsList(const Alert& alert) {
  std::string out;
  AppendTermsList(alert, out);
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
  // One string built in place (every webhook payload has one).
  std::string out;
  out.reserve(64 + alert.rule_id.size() + 24 * alert.evidence.size());
  out += "Rule ";
  out += alert.rule_id;
  const size_t before_terms = out.size() + 9;  // after " matched "
  out += " matched ";
  AppendTermsList(alert, out);
  if (out.size() == before_terms) {  // no terms: "Rule x matched."
    out.resize(before_terms - 1);
    out += '.';
    return out;
  }
  std::vector<std::string_view> fields;
  fields.reserve(alert.evidence.size());
  for (const MatchEvidence& e : alert.evidence) AddOnce(fields, e.field);
  for (size_t i = 0; i < fields.size(); ++i) {
    out += i == 0 ? " in the " : i + 1 == fields.size() ? " and " : ", ";
    out += fields[i];
  }
  out += '.';
  return out;
}

}  // namespace mineral::notify
