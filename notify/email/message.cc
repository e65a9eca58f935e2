#include "notify/email/message.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "notify/format.h"
#include "notify/webhook/signature.h"

namespace mineral::notify::email {
namespace {

bool IsPrintableAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
  });
}

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Base64 in lines of 76 characters (RFC 2045 section 6.8), CRLF.
std::string Base64Lines(std::string_view bytes) {
  std::string encoded = webhook::Base64Encode(bytes);
  std::string out;
  for (size_t i = 0; i < encoded.size(); i += 76) {
    out.append(encoded, i, 76);
    out += "\r\n";
  }
  return out;
}

std::string FormatUtc(const std::optional<UtcTime>& t) {
  if (!t) return "";
  std::string s = FormatRfc3339(*t);  // 2025-11-26T11:15:00Z
  return s.substr(0, 10) + " " + s.substr(11, 5) + " UTC";
}

std::vector<std::pair<size_t, size_t>> Ranges(const Alert& a, std::string_view field) {
  std::vector<std::pair<size_t, size_t>> out;
  for (const MatchEvidence& e : a.evidence) {
    if (e.field == field) out.emplace_back(e.offset, e.length);
  }
  return out;
}

std::string SourceLine(const AlertItem& item) {
  std::string line = SourceName(item);
  if (!item.origin.empty()) line += " (via " + item.feed + ")";
  if (item.published) line += ", published " + FormatUtc(item.published);
  return line;
}

void TextAlert(std::string& out, const Alert& a) {
  const AlertItem* first = a.items.empty() ? nullptr : &a.items.front();
  out += "[" + SeverityLabel(a.severity) + "] ";
  if (a.amended) out += "Amended: ";
  out += (first ? first->title : a.rule_id) + "\n";
  if (first && !first->link.empty()) out += first->link + "\n";
  out += "\n";
  if (first) out += "Source:   " + SourceLine(*first) + "\n";
  out += "Rule:     " + a.rule_id + "\n";
  out += "Severity: " + a.severity + "\n";
  if (!a.doc_number.empty()) out += "Document: " + a.doc_number + "\n";
  out += "Why:      " + WhyItMatched(a) + "\n";
  if (first && !first->summary.empty()) out += "\n" + first->summary + "\n";
  if (a.items.size() > 1) {
    out += "\nAlso reported by:\n";
    for (size_t i = 1; i < a.items.size(); ++i) {
      const AlertItem& item = a.items[i];
      out += "- " + SourceName(item) + ": " + item.title;
      if (!item.link.empty()) out += " <" + item.link + ">";
      out += "\n";
    }
  }
}

std::string Link(const std::string& url, const std::string& inner_html) {
  if (url.empty()) return inner_html;
  return "<a href=\"" + EscapeHtml(url) + "\">" + inner_html + "</a>";
}

