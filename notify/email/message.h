// The email a message becomes: an RFC 5322 message, MIME (RFC 2045-2049),
// UTF-8 throughout.  Pure: the caller passes the time, and every other part
// (Message-ID, MIME boundary) derives from the message id, so a retry sends
// the same message and the recipient's mail system can drop a repeat by its
// Message-ID.
//
//   Date, From, To, Subject (RFC 2047 encoded-words when not ASCII),
//   Message-ID <id@from-domain>, Auto-Submitted: auto-generated (RFC 3834),
//   multipart/alternative: text/plain, then text/html (title linked, matched
//   terms highlighted with <mark>, source, rule, severity, why it matched);
//   both parts base64 (any UTF-8, any line length, survives every relay).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/time.h"
#include "notify/alert.h"
#include "notify/receiver_templates.h"

namespace mineral::notify::email {

struct Envelope {
  std::string from;             // "mineral-alertd <alerts@example.com>"
  std::vector<std::string> to;  // "ops@example.com", "Jane <jane@example.com>"
};

struct RenderedEmail {
  std::string subject;  // as read (UTF-8, not encoded)
  std::string text;     // the plain-text part, UTF-8, LF line ends
  std::string html;     // the HTML part
};

// Subject and both bodies of `message` (pure): the built-in layout, or the
// receiver's subject, text and HTML templates where set.  A subject is one
// line: line breaks and tabs from a template become spaces, and it is cut
// to 200 bytes.
RenderedEmail RenderEmail(const Message& message, const ReceiverTemplates& templates = {});

// The whole message, CRLF line ends, ready for SMTP DATA.
std::string BuildMessage(const Envelope& envelope, const RenderedEmail& rendered,
                         const std::string& message_id, UtcTime date);

// "Wed, 26 Nov 2025 12:00:00 +0000" (RFC 5322 section 3.3, in UTC).
std::string FormatRfc5322Date(UtcTime t);

// `text` as-is when printable ASCII, else RFC 2047 "B" encoded-words of at
// most 75 characters, never splitting a UTF-8 character, joined by CRLF SP
// (folding).
std::string EncodeHeaderValue(std::string_view text);

// The bare address of "Name <addr>" (or the whole trimmed string).
std::string BareAddress(std::string_view mailbox);

// HTML-escaped `text` with the byte ranges [offset, offset+length) wrapped in
// <mark>; ranges out of bounds, overlapping or cutting a UTF-8 character are
// skipped.
std::string HighlightHtml(std::string_view text, std::vector<std::pair<size_t, size_t>> ranges);

std::string EscapeHtml(std::string_view text);

}  // namespace mineral::notify::email
