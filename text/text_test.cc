#include "text/text.h"

#include <utf8proc.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "text/run_scan.h"

namespace mineral::text {
namespace {

struct Case {
  std::string_view input;
  std::string_view expected;
};

TEST_CASE("LookupHtmlEntity finds HTML5 names", "[text]") {
  const Case cases[] = {
      {"nbsp", "\u00a0"},
      {"eacute", "\u00e9"},
      {"amp", "&"},
      {"AMP", "&"},
      {"lt", "<"},
      {"quot", "\""},
      {"rsquo", "\u2019"},
      {"hellip", "\u2026"},
      {"mdash", "\u2014"},
      {"euro", "\u20ac"},
      {"AElig", "\u00c6"},
      {"zwnj", "\u200c"},
      {"fjlig", "fj"},
      {"NotEqualTilde", "\u2242\u0338"},
      {"CounterClockwiseContourIntegral", "\u2233"},  // the longest name
      {"Aacute", "\u00c1"},
      {"aacute", "\u00e1"},
      {"zwj", "\u200d"},
      {"gt", ">"},
      {"GT", ">"},
  };
  for (const Case& c : cases) {
    INFO(c.input);
    CHECK(LookupHtmlEntity(c.input) == c.expected);
  }
}

TEST_CASE("LookupHtmlEntity returns empty for unknown names", "[text]") {
  for (std::string_view name : {"", "a", "nbsp;", "NBSP", "Nbsp", "unknown", "amp ", "&amp", "x",
                                "zzzzzz", "CounterClockwiseContourIntegralX"}) {
    INFO(name);
    CHECK(LookupHtmlEntity(name).empty());
  }
}

TEST_CASE("LookupHtmlEntity finds every name of the table, and only those", "[text]") {
  struct Entry {
    std::string_view name;
    std::string_view value;
    bool legacy;
  };
  static constexpr Entry kTable[] = {
#include "text/html_entities.inc"
  };
  for (const Entry& e : kTable) {
    INFO(e.name);
    REQUIRE(LookupHtmlEntity(e.name) == e.value);
    REQUIRE(LookupLegacyHtmlEntity(e.name) == (e.legacy ? e.value : std::string_view()));
    // One byte more, one byte less, or another case: another name or none.
    const std::string longer = std::string(e.name) + "x";
    const std::string_view shorter = e.name.substr(0, e.name.size() - 1);
    for (const std::string_view other : {std::string_view(longer), shorter}) {
      const auto same = [&](const Entry& x) { return x.name == other; };
      if (std::none_of(std::begin(kTable), std::end(kTable), same)) {
        REQUIRE(LookupHtmlEntity(other).empty());
      }
    }
  }
}

TEST_CASE("LookupLegacyHtmlEntity knows which names work without ';'", "[text]") {
  CHECK(LookupLegacyHtmlEntity("amp") == "&");
  CHECK(LookupLegacyHtmlEntity("copy") == "\u00a9");
  CHECK(LookupLegacyHtmlEntity("nbsp") == "\u00a0");
  CHECK(LookupLegacyHtmlEntity("yuml") == "\u00ff");
  CHECK(LookupLegacyHtmlEntity("hellip").empty());
  CHECK(LookupLegacyHtmlEntity("rsquo").empty());
  CHECK(LookupLegacyHtmlEntity("bogus").empty());
}

TEST_CASE("DecodeHtmlEntities", "[text]") {
  // Expectations agree with Python's html.unescape, which follows the HTML
  // Standard, except where noted.
  const Case cases[] = {
      {"", ""},
      {"plain text", "plain text"},
      {"&nbsp;", "\u00a0"},
      {"caf&eacute;", "caf\u00e9"},
      {"AT&amp;T", "AT&T"},
      {"AT&ampT", "AT&T"},
      {"&amp", "&"},
      {"Tom &amp Jerry", "Tom & Jerry"},
      {"don&#8217;t", "don\u2019t"},
      {"don&#x2019;t", "don\u2019t"},
      {"don&#X2019;t", "don\u2019t"},
      {"2010&#150;2020", "2010\u20132020"},
      {"&#128;5", "\u20ac5"},
      {"&#146;", "\u2019"},
      {"&#x9F;", "\u0178"},
      {"a&#0;b", "a\uFFFDb"},
      {"&#xD800;", "\uFFFD"},
      {"&#xDFFF;", "\uFFFD"},
      {"&#x110000;", "\uFFFD"},
      {"&#99999999999;", "\uFFFD"},
      {"&#x10FFFF;", "\U0010FFFF"},
      {"&#128512;", "\U0001F600"},
      {"&#39s", "'s"},
      {"&#39", "'"},
      {"&#39 x", "' x"},
      {"&#x27;s", "'s"},
      {"&#65&#66;", "AB"},
      {"&#x41g", "Ag"},
      {"&notit;", "\u00acit;"},
      {"&notin;", "\u2209"},
      {"&notin", "\u00acin"},
      {"&copy2024", "\u00a92024"},
      {"&copy;2024", "\u00a92024"},
      {"&hellip", "&hellip"},
      {"&hellip;", "\u2026"},
      {"&unknown;", "&unknown;"},
      {"&;", "&;"},
      {"&#;", "&#;"},
      {"&#x;", "&#x;"},
      {"&#xg;", "&#xg;"},
      {"& b", "& b"},
      {"&", "&"},
      {"&&amp;&", "&&&"},
      {"&AMP;", "&"},
      {"&NotEqualTilde;", "\u2242\u0338"},
      {"&fjlig;", "fj"},
      {"&#9;", "\t"},
      {"&#10;", "\n"},
      // Python keeps these; we drop what SanitizeUtf8 would remove anyway.
      {"a&#1;b", "ab"},
      {"a&#x7f;b", "ab"},
      {"a&#129;b", "ab"},
      {"&amp;lt;", "&lt;"},  // decoded once only
      {"\u00e9&eacute;", "\u00e9\u00e9"},
  };
  for (const Case& c : cases) {
    INFO(c.input);
    CHECK(DecodeHtmlEntities(c.input) == c.expected);
  }
}

TEST_CASE("HtmlToText", "[text]") {
  const Case cases[] = {
      {"", ""},
      {"   ", ""},
      {"plain", "plain"},
      {"<p>Hello</p><p>world</p>", "Hello world"},
      {"<b>rare</b><i>earth</i>", "rareearth"},  // inline tags join
      {"line one<br>line two<br/>line three<br />end", "line one line two line three end"},
      {"<ul><li>one<ul><li>nested</li></ul></li><li>two</li></ul>", "one nested two"},
      {"<ol><li>a<li>b</ol>", "a b"},
      {"<table><tr><td>Li</td><td>12.5</td></tr><tr><th>Co</th></tr></table>", "Li 12.5 Co"},
      {"<h1>Title</h1>Body", "Title Body"},
      {"<div><p>unclosed <b>bold <i>italic", "unclosed bold italic"},
      {"a < b and c > d", "a < b and c > d"},
      {"1<2", "1<2"},
      {"x <= y", "x <= y"},
      {"trailing <", "trailing <"},
      {"trailing </", "trailing </"},
      {"&lt;b&gt;not a tag&lt;/b&gt;", "<b>not a tag</b>"},
      {"&amp;lt;b&amp;gt;", "&lt;b&gt;"},
      {"<a href=\"x>y\" title='a>b'>link</a> text", "link text"},
      {"<a title=\"unterminated>text", ""},  // a tag cut off by the end is dropped
      {"<img src=x alt=\"chart\">Prices", "Prices"},
      // Dropped elements are display:none, so they separate nothing.
      {"before<script>var a = '<p>'; if (a < b) {}</script>after", "beforeafter"},
      {"before <SCRIPT type=\"text/javascript\">x()</ScRiPt > after", "before after"},
      {"a<style>p { color: red; }</style>b", "ab"},
      {"<noscript><img src=pixel></noscript>text", "text"},
      {"<script src=x.js />kept", "kept"},
      {"text<script>never closed", "text"},
      {"a<!-- comment <p>with tags</p> -->b", "ab"},
      {"a<!---->b<!-->c<!--->d", "abcd"},
      {"a<!-- unclosed comment", "a"},
      {"a<!-- x --!>b", "ab"},
      {"<![CDATA[<b>raw</b> &amp;]]> after", "<b>raw</b> &amp; after"},
      {"<![CDATA[unclosed", "unclosed"},
      {"<!DOCTYPE html><html><head><title>T</title><style>x</style></head>"
       "<body><p>Body</p></body></html>",
       "Body"},
      {"<head><meta charset=utf-8>no end", "no end"},
      {"<?xml version=\"1.0\"?><p>x</p>", "x"},
      {"a</>b", "ab"},
      {"a</ 3>b", "ab"},
      {"caf&eacute; &amp; cr&egrave;me", "caf\u00e9 & cr\u00e8me"},
      {"testing &nbsp; entity", "testing \u00a0 entity"},
      {"x&#32;&#32;y", "x y"},
      {"  lots \n\t of \r\n  space  ", "lots of space"},
      {"<p>\n  Copper\n</p>\n<p>\n  prices\n</p>", "Copper prices"},
      {"<pre>  keep\n  words  </pre>", "keep words"},
      {"<p class=\"x\"data-a='1' / >y", "y"},
      {"<a\nhref=\"u\"\n>multi-line tag</a>", "multi-line tag"},
      {"<P>UPPER</P>", "UPPER"},
      {"<custom-element>x</custom-element>y", "xy"},
      {"<veryveryverylongtagname>x", "x"},
      {"<p>\u7a00\u571f\u51fa\u53e3</p>", "\u7a00\u571f\u51fa\u53e3"},
  };
  for (const Case& c : cases) {
    INFO(c.input);
    CHECK(HtmlToText(c.input) == c.expected);
  }
}

TEST_CASE("HtmlToText on real feed descriptions", "[text]") {
  SECTION("Mining.com WordPress footer") {
    const std::string_view html =
        "<p>China&#8217;s export controls on rare earths tightened on Thursday, "
        "with licences now required for seven elements.</p>\n"
        "<p>The post <a href=\"https://www.mining.com/china-rare-earths/\" "
        "rel=\"nofollow\">China tightens rare earth controls</a> appeared first on "
        "<a href=\"https://www.mining.com\" rel=\"nofollow\">MINING.COM</a>.</p>\n";
    CHECK(HtmlToText(html) ==
          "China\u2019s export controls on rare earths tightened on Thursday, with licences now "
          "required for seven elements. The post China tightens rare earth controls appeared "
          "first on MINING.COM.");
  }
  SECTION("figure with caption and tracking pixel") {
    const std::string_view html =
        "<figure class=\"wp-block-image\"><img decoding=\"async\" width=\"900\" "
        "src=\"https://example.com/a.jpg\" alt=\"Lithium mine\" /><figcaption>Greenbushes "
        "mine. Credit: Talison</figcaption></figure><p>Lithium&nbsp;prices fell 4%&hellip;</p>"
        "<img src=\"https://feeds.feedburner.com/~r/x/~4/y\" height=\"1\" width=\"1\" alt=\"\"/>";
    CHECK(HtmlToText(html) ==
          "Greenbushes mine. Credit: Talison Lithium\u00a0prices fell 4%\u2026");
  }
  SECTION("Google Alerts style") {
    const std::string_view html =
        "Reuters: <b>Gallium</b> and <b>germanium</b> export &quot;ban&quot; to "
        "US&nbsp;...";
    CHECK(HtmlToText(html) == "Reuters: Gallium and germanium export \"ban\" to US\u00a0...");
  }
  SECTION("embedded tweet with script") {
    const std::string_view html =
        "<blockquote class=\"twitter-tweet\"><p lang=\"en\" dir=\"ltr\">Cobalt up 10%"
        "</p>&mdash; Analyst (@a) <a href=\"https://t.co/x\">May 1, 2024</a></blockquote>"
        "<script async src=\"https://platform.twitter.com/widgets.js\" charset=\"utf-8\">"
        "</script>";
    CHECK(HtmlToText(html) == "Cobalt up 10% \u2014 Analyst (@a) May 1, 2024");
  }
}

std::string RandomBytes(std::mt19937& rng, size_t max_size, std::string_view alphabet) {
  std::uniform_int_distribution<size_t> size_dist(0, max_size);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string s(size_dist(rng), '\0');
  for (char& c : s) c = alphabet[pick(rng)];
  return s;
}

TEST_CASE("HtmlToText survives random markup", "[text]") {
  // A cheap stand-in for the fuzzer: markup-heavy random input must neither
  // crash (the sanitizers watch) nor hang, and the output is always collapsed.
  std::mt19937 rng(20240501);
  constexpr std::string_view kAlphabet =
      "<<<>>>&&&;;#x/!-- \"'=abpscriptylehdCDATA[]]\n\t\xC3\xA9\xFF"
      "0129";
  for (int i = 0; i < 20000; ++i) {
    const std::string html = RandomBytes(rng, 64, kAlphabet);
    const std::string text = HtmlToText(html);
    INFO(html);
    REQUIRE(text.size() <= html.size() * 4);
    REQUIRE(text == CollapseWhitespace(text));
  }
}

// `s` in a heap block of its exact size, so AddressSanitizer sees any read
// past it.
struct ExactCopy {
  explicit ExactCopy(std::string_view s) : bytes(new char[s.size()]), size(s.size()) {
    std::memcpy(bytes.get(), s.data(), s.size());
  }
  std::string_view view() const { return std::string_view(bytes.get(), size); }
  std::unique_ptr<char[]> bytes;
  size_t size;
};

TEST_CASE("HtmlToText agrees with its reference at every truncation", "[text]") {
  // The fast paths (tag names read 16 bytes at a time, quoted values searched
  // 16 at a time) against the byte loops, on every prefix and suffix of markup
  // that puts each kind of tag at every distance from the end of the input.
  static constexpr char kWithNul[] =
      "<p\x01><p\v>x</p\f><div\0x>y</div><di\xC3\xA9v>z</di\xC3\xA9v><template>t</template>"
      "<noscript/>n<a title=x\"y>w</a><a \"q>r\">s</a><iframe src=\"a\"></iframe>";
  const std::string_view samples[] = {
      "<p>Germany said <a href=\"https://x.example/a?b=1&amp;c=2\" rel=\"nofollow\">the "
      "decision</a> was <STRONG>consistent</STRONG>.</p><p>Tokyo &mdash; 32%</p>",
      "<figure class=\"wp-block-image\"><img decoding=\"async\" width=\"900\" "
      "src='https://example.com/a.jpg' alt=\"Lithium > mine\" /><figcaption>Greenbushes"
      "</figcaption></figure><Br/><br /><hr\t/><LI\n>x</li\r>",
      "<blockquote class=twitter-tweet><p lang=en dir=ltr>Cobalt</p></blockquote>"
      "<script async src=\"https://platform.twitter.com/widgets.js\">if(a<b&&c){}</script>"
      "<STYLE type=text/css>p{}</STYLE>tail",
      "<abcdefghijkl>12</abcdefghijkl><abcdefghijklm>13</abcdefghijklm><figcaptionx>y"
      "<blockquote2>z</blockquote2><h1>h</h1 ><h7>h7</h7><a =x title=\"q>\" b==\"c\">d</a>",
      std::string_view(kWithNul, sizeof kWithNul - 1),
  };
  for (const std::string_view sample : samples) {
    for (size_t cut = 0; cut <= sample.size(); ++cut) {
      for (const std::string_view part : {sample.substr(0, cut), sample.substr(cut)}) {
        const ExactCopy html(part);
        INFO("html: [" << part << "]");
        REQUIRE(HtmlToText(html.view()) == HtmlToTextWithoutFastPaths(html.view()));
      }
    }
  }
}

TEST_CASE("HtmlToText agrees with its reference on random markup", "[text]") {
  // Tag names of every length around the 12 bytes a name may have to count,
  // in any case, ended by each byte that ends a name (and some that do not),
  // with quoted and unquoted attributes.
  std::mt19937 rng(20261127);
  const std::string_view names[] = {"p",
                                    "P",
                                    "a",
                                    "br",
                                    "li",
                                    "h2",
                                    "img",
                                    "div",
                                    "span",
                                    "strong",
                                    "td",
                                    "figcaption",
                                    "blockquote",
                                    "script",
                                    "STYLE",
                                    "head",
                                    "template",
                                    "abcdefghijk",
                                    "abcdefghijkl",
                                    "abcdefghijklm",
                                    "abcdefghijklmnop",
                                    "abcdefghijklmnopq"};
  const std::string_view after_name[] = {">",        " ",  "/",  "/>",
                                         "\t",       "\n", "\v", "\f",
                                         "\r",       "=",  "\"", std::string_view("\0", 1),
                                         "\xC3\xA9", "x",  ""};
  const std::string_view pieces[] = {" href=\"https://a.example/x?y=1\"",
                                     " rel='nofollow'",
                                     " title=\"a > b\"",
                                     " alt=x",
                                     " = ",
                                     "\"",
                                     "'",
                                     ">",
                                     "/",
                                     " ",
                                     "text ",
                                     "&amp;",
                                     "<",
                                     "</",
                                     "\n"};
  std::uniform_int_distribution<size_t> pick_name(0, std::size(names) - 1);
  std::uniform_int_distribution<size_t> pick_after(0, std::size(after_name) - 1);
  std::uniform_int_distribution<size_t> pick_piece(0, std::size(pieces) - 1);
  std::uniform_int_distribution<int> count(0, 12);
  for (int round = 0; round < 20000; ++round) {
    std::string html;
    for (int k = count(rng); k > 0; --k) {
      switch (k % 3) {
        case 0:
          html += "<";
          break;
        case 1:
          html += "</";
          break;
        default:
          html += pieces[pick_piece(rng)];
          continue;
      }
      html += names[pick_name(rng)];
      html += after_name[pick_after(rng)];
      for (int a = count(rng) % 4; a > 0; --a) html += pieces[pick_piece(rng)];
    }
    const ExactCopy exact(html);
    INFO("html: [" << html << "]");
    REQUIRE(HtmlToText(exact.view()) == HtmlToTextWithoutFastPaths(exact.view()));
  }
}

TEST_CASE("HtmlToText keeps what kept_size says of the text", "[text]") {
  const std::string_view html = "<p>One  two</p><p>three &amp; four</p>";
  REQUIRE(HtmlToText(html) == "One two three & four");
  CHECK(HtmlToText(html, [](std::string_view text) { return text.size(); }) == HtmlToText(html));
  CHECK(HtmlToText(html, [](std::string_view text) { return text.find(" three"); }) == "One two");
  CHECK(HtmlToText(html, [](std::string_view) { return size_t{0}; }).empty());
  CHECK(HtmlToText(html, [](std::string_view) { return size_t{1000}; }) == HtmlToText(html));
  CHECK(HtmlToText("", [](std::string_view text) { return text.size(); }).empty());
}

TEST_CASE("HtmlToText is linear on hostile repetitions", "[text]") {
  // Each would take minutes if some construct rescanned the rest of the input.
  for (std::string_view unit : {"<head>", "<template>", "<script>", "<!--", "<![CDATA[", "<a ",
                                "<a title=\"", "&", "&amp", "&#", "</", "<!x", "<p>x"}) {
    std::string html;
    for (int i = 0; i < 100000; ++i) html += unit;
    INFO(unit);
    CHECK(HtmlToText(html).size() <= html.size());
  }
}

// The instruction sets the run scanners can use on this CPU, weakest first.
std::vector<internal::Isa> SupportedIsas() {
  std::vector<internal::Isa> isas;
  for (const internal::Isa isa :
       {internal::Isa::kPortable, internal::Isa::kSse2, internal::Isa::kAvx2}) {
    if (isa <= internal::BestIsa()) isas.push_back(isa);
  }
  return isas;
}

// Makes the run scanners use one instruction set, and the best again after.
struct IsaScope {
  explicit IsaScope(internal::Isa isa) { internal::UseIsaForTesting(isa); }
  ~IsaScope() { internal::UseIsaForTesting(internal::BestIsa()); }
};

// CollapseWhitespace's definition, written another way: the words between
// ASCII whitespace, joined by single spaces.  What the fast paths of
// CollapseWhitespace and HtmlToText (16 bytes at a time) must agree with.
std::string ReferenceCollapse(std::string_view s) {
  constexpr std::string_view kSpace = " \t\n\r\f\v";
  std::string out;
  for (size_t word = s.find_first_not_of(kSpace); word != std::string_view::npos;) {
    const size_t end = std::min(s.find_first_of(kSpace, word), s.size());
    if (!out.empty()) out += ' ';
    out.append(s.substr(word, end - word));
    word = s.find_first_not_of(kSpace, end);
  }
  return out;
}

TEST_CASE("CollapseWhitespace and HtmlToText agree with the reference at every offset", "[text]") {
  // Each piece lands at every offset of the 16- and 32-byte blocks the run
  // scanners read (with each instruction set this CPU has), and in the tail
  // they read through a padded copy; the fillers put single spaces and
  // multi-byte UTF-8 next to it.  The input sits in a heap block of its exact
  // size, so AddressSanitizer sees any read past it.
  const std::string_view fillers[] = {
      "abcdefghij klmnopqrst uvwxyz ABCDEFGHIJKLMN opq rstuvwxyz 0123456789",
      "\u7a00\u571f \u51fa\u53e3\u7ba1\u5236 caf\u00e9 cr\u00e8me \u00e9\u00e9 x\u2003y z",
  };
  struct Piece {
    std::string_view html;
    std::string_view text;  // what HtmlToText makes of it, before collapsing
  };
  const Piece pieces[] = {
      {"", ""},
      {" ", " "},
      {"  ", "  "},
      {"\t", "\t"},
      {"\n", "\n"},
      {" \n ", " \n "},
      {"\r\n", "\r\n"},
      {"\f", "\f"},
      {"\v", "\v"},
      {"\u00e9", "\u00e9"},
      {"\u7a00", "\u7a00"},
      {"\u00a0", "\u00a0"},
      {"<b>", ""},
      {" <b> ", "  "},
      {"<p>", " "},
      {"</P>", " "},
      {"<br/>", " "},
      {"&amp;", "&"},
      {" &amp; ", " & "},
      {"&#32;", " "},
      {"&#10;&#10;", "\n\n"},
      {"&nbsp;", "\u00a0"},
      {"&eacute;", "\u00e9"},
      {"< ", "< "},
      {" < ", " < "},
      {"& ", "& "},
      {"<!-- c -->", ""},
      {"<![CDATA[ x  y ]]>", " x  y "},
      {"<script>a  b</script>", ""},
  };
  for (const internal::Isa isa : SupportedIsas()) {
    const IsaScope scope(isa);
    for (const std::string_view filler : fillers) {
      for (size_t before = 0; before <= 40 && before <= filler.size(); ++before) {
        for (size_t after : {size_t{0}, size_t{1}, size_t{2}, size_t{15}, size_t{16}, size_t{17},
                             size_t{31}, size_t{32}, size_t{33}, size_t{65}}) {
          for (const Piece& piece : pieces) {
            // Cut the fillers at byte offsets: a cut through a UTF-8 sequence
            // is fine, both sides pass invalid bytes through.
            const std::string prefix(filler.substr(0, before));
            const std::string suffix(filler.substr(0, std::min(after, filler.size())));
            const std::string html = prefix + std::string(piece.html) + suffix;
            const std::string text = prefix + std::string(piece.text) + suffix;
            INFO("html: [" << html << "], ISA " << static_cast<int>(isa));
            const std::unique_ptr<char[]> exact(new char[html.size()]);
            std::memcpy(exact.get(), html.data(), html.size());
            const std::string_view exact_html(exact.get(), html.size());
            REQUIRE(HtmlToText(exact_html) == ReferenceCollapse(text));
            if (piece.html == piece.text) {
              REQUIRE(CollapseWhitespace(exact_html) == ReferenceCollapse(html));
              std::string in_place = html;
              CollapseWhitespaceInPlace(in_place);
              REQUIRE(in_place == ReferenceCollapse(html));
            }
          }
        }
      }
    }
  }
}

TEST_CASE("IsCollapsedWhitespace agrees with the reference", "[text]") {
  // Every string of up to five bytes over an alphabet of the bytes that
  // matter and their neighbours, then random ones of up to 70 bytes: the
  // check reads words and 16-byte blocks that overlap, at every length.
  constexpr std::string_view kAlphabet = " \ta\n\v\f\r\x08\x0e\x80\xa0";
  std::string s;
  const auto check = [&] {
    INFO("[" << s << "]");
    REQUIRE(IsCollapsedWhitespace(s) == (ReferenceCollapse(s) == s));
  };
  for (size_t size = 0; size <= 5; ++size) {
    std::vector<size_t> digits(size, 0);
    for (;;) {
      s.clear();
      for (size_t d : digits) s += kAlphabet[d];
      check();
      size_t k = 0;
      while (k < size && ++digits[k] == kAlphabet.size()) digits[k++] = 0;
      if (k == size) break;
    }
  }
  std::mt19937 rng(11);
  for (int i = 0; i < 100000; ++i) {
    // Mostly letters and single spaces, so that most are collapsed and one
    // stray byte decides.
    const size_t size = rng() % 71;
    s.assign(size, 'a');
    for (size_t k = 1; k + 1 < size; k += 2 + rng() % 6) s[k] = ' ';
    if (size > 0 && rng() % 2) s[rng() % size] = kAlphabet[rng() % kAlphabet.size()];
    check();
  }
}

TEST_CASE("CollapseWhitespace agrees with the reference on random whitespace", "[text]") {
  std::mt19937 rng(7);
  constexpr std::string_view kAlphabet = "  \t\n\r\f\vab\xC3\xA9<&";
  for (int i = 0; i < 20000; ++i) {
    const std::string s = RandomBytes(rng, 80, kAlphabet);
    INFO(s);
    REQUIRE(CollapseWhitespace(s) == ReferenceCollapse(s));
    std::string in_place = s;
    CollapseWhitespaceInPlace(in_place);
    REQUIRE(in_place == ReferenceCollapse(s));
  }
}

// The words of `list`, separated by single spaces.
std::vector<std::string> Words(std::string_view list) {
  std::vector<std::string> words;
  for (size_t at = 0; at < list.size();) {
    const size_t space = std::min(list.find(' ', at), list.size());
    words.emplace_back(list.substr(at, space - at));
    at = space + 1;
  }
  return words;
}

TEST_CASE("HtmlToText knows each block and dropped element, in any case", "[text]") {
  for (const std::string& name : Words(
           "address article aside blockquote body br caption center dd details dialog dir div dl "
           "dt fieldset figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 header hgroup hr "
           "html legend li main menu nav ol optgroup option p pre section summary table tbody td "
           "textarea tfoot th thead title tr ul FIGCAPTION Br TD")) {
    const std::string& n = name;
    INFO(n);
    CHECK(HtmlToText("a<" + n + ">b") == "a b");
    CHECK(HtmlToText("a</" + n + ">b") == "a b");
    CHECK(HtmlToText("a<" + n + " class=x>b") == "a b");
  }
  // Inline, unknown, and names that only begin or end like a block one.
  for (std::string_view name : {"b", "i", "a", "span", "h", "h7", "h0", "pp", "bodyx", "tablex",
                                "xdiv", "d", "t", "figcaptions", "blockquote2", "ulx", "abbr"}) {
    const std::string n(name);
    INFO(n);
    CHECK(HtmlToText("a<" + n + ">b") == "ab");
    CHECK(HtmlToText("a</" + n + ">b") == "ab");
  }
  for (std::string_view name : {"head", "iframe", "noembed", "noframes", "noscript", "script",
                                "style", "template", "SCRIPT", "Style"}) {
    const std::string n(name);
    INFO(n);
    CHECK(HtmlToText("a<" + n + ">x y</" + n + ">b") == "ab");
  }
  // A NUL inside a name makes another name, not a shorter one.
  CHECK(HtmlToText(std::string("a<p\0>b", 6)) == "ab");
}

TEST_CASE("EscapeHtml", "[text]") {
  const Case cases[] = {
      {"", ""},
      {"plain", "plain"},
      {"a < b & c > \"d\"", "a &lt; b &amp; c &gt; &quot;d&quot;"},
      {"it's", "it's"},
      {"&amp;", "&amp;amp;"},
  };
  for (const Case& c : cases) {
    INFO(c.input);
    CHECK(EscapeHtml(c.input) == c.expected);
    CHECK(DecodeHtmlEntities(EscapeHtml(c.input)) == c.input);
  }
}

TEST_CASE("EscapeHtml escapes each character at every offset, into a string of its size",
          "[text]") {
  // The count of what escaping adds (16 bytes at a time) against a byte loop.
  const auto reference = [](std::string_view text) {
    std::string out;
    for (const char c : text) {
      out += c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '"' ? "&quot;" : "";
      if (c != '&' && c != '<' && c != '>' && c != '"') out += c;
    }
    return out;
  };
  const std::string filler = "abcdefghijklmnopqrstuvwxyz0123456789 \u00e9\u7a00 ABCDEFGHIJ";
  for (const std::string_view special : {"", "&", "<", ">", "\"", "<&>\"\"", "'"}) {
    for (size_t before = 0; before <= 40; ++before) {
      for (size_t after : {0, 1, 15, 16, 17, 33}) {
        const std::string input =
            filler.substr(0, before) + std::string(special) + filler.substr(0, after);
        const ExactCopy exact(input);
        INFO(input);
        const std::string escaped = EscapeHtml(exact.view());
        REQUIRE(escaped == reference(input));
        REQUIRE(escaped.capacity() == std::max<size_t>(escaped.size(), 15));
      }
    }
  }
}

TEST_CASE("CollapseWhitespace folds ASCII whitespace only", "[text]") {
  const Case cases[] = {
      {"", ""},
      {" \t\n\r\f\v ", ""},
      {"a", "a"},
      {"  a  b  ", "a b"},
      {"a\t\tb\nc\r\nd\fe\vf", "a b c d e f"},
      {"testing \u00a0 entity", "testing \u00a0 entity"},
      {"\u00a0a\u00a0", "\u00a0a\u00a0"},
      {"a\u3000b", "a\u3000b"},
      {"already collapsed", "already collapsed"},
      {"a ", "a"},
      {" a", "a"},
      {"a  b", "a b"},
      {"a \tb", "a b"},
      {"a\tb", "a b"},
  };
  for (const Case& c : cases) {
    INFO(c.input);
    CHECK(CollapseWhitespace(c.input) == c.expected);
    std::string in_place(c.input);
    CollapseWhitespaceInPlace(in_place);
    CHECK(in_place == c.expected);
  }
}

TEST_CASE("NormalizeForMatching", "[text]") {
  const Case cases[] = {
      {"", ""},
      {"Rare Earths", "rare earths"},
      {"\uff32are  EARTHS", "rare earths"},  // fullwidth R
      {"Stra\u00dfe", "strasse"},
      {"\u7a00\u571f\u51fa\u53e3\u7ba1\u5236", "\u7a00\u571f\u51fa\u53e3\u7ba1\u5236"},
      {"\ud76c\ud1a0\ub958", "\ud76c\ud1a0\ub958"},  // Hangul syllables stay composed
      {"  Lithium\u00a0\u00a0prices\u3000up ", "lithium prices up"},
      {"a\u2028b\u2029c\u0085d\u1680e", "a b c d e"},
      {"cafe\u0301", "caf\u00e9"},  // composed
      {"CAF\u00c9", "caf\u00e9"},
      {"\u2163", "iv"},      // Roman numeral four, a compatibility character
      {"\ufb01ne", "fine"},  // fi ligature
      {"H\u2082O", "h2o"},
      {"China\u2019s", "china's"},
      {"rare\u2010earth", "rare-earth"},
      {"soft\u00adhyphen", "softhyphen"},
      {"zero\u200bwidth", "zerowidth"},
      {"\u039a\u039f\u0392\u0391\u039b\u03a4\u0399\u039f",
       "\u03ba\u03bf\u03b2\u03b1\u03bb\u03c4\u03b9\u03bf"},
      {"a\x01"
       "b\tc",
       "ab c"},
      {"A\x0b"
       "B",
       "ab"},
      {"bad\xff"
       "byte",
       "bad\uFFFDbyte"},
      {"\xc3", "\uFFFD"},
      {"Ni\u00d1O", "ni\u00f1o"},
      // Segment edges around the characters that skip utf8proc.
      {"E\u0301", "\u00e9"},
      {"\u7a00E\u0301x", "\u7a00\u00e9x"},
      {"\u7a00\u0301", "\u7a00\u0301"},
      {"\u7a00\ufe00\u571f", "\u7a00\u571f"},  // variation selector ignored
      {"A\u0323\u0302B",
       "\u1ead"
       "b"},                             // reordered, then composed
      {"\u212a", "k"},                   // Kelvin sign
      {"\u30ab\u3099", "\u30ac"},        // kana + voiced mark
      {"\uff76\uff9e", "\u30ac"},        // halfwidth kana
      {"\u1100\u1161\u11a8", "\uac01"},  // jamo compose to a syllable
      {"\uac00\u11a8", "\uac01"},
      {"\u2f00\uf900", "\u4e00\u8c48"},  // radical, compatibility ideograph
      {"x\u00a0\u00a0\u7a00 \u00a0", "x \u7a00"},
      {"\u0130", "i\u0307"},
  };
  for (const Case& c : cases) {
    INFO(c.input);
    CHECK(NormalizeForMatching(c.input) == c.expected);
  }
}

TEST_CASE("NormalizeForMatching's ASCII fast path agrees with utf8proc", "[text]") {
  // Appending a non-ASCII letter sends the same text through utf8proc.
  std::mt19937 rng(7);
  constexpr std::string_view kAlphabet = "aZ09 \t\n\r\x0b\x0c\x01\x7f-'.,;:!?~^`@_|";
  for (int i = 0; i < 2000; ++i) {
    const std::string ascii = RandomBytes(rng, 24, kAlphabet);
    const std::string fast = NormalizeForMatching(ascii);
    std::string slow = NormalizeForMatching(ascii + "\u00e9");
    REQUIRE(slow.ends_with("\u00e9"));
    slow.resize(slow.size() - 2);
    if (slow.ends_with(' ')) slow.pop_back();
    INFO(ascii);
    REQUIRE(fast == slow);
  }
}

std::string Utf8(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

std::string Utf8proc(const std::string& text) {
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t length = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t*>(text.data()), text.size(), &mapped,
      static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                                     UTF8PROC_CASEFOLD | UTF8PROC_IGNORE | UTF8PROC_STRIPCC |
                                     UTF8PROC_LUMP));
  REQUIRE(length >= 0);
  std::string out(reinterpret_cast<const char*>(mapped), length);
  std::free(mapped);
  return out;
}

TEST_CASE("NormalizeForMatching's shortcuts agree with utf8proc", "[text]") {
  // The BMP characters NormalizeForMatching folds without utf8proc, alone and
  // between other text, must come out as utf8proc folds them.
  const std::pair<char32_t, char32_t> ranges[] = {
      {0x20, 0x7E},     {0xA0, 0xA0},     {0xC0, 0xFF},     {0xFF01, 0xFF5E},
      {0x4E00, 0x9FFF}, {0x3400, 0x4DBF}, {0x3041, 0x3096}, {0x30A1, 0x30FA},
      {0xAC00, 0xD7A3}, {0x3001, 0x3002}, {0x2010, 0x2027}, {0x20AC, 0x20AC},
  };
  size_t mismatches = 0;
  for (const auto& [first, last] : ranges) {
    for (char32_t cp = first; cp <= last; ++cp) {
      if (cp == ' ') continue;
      const std::string text = "\u03a9" + Utf8(cp) + "x" + Utf8(cp) + "\u0301";
      const std::string expected = Utf8proc(text);
      if (NormalizeForMatching(text) != expected) {
        ++mismatches;
        UNSCOPED_INFO("U+" << std::hex << static_cast<uint32_t>(cp));
      }
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("IsValidUtf8 is strict", "[text]") {
  const std::string_view valid[] = {
      "",           "ascii only, long enough for the eight-byte path",
      "\u00e9",     "\u0800",
      "\ud7ff",     "\ue000",
      "\uffff",     "\U00010000",
      "\U0010FFFF", "mixed \u7a00\u571f and \U0001F600 text",
  };
  for (std::string_view s : valid) {
    INFO(s);
    CHECK(IsValidUtf8(s));
  }
  const std::string_view invalid[] = {
      "\x80",
      "\xbf",
      "\xc0\x80",          // overlong NUL
      "\xc1\xbf",          // overlong
      "\xe0\x80\xaf",      // overlong '/'
      "\xe0\x9f\xbf",      // overlong
      "\xed\xa0\x80",      // U+D800
      "\xed\xbf\xbf",      // U+DFFF
      "\xf0\x8f\xbf\xbf",  // overlong
      "\xf4\x90\x80\x80",  // U+110000
      "\xf5\x80\x80\x80",
      "\xff",
      "\xc3",          // truncated
      "\xe2\x82",      // truncated
      "abcdefgh\xe9",  // Latin-1 after the fast path
      "caf\xe9 au lait",
  };
  for (std::string_view s : invalid) {
    INFO(s);
    CHECK_FALSE(IsValidUtf8(s));
  }
}

TEST_CASE("IsValidUtf8 finds a sequence at every offset of the 32-byte blocks", "[text]") {
  // The ASCII scan jumps to the first byte of 0x80 or more in a block: each
  // sequence is put at every offset across three blocks, alone, cut off at
  // the end of the input, and followed by more text.
  const std::string_view valid[] = {"\u00e9", "\u2019", "\u7a00", "\U0001F600", "\u00a0\u00a0"};
  const std::string_view invalid[] = {"\x80",         "\xc3",         "\xe2\x82",
                                      "\xed\xa0\x80", "\xf0\x9f\x98", "\xe9 "};
  for (size_t offset = 0; offset < 100; ++offset) {
    const std::string before(offset, 'a');
    for (std::string_view seq : valid) {
      INFO("offset " << offset << ": " << EscapeControls(seq));
      CHECK(IsValidUtf8(before + std::string(seq)));
      CHECK(IsValidUtf8(before + std::string(seq) + std::string(40, 'b')));
      // Cut off inside the sequence: invalid wherever the cut falls.
      for (size_t cut = 1; cut < seq.size(); ++cut) {
        if (seq == "\u00a0\u00a0" && cut == 2) continue;  // between two whole sequences
        CHECK_FALSE(IsValidUtf8(before + std::string(seq.substr(0, cut))));
      }
    }
    for (std::string_view seq : invalid) {
      INFO("offset " << offset << ": " << EscapeControls(seq));
      CHECK_FALSE(IsValidUtf8(before + std::string(seq)));
      CHECK_FALSE(IsValidUtf8(before + std::string(seq) + std::string(40, 'b')));
    }
  }
}

TEST_CASE("IsValidUtf8 reads nothing past the end of its input", "[text]") {
  // Each input in a heap block of exactly its size, so AddressSanitizer (the
  // asan-ubsan preset, the fuzz build) sees a read of the byte after it: a
  // std::string would hide one behind its terminating NUL.  ASCII of every
  // length across three 32-byte blocks, then the same ending in a sequence.
  // fuzz_text found the read after a last whole block of ASCII.
  for (size_t len = 1; len <= 100; ++len) {
    for (std::string_view tail : {"", "\u00e9", "\u7a00"}) {
      const std::string text = std::string(len, 'a') + std::string(tail);
      const auto exact = std::make_unique<char[]>(text.size());
      std::memcpy(exact.get(), text.data(), text.size());
      INFO(len << " bytes of ASCII, then " << tail.size());
      CHECK(IsValidUtf8(std::string_view(exact.get(), text.size())));
    }
  }
}

TEST_CASE("IsValidUtf8 agrees with DecodeUtf8Char on every sequence of up to three bytes",
          "[text]") {
  // The fast paths (ASCII blocks, C2-DF and E1-EC/EE-EF sequences) against
  // the decoder, with the sequence alone, after ASCII, and before more text.
  std::string s;
  const auto reference = [](std::string_view t) {
    for (size_t i = 0; i < t.size();) {
      const Utf8Char ch = DecodeUtf8Char(t.substr(i));
      if (!ch.valid) return false;
      i += static_cast<size_t>(ch.length);
    }
    return true;
  };
  const auto check = [&](std::string_view seq) {
    for (const std::string& t :
         {std::string(seq), "abc" + std::string(seq), std::string(seq) + "\u7a00x",
          std::string(40, 'a') + std::string(seq) + std::string(40, 'b')}) {
      if (IsValidUtf8(t) != reference(t)) {
        FAIL_CHECK("disagree on " << t.size() << " bytes: " << EscapeControls(t));
        return false;
      }
    }
    return true;
  };
  for (int a = 0x80; a <= 0xFF; ++a) {
    for (int b = 0; b <= 0xFF; ++b) {
      const char two[] = {static_cast<char>(a), static_cast<char>(b)};
      REQUIRE(check(std::string_view(two, 2)));
      if (a < 0xE0 || a > 0xEF) continue;
      for (int c = 0x70; c <= 0xCF; ++c) {  // around the continuation range 80-BF
        const char three[] = {static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)};
        REQUIRE(check(std::string_view(three, 3)));
      }
    }
  }
}

TEST_CASE("SanitizeUtf8 replaces maximal subparts and drops controls", "[text]") {
  const Case cases[] = {
      {"", ""},
      {"clean \u00e9 text", "clean \u00e9 text"},
      {"caf\xe9", "caf\uFFFD"},
      {"\xc3(", "\uFFFD("},
      {"\xe2\x82(", "\uFFFD("},  // one U+FFFD for the truncated sequence
      {"\xf0\x9f\x98", "\uFFFD"},
      {"\xc0\x80", "\uFFFD\uFFFD"},  // C0 is never valid, 80 on its own
      {"\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD"},
      {"\xf4\x90\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD"},
      {"\x80\x80", "\uFFFD\uFFFD"},
      {std::string_view("a\0b", 3), "ab"},
      {"tab\tnl\ncr\r", "tab\tnl\ncr\r"},
      {"bell\x07 esc\x1b ff\x0c vt\x0b", "bell esc ff vt"},
      {"del\x7f", "del\x7f"},
  };
  for (const Case& c : cases) {
    INFO(c.input);
    CHECK(SanitizeUtf8(c.input) == c.expected);
    CHECK(IsValidUtf8(SanitizeUtf8(c.input)));
  }
  CHECK(ReplaceInvalidUtf8(std::string_view("a\0\x07\xff", 4)) ==
        std::string_view("a\0\x07\uFFFD", 6));
}

TEST_CASE("DecodeUtf8Char", "[text]") {
  Utf8Char c = DecodeUtf8Char("A");
  CHECK((c.code_point == U'A' && c.length == 1 && c.valid));
  c = DecodeUtf8Char("\u00e9x");
  CHECK((c.code_point == 0xE9 && c.length == 2 && c.valid));
  c = DecodeUtf8Char("\U0001F600");
  CHECK((c.code_point == 0x1F600 && c.length == 4 && c.valid));
  c = DecodeUtf8Char("\xf0\x9f\x98x");
  CHECK((c.code_point == 0xFFFD && c.length == 3 && !c.valid));
  c = DecodeUtf8Char("\xe0\x80");
  CHECK((c.code_point == 0xFFFD && c.length == 1 && !c.valid));
}

TEST_CASE("Text helpers never produce invalid UTF-8 from valid input", "[text]") {
  std::mt19937 rng(99);
  const std::vector<std::string_view> pieces = {
      "<p>",    "</p>",       "&amp;",     "&#150;", "&#xD800;", "&eacute", "\u00e9",
      "\u7a00", " ",          "<br/>",     "<!--",   "-->",      "&",       "<",
      ">",      "\U0001F600", "&#128512;", "text",   "\u00a0"};
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  for (int i = 0; i < 5000; ++i) {
    std::string html;
    for (int k = 0; k < 12; ++k) html += pieces[pick(rng)];
    INFO(html);
    REQUIRE(IsValidUtf8(HtmlToText(html)));
    REQUIRE(IsValidUtf8(DecodeHtmlEntities(html)));
    REQUIRE(IsValidUtf8(NormalizeForMatching(html)));
  }
}

TEST_CASE("EscapeControls: one line, no control character, for messages", "[text]") {
  CHECK(EscapeControls("expected 'true', saw 't\n'") == "expected 'true', saw 't\\n'");
  CHECK(EscapeControls("a\tb\rc\x1b[31md\x7f") == "a\\tb\\rc\\x1B[31md\\x7F");
  CHECK(EscapeControls(std::string("nul\0!", 5)) == "nul\\x00!");
  // Everything else, backslashes and UTF-8 included, is left as it is.
  CHECK(EscapeControls("C:\\dir — ключ") == "C:\\dir — ключ");
  CHECK(EscapeControls("") == "");
}

TEST_CASE("LineOf: one line of a text, without its line break", "[text]") {
  const std::string_view text = "first\r\nsecond\n\nfourth";
  CHECK(LineOf(text, 1) == "first");
  CHECK(LineOf(text, 2) == "second");
  CHECK(LineOf(text, 3) == "");
  CHECK(LineOf(text, 4) == "fourth");
  CHECK(LineOf(text, 5) == "");  // past the end
  CHECK(LineOf("", 1) == "");
  CHECK(LineOf("ends\n", 2) == "");
}

TEST_CASE("PointAt: a caret under a code point, tabs kept", "[text]") {
  CHECK(PointAt("when = 'mineral:galium'", 9) == "when = 'mineral:galium'\n        ^");
  CHECK(PointAt("x", 1) == "x\n^");
  // Columns count code points, not bytes: 镓 is three bytes, one column.
  CHECK(PointAt("镓 galium", 3) == "镓 galium\n  ^");
  // A tab stays a tab, so the caret lines up whatever the tab width.
  CHECK(PointAt("\tid = 1", 3) == "\tid = 1\n\t ^");
  // A column past the end of the line (an error at the line break).
  CHECK(PointAt("ab", 4) == "ab\n   ^");
  CHECK(PointAt("", 1) == "\n^");
}

}  // namespace
}  // namespace mineral::text