void HtmlAlert(std::string& out, const Alert& a) {
  const AlertItem* first = a.items.empty() ? nullptr : &a.items.front();
  static const char* kColors[] = {"#1976d2", "#f9a825", "#d32f2f"};
  const char* color = a.severity == "critical"  ? kColors[2]
                      : a.severity == "warning" ? kColors[1]
                                                : kColors[0];
  out += "<div style=\"border-left:4px solid ";
  out += color;
  out += ";padding:4px 12px;margin:16px 0\">\n";
  out += "<p style=\"margin:0;color:";
  out += color;
  out += ";font-weight:bold\">" + SeverityLabel(a.severity) +
         (a.amended ? " \xC2\xB7 amended" : "") + "</p>\n";
  std::string title =
      first ? HighlightHtml(first->title, Ranges(a, "title")) : EscapeHtml(a.rule_id);
  out += "<h2 style=\"margin:4px 0\">" + (first ? Link(first->link, title) : title) + "</h2>\n";
  out += "<table style=\"border-collapse:collapse\">\n";
  auto row = [&out](const char* name, const std::string& value_html) {
    out += "<tr><td style=\"color:#666;padding-right:12px\">";
    out += name;
    out += "</td><td>" + value_html + "</td></tr>\n";
  };
  if (first) row("Source", EscapeHtml(SourceLine(*first)));
  row("Rule", "<code>" + EscapeHtml(a.rule_id) + "</code>");
  row("Severity", EscapeHtml(a.severity));
  if (!a.doc_number.empty()) row("Document", EscapeHtml(a.doc_number));
  row("Why", EscapeHtml(WhyItMatched(a)));
  out += "</table>\n";
  if (first && !first->summary.empty()) {
    out += "<p>" + HighlightHtml(first->summary, Ranges(a, "summary")) + "</p>\n";
  }
  if (a.items.size() > 1) {
    out += "<p>Also reported by:</p>\n<ul>\n";
    for (size_t i = 1; i < a.items.size(); ++i) {
      const AlertItem& item = a.items[i];
      out += "<li>" + EscapeHtml(SourceName(item)) + ": " +
             Link(item.link, EscapeHtml(item.title)) + "</li>\n";
    }
    out += "</ul>\n";
  }
  out += "</div>\n";
}

}  // namespace

std::string EscapeHtml(std::string_view text) { return EscapeMarkup(text, true); }

std::string HighlightHtml(std::string_view text, std::vector<std::pair<size_t, size_t>> ranges) {
  std::sort(ranges.begin(), ranges.end());
  std::string out;
  size_t pos = 0;
  for (auto [offset, length] : ranges) {
    size_t end = offset + length;
    if (length == 0 || offset < pos || end > text.size()) continue;
    if (IsContinuation(text[offset]) || (end < text.size() && IsContinuation(text[end]))) continue;
    out += EscapeHtml(text.substr(pos, offset - pos));
    out += "<mark>" + EscapeHtml(text.substr(offset, length)) + "</mark>";
    pos = end;
  }
  out += EscapeHtml(text.substr(pos));
  return out;
}

namespace {

// The built-in layout.
RenderedEmail BuiltInEmail(const Message& message) {
  RenderedEmail r;
  r.subject = TruncateUtf8(MessageHeadline(message), 200);
  std::string text;
  std::string html =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n"
      "<body style=\"font-family:sans-serif;max-width:720px\">\n";
  if (message.alerts.size() > 1) {
    text += std::to_string(message.alerts.size()) + " alerts\n\n";
    html += "<p>" + std::to_string(message.alerts.size()) + " alerts</p>\n";
  }
  for (size_t i = 0; i < message.alerts.size(); ++i) {
    if (i > 0) text += "\n----------------------------------------\n\n";
    TextAlert(text, message.alerts[i]);
    HtmlAlert(html, message.alerts[i]);
  }
  const char* footer = "Sent by mineral-alertd to receiver ";
  text += "\n-- \n" + std::string(footer) + message.receiver + ".\n";
  html += "<p style=\"color:#888;font-size:small\">" + std::string(footer) +
          EscapeHtml(message.receiver) + ".</p>\n</body></html>\n";
  r.text = std::move(text);
  r.html = std::move(html);
  return r;
}

// One header line: a template may write line breaks, which must never reach
// the header (they would start another).
std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  }
  size_t start = text.find_first_not_of(' ');
  size_t end = text.find_last_not_of(' ');
  return start == std::string::npos ? "" : text.substr(start, end - start + 1);
}

}  // namespace

RenderedEmail RenderEmail(const Message& message, const ReceiverTemplates& templates) {
  RenderedEmail r = BuiltInEmail(message);
  if (templates.subject) {
    r.subject = TruncateUtf8(
        OneLine(RenderMessageTemplate(*templates.subject, message, TemplateUse::kText)), 200);
  }
  if (templates.text) r.text = RenderMessageTemplate(*templates.text, message, TemplateUse::kText);
  if (templates.html) r.html = RenderMessageTemplate(*templates.html, message, TemplateUse::kHtml);
  return r;
}

