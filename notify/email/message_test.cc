#include "notify/email/message.h"

#include <catch2/catch.hpp>

#include "notify/sample.h"
#include "tests/testkit/smtp_test_server.h"

namespace mineral::notify::email {
namespace {

UtcTime At(int64_t s) { return UtcTime(std::chrono::seconds(s)); }

TEST_CASE("RFC 5322 dates", "[email]") {
  CHECK(FormatRfc5322Date(At(1764158400)) == "Wed, 26 Nov 2025 12:00:00 +0000");
  CHECK(FormatRfc5322Date(At(0)) == "Thu, 01 Jan 1970 00:00:00 +0000");
}

TEST_CASE("subjects are RFC 2047 encoded when not ASCII, never splitting a character", "[email]") {
  CHECK(EncodeHeaderValue("Plain subject") == "Plain subject");
  std::string subject =
      "[CRITICAL] \xE5\x95\x86\xE5\x8A\xA1\xE9\x83\xA8\xE5\x85\xAC\xE5\x91\x8A "
      "gallium \xE2\x80\x93 a long subject that needs more than one word";
  std::string encoded = EncodeHeaderValue(subject);
  CHECK(encoded.starts_with("=?UTF-8?B?"));
  size_t start = 0;
  while (start < encoded.size()) {
    size_t end = encoded.find("\r\n ", start);
    std::string word = encoded.substr(start, end == std::string::npos ? end : end - start);
    CHECK(word.size() <= 75);
    CHECK(word.ends_with("?="));
    start = end == std::string::npos ? encoded.size() : end + 3;
  }
  CHECK(testkit::DecodeEncodedWords(encoded) == subject);
}

TEST_CASE("addresses", "[email]") {
  CHECK(BareAddress("mineral-alertd <alerts@example.com>") == "alerts@example.com");
  CHECK(BareAddress(" ops@example.com ") == "ops@example.com");
}

TEST_CASE("matched terms are highlighted, HTML escaped, bad ranges skipped", "[email]") {
  CHECK(HighlightHtml("a <gallium> & b", {{3, 7}}) == "a &lt;<mark>gallium</mark>&gt; &amp; b");
  CHECK(HighlightHtml("gallium germanium", {{8, 9}, {0, 7}, {3, 2}, {40, 2}}) ==
        "<mark>gallium</mark> <mark>germanium</mark>");
  // An offset inside a multi-byte character is skipped.
  CHECK(HighlightHtml("\xE2\x80\x93x", {{1, 2}}) == "\xE2\x80\x93x");
}

TEST_CASE("the message is well-formed multipart/alternative with both parts", "[email]") {
  Message m = SingleAlertMessage("compliance-mail", SampleAlert());
  Envelope envelope{"mineral-alertd <alerts@example.com>",
                    {"compliance@example.com", "J\xC3\xB6rg <joerg@example.de>"}};
  std::string data = BuildMessage(envelope, RenderEmail(m), m.id, At(1764158412));
  testkit::ParsedMail mail = testkit::ParseMail(data);
  INFO(mail.problem);
  REQUIRE(mail.ok);
  CHECK(mail.headers["date"] == "Wed, 26 Nov 2025 12:00:12 +0000");
  CHECK(mail.headers["from"] == "mineral-alertd <alerts@example.com>");
  CHECK(testkit::DecodeEncodedWords(mail.headers["to"]) ==
        "compliance@example.com, J\xC3\xB6rg <joerg@example.de>");
  CHECK(mail.headers["message-id"] == "<7f3c2a9e41d05b68@example.com>");
  CHECK(mail.headers["mime-version"] == "1.0");
  CHECK(mail.headers["auto-submitted"] == "auto-generated");
  CHECK(testkit::DecodeEncodedWords(mail.headers["subject"]) ==
        "[CRITICAL] China tightens gallium & germanium export licences \xE2\x80\x93 MOFCOM");
  REQUIRE(mail.parts.size() == 2);
  CHECK(mail.parts[0].headers["content-type"] == "text/plain; charset=UTF-8");
  CHECK(mail.parts[1].headers["content-type"] == "text/html; charset=UTF-8");
  const std::string& text = mail.parts[0].body;
  CHECK(text.find("https://example.com/news/china-gallium?id=1&src=rss") != std::string::npos);
  CHECK(text.find("Source:   Reuters (via google-news), published 2025-11-26 11:15 UTC") !=
        std::string::npos);
  CHECK(text.find("Rule:     china-gallium-export-controls") != std::string::npos);
  CHECK(text.find("Why:      Rule china-gallium-export-controls matched gallium") !=
        std::string::npos);
  CHECK(text.find("\xE5\x95\x86\xE5\x8A\xA1\xE9\x83\xA8") != std::string::npos);  // other source
  const std::string& html = mail.parts[1].body;
  CHECK(html.find("<a href=\"https://example.com/news/china-gallium?id=1&amp;src=rss\">China "
                  "tightens <mark>gallium</mark> &amp; germanium <mark>export licences</mark>") !=
        std::string::npos);
  CHECK(html.find("<mark>gallium</mark> &lt;and&gt;") != std::string::npos);
  CHECK(html.find("<code>china-gallium-export-controls</code>") != std::string::npos);
  // Every line fits SMTP's limit.
  size_t pos = 0;
  while (pos < data.size()) {
    size_t end = data.find("\r\n", pos);
    REQUIRE(end != std::string::npos);
    CHECK(end - pos <= 998);
    pos = end + 2;
  }
}

TEST_CASE("the same message gives the same mail", "[email]") {
  Message m = SampleGroupMessage("r");
  Envelope envelope{"a@example.com", {"b@example.com"}};
  CHECK(BuildMessage(envelope, RenderEmail(m), m.id, At(1)) ==
        BuildMessage(envelope, RenderEmail(m), m.id, At(1)));
  CHECK(RenderEmail(m).subject.starts_with("2 alerts (CRITICAL): "));
}

}  // namespace
}  // namespace mineral::notify::email