std::string FormatRfc5322Date(UtcTime t) {
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto days = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd(days);
  std::chrono::hh_mm_ss hms(t - days);
  std::chrono::weekday wd(days);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d +0000", kDays[wd.c_encoding()],
                static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1],
                static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string EncodeHeaderValue(std::string_view text) {
  if (IsPrintableAscii(text)) return std::string(text);
  // RFC 2047 section 2: an encoded-word is at most 75 characters;
  // "=?UTF-8?B?" + "?=" take 12, leaving 63 for base64 (47 bytes of UTF-8).
  constexpr size_t kMaxBytes = 45;
  std::string out;
  size_t pos = 0;
  bool first = true;
  while (pos < text.size()) {
    size_t end = std::min(pos + kMaxBytes, text.size());
    while (end < text.size() && end > pos && IsContinuation(text[end])) --end;
    if (!first) out += "\r\n ";
    out += "=?UTF-8?B?" + webhook::Base64Encode(text.substr(pos, end - pos)) + "?=";
    first = false;
    pos = end;
  }
  return out;
}

std::string BareAddress(std::string_view mailbox) {
  size_t lt = mailbox.rfind('<');
  size_t gt = mailbox.rfind('>');
  if (lt != std::string_view::npos && gt != std::string_view::npos && gt > lt) {
    return std::string(mailbox.substr(lt + 1, gt - lt - 1));
  }
  while (!mailbox.empty() && mailbox.front() == ' ') mailbox.remove_prefix(1);
  while (!mailbox.empty() && mailbox.back() == ' ') mailbox.remove_suffix(1);
  return std::string(mailbox);
}

namespace {

// A mailbox with its display name encoded when not ASCII.
std::string EncodeMailbox(std::string_view mailbox) {
  size_t lt = mailbox.rfind('<');
  if (lt == std::string_view::npos || lt == 0 || IsPrintableAscii(mailbox)) {
    return std::string(mailbox);
  }
  std::string_view name = mailbox.substr(0, lt);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  return EncodeHeaderValue(name) + " " + std::string(mailbox.substr(lt));
}

std::string Domain(std::string_view mailbox) {
  std::string address = BareAddress(mailbox);
  size_t at = address.rfind('@');
  return at == std::string::npos ? "localhost" : address.substr(at + 1);
}

}  // namespace

std::string BuildMessage(const Envelope& envelope, const RenderedEmail& rendered,
                         const std::string& message_id, UtcTime date) {
  // The boundary must not occur in the parts: they are base64, whose
  // alphabet has no '=' run followed by '_' as here.
  std::string boundary = "=_mineral_" + message_id;
  std::string to;
  for (const std::string& r : envelope.to) {
    if (!to.empty()) to += ",\r\n ";
    to += EncodeMailbox(r);
  }
  std::string m;
  m += "Date: " + FormatRfc5322Date(date) + "\r\n";
  m += "From: " + EncodeMailbox(envelope.from) + "\r\n";
  m += "To: " + to + "\r\n";
  m += "Subject: " + EncodeHeaderValue(rendered.subject) + "\r\n";
  m += "Message-ID: <" + message_id + "@" + Domain(envelope.from) + ">\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n";
  m += "\r\n";
  m += "This is a MIME message with a text and an HTML part.\r\n";
  m += "\r\n--" + boundary + "\r\n";
  m += "Content-Type: text/plain; charset=UTF-8\r\n";
  m += "Content-Transfer-Encoding: base64\r\n\r\n";
  m += Base64Lines(rendered.text);
  m += "\r\n--" + boundary + "\r\n";
  m += "Content-Type: text/html; charset=UTF-8\r\n";
  m += "Content-Transfer-Encoding: base64\r\n\r\n";
  m += Base64Lines(rendered.html);
  m += "\r\n--" + boundary + "--\r\n";
  return m;
}

}  // namespace mineral::notify::email
