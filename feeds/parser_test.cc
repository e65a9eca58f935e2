// Parse() end to end: the robustness list of the feeds issue, one case each,
// on inline documents small enough to read at a glance.
#include "feeds/parser.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "text/text.h"

namespace mineral::feeds {
namespace {

ParsedFeed MustParse(std::string_view doc, ParseOptions options = {}) {
  Result<ParsedFeed> r = Parse(doc, options);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::string Rss(std::string_view items, std::string_view channel_extra = "",
                std::string_view rss_attrs = "") {
  std::string doc = "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"";
  doc += rss_attrs;
  doc += "><channel><title>T</title><link>https://example.com/</link>";
  doc += channel_extra;
  doc += items;
  doc += "</channel></rss>";
  return doc;
}

std::string Time(const std::optional<UtcTime>& t) { return t ? FormatRfc3339(*t) : "(none)"; }

TEST_CASE("DetectFormat reads the bytes, not the content type") {
  CHECK(DetectFormat("<?xml version='1.0'?><!-- c --><rss/>") == FeedFormat::kRss);
  CHECK(DetectFormat("\xEF\xBB\xBF<rdf:RDF xmlns:rdf='x'/>") == FeedFormat::kRdf);
  CHECK(DetectFormat("  <feed xmlns='http://www.w3.org/2005/Atom'/>") == FeedFormat::kAtom);
  CHECK(DetectFormat("{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": []}") ==
        FeedFormat::kJsonFeed);
  CHECK(DetectFormat("{\"results\": []}") == FeedFormat::kJson);
  CHECK(DetectFormat("[1, 2]") == FeedFormat::kJson);
  CHECK(DetectFormat("<!DOCTYPE html><html><body>502</body></html>") == FeedFormat::kUnknown);
  CHECK(DetectFormat("") == FeedFormat::kUnknown);
}

TEST_CASE("Parse reads namespaced elements") {
  const std::string doc =
      Rss("<item><title>Gallium curbs</title>"
          "<link>https://example.com/a</link>"
          "<dc:creator>Jane Roe</dc:creator>"
          "<dc:date>2025-10-09T08:00:00+08:00</dc:date>"
          "<dc:identifier>MOFCOM-2025-61</dc:identifier>"
          "<description>Short</description>"
          "<content:encoded><![CDATA[<p>Full <b>story</b></p>]]></content:encoded>"
          "<media:content url='/img/ga.jpg' type='image/jpeg'/>"
          "</item>"
          "<item><title>Atom link only</title>"
          "<atom:link rel='alternate' href='https://example.com/b'/></item>",
          "<atom:link rel='self' href='https://example.com/feed.xml'/>",
          " xmlns:dc='http://purl.org/dc/elements/1.1/'"
          " xmlns:content='http://purl.org/rss/1.0/modules/content/'"
          " xmlns:media='http://search.yahoo.com/mrss/'"
          " xmlns:atom='http://www.w3.org/2005/Atom'");
  const ParsedFeed f = MustParse(doc);
  REQUIRE(f.items.size() == 2);
  const Item& a = f.items[0];
  CHECK(a.authors == std::vector<std::string>{"Jane Roe"});
  CHECK(Time(a.updated) == "2025-10-09T00:00:00Z");
  CHECK(Time(a.published) == "2025-10-09T00:00:00Z");  // dc:date is all there is
  CHECK(a.guid == "MOFCOM-2025-61");
  CHECK(a.key == "MOFCOM-2025-61");
  CHECK(a.summary_text == "Short");
  CHECK(a.content_html == "<p>Full <b>story</b></p>");
  CHECK(a.content_text == "Full story");
  REQUIRE(a.enclosures.size() == 1);
  CHECK(a.enclosures[0].url == "https://example.com/img/ga.jpg");
  CHECK(f.items[1].link == "https://example.com/b");
  CHECK(f.feed.link == "https://example.com/");  // rel=self is not the site
}

TEST_CASE("Parse resolves relative links against xml:base, the feed link, then the fetch URL") {
  const std::string atom =
      "<feed xmlns='http://www.w3.org/2005/Atom' xml:base='https://a.example/news/'>"
      "<title>T</title><link href='index.html'/>"
      "<entry xml:base='2025/'><title>E</title><link href='x.html'/><id>1</id></entry>"
      "</feed>";
  ParseOptions options;
  options.fetch_url = "https://fetched.example/feed";
  const ParsedFeed a = MustParse(atom, options);
  CHECK(a.feed.link == "https://a.example/news/index.html");
  CHECK(a.items[0].link == "https://a.example/news/2025/x.html");

  const ParsedFeed r = MustParse(Rss("<item><link>/p/1</link></item>"), options);
  CHECK(r.items[0].link == "https://example.com/p/1");

  const std::string no_link =
      "<rss><channel><title>T</title><item><link>p/2</link></item></channel></rss>";
  CHECK(MustParse(no_link, options).items[0].link == "https://fetched.example/p/2");
}

TEST_CASE(
    "Parse finds xml:base and xml:lang among other attributes, and inherits them past elements "
    "with attributes") {
  const std::string atom =
      "<feed xmlns='http://www.w3.org/2005/Atom' xml:lang='de' xml:base='https://a.example/news/'>"
      "<entry a='1' xml:base='2025/' b='2'><title type='text'>E</title>"
      "<link rel='alternate' href='x.html'/><id>1</id></entry>"
      "<entry xml:lang='fr' c='3'><link href='y.html' type='text/html'/><id>2</id></entry>"
      "<entry><link href='z.html'/><id>3</id></entry>"
      "</feed>";
  const ParsedFeed f = MustParse(atom, ParseOptions());
  REQUIRE(f.items.size() == 3);
  CHECK(f.feed.language == "de");
  CHECK(f.items[0].link == "https://a.example/news/2025/x.html");
  CHECK(f.items[0].language == "de");
  CHECK(f.items[1].link == "https://a.example/news/y.html");
  CHECK(f.items[1].language == "fr");
  CHECK(f.items[2].link == "https://a.example/news/z.html");
  CHECK(f.items[2].language == "de");
}

TEST_CASE("Parse handles CDATA, HTML entities and double-escaped HTML") {
  const ParsedFeed f = MustParse(Rss(
      "<item><title><![CDATA[Rare earths & <magnets>]]></title>"
      "<description>Soci&eacute;t&eacute;&nbsp;G&eacute;n&eacute;rale</description></item>"
      "<item><title>FR</title>"
      "<description>The Bureau&amp;#39;s rule &amp;lt;b&amp;gt;now&amp;lt;/b&amp;gt;</description>"
      "</item>"));
  REQUIRE(f.items.size() == 2);
  CHECK(f.items[0].title == "Rare earths & <magnets>");
  CHECK(f.items[0].link.empty());
  CHECK(f.items[0].summary_text == "Soci\u00e9t\u00e9\u00a0G\u00e9n\u00e9rale");
  // Federal Register escapes HTML before XML escaping: decode twice.
  CHECK(f.items[1].summary_text == "The Bureau's rule <b>now</b>");
}

// A captured element's text viewed in the document while it is one token,
// copied once a second token or a reference comes: every order of the two.
TEST_CASE("Parse joins an element's text, CDATA sections and references in order") {
  const std::pair<const char*, const char*> cases[] = {
      {"<![CDATA[Rare]]> earths", "Rare earths"},
      {"Rare<![CDATA[ earths]]>", "Rare earths"},
      {"<![CDATA[Rare ]]>&amp;<![CDATA[ earths]]>", "Rare & earths"},
      {"R&amp;D<![CDATA[ & more]]> tail", "R&D & more tail"},
      {"plain <!-- note --> text", "plain text"},
      {"<![CDATA[]]>after empty", "after empty"},
  };
  for (const auto& [title, want] : cases) {
    const ParsedFeed f = MustParse(Rss(std::string("<item><title>") + title + "</title></item>"));
    REQUIRE(f.items.size() == 1);
    CHECK(f.items[0].title == want);
  }
}

TEST_CASE("Parse converts declared and BOM-signalled encodings to UTF-8") {
  struct Case {
    const char* name;
    std::string doc;
    const char* want_title;
  };
  const std::string cjk_item = "<item><title>";
  const Case cases[] = {
      {"ISO-8859-1 read as windows-1252",
       "<?xml version='1.0' encoding='ISO-8859-1'?><rss><channel><title>"
       "\x53\x6f\x63\x69\xe9\x74\xe9\x92\x73</title></channel></rss>",
       "Soci\u00e9t\u00e9\u2019s"},
      {"windows-1252",
       "<?xml version='1.0' encoding='windows-1252'?><rss><channel><title>"
       "\x93quoted\x94</title></channel></rss>",
       "\u201cquoted\u201d"},
      {"GB2312",
       "<?xml version='1.0' encoding='GB2312'?><rss><channel><title>"
       "\xcf\xa1\xcd\xc1\xb3\xf6\xbf\xda\xb9\xdc\xd6\xc6</title></channel></rss>",
       "稀土出口管制"},
      {"GBK",
       "<?xml version='1.0' encoding='GBK'?><rss><channel><title>"
       "\xef\xd8\xba\xcd\xd5\xe0</title></channel></rss>",
       "镓和锗"},
      {"GB18030",
       "<?xml version='1.0' encoding='gb18030'?><rss><channel><title>"
       "\xef\xd8\xba\xcd\xd5\xe0</title></channel></rss>",
       "镓和锗"},
      {"Big5",
       "<?xml version='1.0' encoding='Big5'?><rss><channel><title>"
       "\xb5\x7d\xa4\x67\xa5\x58\xa4\x66\xba\xde\xa8\xee</title></channel></rss>",
       "稀土出口管制"},
      {"Shift_JIS",
       "<?xml version='1.0' encoding='Shift_JIS'?><rss><channel><title>"
       "\x8b\x48\x93\x79\x8f\x6f\x8c\xfb\x8a\xc7\x90\xa7</title></channel></rss>",
       "稀土出口管制"},
      {"UTF-16LE with BOM",
       std::string("\xff\xfe<\0r\0s\0s\0>\0<\0c\0h\0a\0n\0n\0e\0l\0>\0<\0t\0i\0t\0l\0e\0>\0"
                   "\x00\x7a\x1f\x57<\0/\0t\0i\0t\0l\0e\0>\0<\0/\0c\0h\0a\0n\0n\0e\0l\0>\0<\0/"
                   "\0r\0s\0s\0>\0",
                   96),
       "稀土"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const ParsedFeed f = MustParse(c.doc);
    CHECK(f.feed.title == c.want_title);
  }
}

TEST_CASE("Parse takes the charset from the content type when the document is silent") {
  ParseOptions options;
  options.content_type = "application/rss+xml; charset=GBK";
  const ParsedFeed f =
      MustParse("<rss><channel><title>\xef\xd8\xba\xcd\xd5\xe0</title></channel></rss>", options);
  CHECK(f.feed.title == "镓和锗");
}

TEST_CASE("Parse reads the dates feeds write, and never a wrong one") {
  struct Case {
    const char* pub_date;
    const char* want;
  };
  const Case cases[] = {
      {"Sat, 22 Feb 2025 17:48:00 +0000", "2025-02-22T17:48:00Z"},
      {"Fri, 21 Feb 2025 09:15:00 +0800", "2025-02-21T01:15:00Z"},
      {"Tue, 23 Sep 2025 09:12:44 EDT", "2025-09-23T13:12:44Z"},
      {"Mon, 06 Jan 2025 10:00:00 EST", "2025-01-06T15:00:00Z"},
      {"Wed, 2 Jul 2025 09:00 PDT", "2025-07-02T16:00:00Z"},
      {"02 Jul 2025 09:00:00", "2025-07-02T09:00:00Z"},
      {"2025-10-09T14:30:00+08:00", "2025-10-09T06:30:00Z"},
      {"2025-10-09T14:30:00.123Z", "2025-10-09T14:30:00Z"},
      {"2025-10-09", "2025-10-09T00:00:00Z"},
      {"2025年10月9日", "2025-10-09T00:00:00Z"},
      {"not a date", "(none)"},
      {"Sat, 31 Feb 2025 10:00:00 GMT", "(none)"},
  };
  for (const Case& c : cases) {
    INFO(c.pub_date);
    const ParsedFeed f = MustParse(
        Rss(std::string("<item><title>x</title><pubDate>") + c.pub_date + "</pubDate></item>"));
    CHECK(Time(f.items[0].published) == c.want);
  }
}

TEST_CASE("Parse reads each field whole when dates and authors come between them") {
  // Dates and authors are read from the capture buffer where it is, which
  // the next field reuses: nothing of one may leak into another, and a
  // date or author with markup inside still goes the general way.
  const ParsedFeed p = MustParse(
      Rss("<item><pubDate>Wed, 25 Jun 2025 19:52:00 +0100</pubDate><title>First</title>"
          "<author>ed@example.com (Ed Itor)</author><guid>g1</guid>"
          "<dc:date xmlns:dc='http://purl.org/dc/elements/1.1/'>2025-06-26T00:00:00Z</dc:date>"
          "<description>d</description></item>"
          "<item><title>Second</title><pubDate>Thu, 26 Jun 2025 <b>1</b></pubDate>"
          "<dc:creator xmlns:dc='http://purl.org/dc/elements/1.1/'> Ann   Other </dc:creator>"
          "<guid>g2</guid></item>",
          "<lastBuildDate>2025-06-27T08:00:00+02:00</lastBuildDate>"));
  REQUIRE(p.items.size() == 2);
  CHECK(Time(p.feed.updated) == "2025-06-27T06:00:00Z");
  CHECK(p.items[0].title == "First");
  CHECK(Time(p.items[0].published) == "2025-06-25T18:52:00Z");
  CHECK(Time(p.items[0].updated) == "2025-06-26T00:00:00Z");
  CHECK(p.items[0].authors == std::vector<std::string>{"Ed Itor"});
  CHECK(p.items[0].guid == "g1");
  CHECK(p.items[0].summary_text == "d");
  CHECK(p.items[1].title == "Second");
  CHECK(Time(p.items[1].published) == "(none)");
  CHECK(p.items[1].authors == std::vector<std::string>{"Ann Other"});
  CHECK(p.items[1].guid == "g2");
}

TEST_CASE("Parse starts every item empty: nothing of one carries into the next") {
  // The first item sets every field the builder keeps; the second sets only
  // a plain title and a GUID (by dc:identifier, so that no guid element
  // says whether it is a permalink), the third nothing at all.
  const ParsedFeed p = MustParse(Rss(
      "<item xml:lang='de'><title>A &lt;b&gt;bold&lt;/b&gt; title</title>"
      "<link>https://example.com/1</link><guid isPermaLink='false'>g1</guid>"
      "<author>ed@example.com (Ed Itor)</author><pubDate>Wed, 25 Jun 2025 19:52:00 +0100</pubDate>"
      "<dc:date>2025-06-26T00:00:00Z</dc:date><description>&lt;p&gt;Summary&lt;/p&gt;</description>"
      "<content:encoded><![CDATA[<p>Content</p>]]></content:encoded>"
      "<category>c1</category><category>c2</category>"
      "<enclosure url='https://example.com/a.mp3' type='audio/mpeg' length='1'/>"
      "<source url='https://news.example.com/'>Origin</source></item>"
      "<item><title>Plain</title><dc:identifier>https://example.com/2</dc:identifier></item>"
      "<item></item>",
      "",
      " xmlns:dc='http://purl.org/dc/elements/1.1/'"
      " xmlns:content='http://purl.org/rss/1.0/modules/content/'"));
  REQUIRE(p.items.size() == 3);
  const Item& first = p.items[0];
  CHECK(first.title == "A bold title");
  CHECK(first.language == "de");
  CHECK(first.link == "https://example.com/1");
  CHECK(first.authors.size() == 1);
  CHECK(first.published.has_value());
  CHECK(first.updated.has_value());
  CHECK(first.summary_text == "Summary");
  CHECK(first.content_text == "Content");
  CHECK(first.categories.size() == 2);
  CHECK(first.enclosures.size() == 1);
  CHECK(first.origin == "Origin");
  for (size_t i : {1, 2}) {
    const Item& item = p.items[i];
    INFO("item " << i);
    CHECK(item.title == (i == 1 ? "Plain" : ""));
    CHECK(item.guid == (i == 1 ? "https://example.com/2" : ""));
    // A GUID is a permalink unless it says otherwise, as the first one did.
    CHECK(item.link == (i == 1 ? "https://example.com/2" : ""));
    CHECK(item.language.empty());
    CHECK(item.authors.empty());
    CHECK_FALSE(item.published.has_value());
    CHECK_FALSE(item.updated.has_value());
    CHECK(item.summary_html.empty());
    CHECK(item.summary_text.empty());
    CHECK(item.content_html.empty());
    CHECK(item.content_text.empty());
    CHECK(item.categories.empty());
    CHECK(item.enclosures.empty());
    CHECK(item.origin.empty());
  }
}

TEST_CASE("Parse collapses whitespace in titles, GUIDs, authors and categories in every format") {
  const auto check = [](const ParsedFeed& p, const std::string& guid) {
    REQUIRE(p.items.size() == 1);
    const Item& item = p.items[0];
    CHECK(item.title == "Rare earths export");
    CHECK(item.guid == guid);
    CHECK(item.authors == std::vector<std::string>{"Ann Other"});
    CHECK(item.categories == std::vector<std::string>{"Policy news"});
  };
  SECTION("RSS") {
    check(MustParse(Rss("<item><title> Rare  earths\n export </title><guid> g \t1 </guid>"
                        "<author> Ann \n Other </author><category>Policy \n news</category>"
                        "<category> \t </category></item>")),
          "g 1");
  }
  SECTION("RSS 1.0, the GUID from rdf:about") {
    check(
        MustParse("<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'"
                  " xmlns='http://purl.org/rss/1.0/' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
                  "<channel><title>T</title></channel>"
                  "<item rdf:about=' https://example.com/1 '><title>Rare earths\texport</title>"
                  "<dc:creator>Ann  Other</dc:creator><dc:subject> Policy news</dc:subject></item>"
                  "</rdf:RDF>"),
        "https://example.com/1");
  }
  SECTION("Atom, categories from their term") {
    check(MustParse("<feed xmlns='http://www.w3.org/2005/Atom'><title>T</title>"
                    "<entry><title> Rare earths export</title><id> urn:x:1 </id>"
                    "<author><name>Ann\n Other</name></author><category term=' Policy  news '/>"
                    "<category term='  '/></entry></feed>"),
          "urn:x:1");
  }
  SECTION("JSON Feed") {
    check(MustParse(R"({"version": "https://jsonfeed.org/version/1.1", "title": "T",
                        "items": [{"id": " j  1", "title": "Rare\nearths  export",
                                   "authors": [{"name": " Ann Other"}, {"name": " "}],
                                   "tags": ["Policy   news", "  "]}]})"),
          "j 1");
  }
}

TEST_CASE("Parse reads element names in any case") {
  // CDF and some generators write capitals: names are lowered to compare
  // (a copy only for a name that has one); a long unknown name is ignored.
  const std::string long_name(40, 'N');
  const ParsedFeed p =
      MustParse(Rss("<ITEM><Title>A capital</Title><LINK>https://example.com/a</LINK>"
                    "<PubDate>Wed, 25 Jun 2025 19:52:00 +0100</PubDate>"
                    "<DESCRIPTION>&lt;P&gt;Body&lt;/P&gt;</DESCRIPTION></ITEM>"
                    "<item><title>lower</title><Guid isPermaLink='false'>g</Guid><" +
                    long_name + ">x</" + long_name + "></item>"));
  const ParsedFeed channel = MustParse("<rss><channel><TITLE>Feed</TITLE></channel></rss>");
  CHECK(channel.feed.title == "Feed");
  REQUIRE(p.items.size() == 2);
  CHECK(p.items[0].title == "A capital");
  CHECK(p.items[0].link == "https://example.com/a");
  CHECK(Time(p.items[0].published) == "2025-06-25T18:52:00Z");
  CHECK(p.items[0].summary_text == "Body");
  CHECK(p.items[1].title == "lower");
  CHECK(p.items[1].guid == "g");
  CHECK(p.items[1].summary_text.empty());

  // Names of 1-3, 4-7 and 8-16 bytes are checked for capitals differently
  // (a byte loop, two 4-byte and two 8-byte words): a capital at every
  // position of each still finds the field.
  for (const std::string name : {"ttl", "link", "pubdate", "description", "lastbuilddate"}) {
    for (size_t i = 0; i < name.size(); ++i) {
      std::string named = name;
      named[i] = static_cast<char>(named[i] - 'a' + 'A');
      CAPTURE(named);
      const auto element = [&](std::string_view value) {
        return "<" + named + ">" + std::string(value) + "</" + named + ">";
      };
      if (name == "ttl") {
        CHECK(MustParse(Rss("", element("30"))).feed.ttl_minutes == 30);
      } else if (name == "lastbuilddate") {
        const ParsedFeed f = MustParse(Rss("", element("Wed, 25 Jun 2025 19:52:00 +0100")));
        CHECK(Time(f.feed.updated) == "2025-06-25T18:52:00Z");
      } else {
        const std::string_view value = name == "link"      ? "https://example.com/a"
                                       : name == "pubdate" ? "Wed, 25 Jun 2025 19:52:00 +0100"
                                                           : "Words";
        const ParsedFeed f = MustParse(Rss("<item>" + element(value) + "</item>"));
        REQUIRE(f.items.size() == 1);
        if (name == "link") CHECK(f.items[0].link == value);
        if (name == "pubdate") CHECK(Time(f.items[0].published) == "2025-06-25T18:52:00Z");
        if (name == "description") CHECK(f.items[0].summary_text == value);
      }
    }
  }
}

TEST_CASE("Parse keeps what a truncated or ill-formed document gave, and says so") {
  SECTION("truncated inside the third item") {
    const std::string doc =
        Rss("<item><title>One</title><guid>1</guid></item>"
            "<item><title>Two</title><guid>2</guid></item>"
            "<item><title>Thr");
    const std::string cut = doc.substr(0, doc.find("Thr") + 3);
    const ParsedFeed f = MustParse(cut);
    REQUIRE(f.items.size() == 3);
    CHECK(f.items[1].title == "Two");
    CHECK(f.error == "unexpected end of document inside <title>");
    CHECK(f.error_line == 2);
  }
  SECTION("mismatched tags") {
    const ParsedFeed f = MustParse(
        "<rss><channel><item><title>A</title><description><p>x</description></item>"
        "<item><title>B</title></item></channel></rss>");
    CHECK(f.items.size() == 2);
    CHECK(f.error == "mismatched end tag </description>, expected </p>");
  }
}

TEST_CASE("Parse refuses what is not a feed, with a clear error") {
  struct Case {
    const char* name;
    std::string doc;
    const char* want;
  };
  const Case cases[] = {
      {"0 bytes", "", "parse error: empty document"},
      {"whitespace", " \n\t ", "parse error: empty document"},
      {"HTML error page",
       "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head></html>",
       "parse error: not a feed: the document is an HTML page"},
      {"plain text", "Service Unavailable",
       "parse error: not a feed: no RSS, Atom, RDF or JSON document found"},
      {"JSON without a mapping", "{\"results\": []}",
       "invalid argument: the document is JSON but not a JSON Feed; it needs a mapping (see "
       "docs/json-mapping.md)"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const Result<ParsedFeed> r = Parse(c.doc, {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().ToString() == c.want);
  }
}

TEST_CASE("Parse enforces the document size and item count bounds") {
  ParseOptions options;
  options.max_document_bytes = 100;
  const std::string big = Rss(std::string(200, ' '));
  const Result<ParsedFeed> r = Parse(big, options);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kTooLarge);
  CHECK(r.status().message() ==
        "document is " + std::to_string(big.size()) + " bytes; the limit is 100");

  ParseOptions few;
  few.max_items = 2;
  std::string items;
  for (int i = 0; i < 5; ++i) items += "<item><guid>" + std::to_string(i) + "</guid></item>";
  const ParsedFeed f = MustParse(Rss(items), few);
  CHECK(f.items.size() == 2);
  CHECK(f.error == "more than 2 items; the rest were dropped");
}

// The builder reserves room for the items it expects from how far into the
// document the first ones end: items of very different sizes make that guess
// too low (a long item first) or too high (long items last); every item
// still arrives, in order, and the item bound still holds.
TEST_CASE("Parse keeps every item in order however their sizes vary") {
  for (const bool long_first : {true, false}) {
    std::string items;
    const int n = 1500;
    for (int i = 0; i < n; ++i) {
      const bool is_long = long_first ? i < 3 : i >= n - 3;
      items += "<item><guid>g" + std::to_string(i) + "</guid><description>" +
               std::string(is_long ? 20000 : 5, 'x') + "</description></item>";
    }
    CAPTURE(long_first);
    const ParsedFeed all = MustParse(Rss(items));
    REQUIRE(all.items.size() == n);
    for (int i = 0; i < n; ++i) REQUIRE(all.items[i].guid == "g" + std::to_string(i));
    CHECK(all.items[n - 1].summary_text.size() == (long_first ? 5 : 20000));

    ParseOptions bounded;
    bounded.max_items = 1000;
    const ParsedFeed some = MustParse(Rss(items), bounded);
    REQUIRE(some.items.size() == 1000);
    CHECK(some.items[999].guid == "g999");
    CHECK(some.error == "more than 1000 items; the rest were dropped");
  }
}

// The room reserved from the first items is bounded by the document's
// size: a tiny first item before megabytes of something else must not
// reserve tens of thousands of Items.
TEST_CASE("Parse reserves room for items in proportion to the document") {
  const std::string doc =
      Rss("<item><guid>1</guid></item>", "") + "<!--" + std::string(4 << 20, 'x') + "-->";
  ParseOptions unbounded;
  unbounded.max_items = 1'000'000'000;
  const ParsedFeed f = MustParse(doc, unbounded);
  REQUIRE(f.items.size() == 1);
  CHECK(f.items.capacity() <= doc.size() / 256 + 16);
}

TEST_CASE("Parse gives every item a stable key") {
  const std::string doc = Rss(
      "<item><guid>g1</guid><link>https://example.com/1</link></item>"
      "<item><link>https://example.com/2</link></item>"
      "<item><title>Only a title</title><pubDate>Sat, 22 Feb 2025 17:48:00 GMT</pubDate></item>");
  const ParsedFeed a = MustParse(doc);
  const ParsedFeed b = MustParse(doc);
  REQUIRE(a.items.size() == 3);
  CHECK(a.items[0].key == "g1");
  CHECK(a.items[1].key == "https://example.com/2");
  CHECK(a.items[2].key.rfind("hash:", 0) == 0);
  CHECK(a.items[2].key == b.items[2].key);
}

TEST_CASE("Parse folds a republished story and tells apart items sharing a GUID") {
  SECTION("same GUID and link: the later version wins") {
    const ParsedFeed f = MustParse(Rss(
        "<item><guid>W-1</guid><link>https://x/1</link><title>Congo suspends cobalt exports</title>"
        "<pubDate>Sat, 22 Feb 2025 17:48:00 GMT</pubDate><description>first</description></item>"
        "<item><guid>W-2</guid><title>Other</title></item>"
        "<item><guid>W-1</guid><link>https://x/1</link><title>Congo suspends cobalt exports</title>"
        "<pubDate>Sat, 22 Feb 2025 18:02:00 GMT</pubDate><description>UPDATE "
        "1</description></item>"));
    REQUIRE(f.items.size() == 2);
    CHECK(f.items[0].key == "W-1");
    CHECK(f.items[0].summary_text == "UPDATE 1");
  }
  SECTION("one GUID reused for different stories") {
    const std::string doc =
        Rss("<item><guid>https://site/</guid><link>https://site/a</link><title>A</title></item>"
            "<item><guid>https://site/</guid><link>https://site/b</link><title>B</title></item>");
    const ParsedFeed f = MustParse(doc);
    REQUIRE(f.items.size() == 2);
    CHECK(f.items[0].key == "https://site/");
    CHECK(f.items[1].key.rfind("https://site/#", 0) == 0);
    CHECK(f.items[1].key != f.items[0].key);
    CHECK(MustParse(doc).items[1].key == f.items[1].key);  // stable from poll to poll
  }
  SECTION("hundreds sharing one GUID, and identical items without GUID or link") {
    std::string items;
    for (int i = 0; i < 300; ++i) {
      items += "<item><guid>G</guid><link>https://site/" + std::to_string(i) + "</link><title>T" +
               std::to_string(i) + "</title></item>";
    }
    for (int i = 0; i < 40; ++i) items += "<item><title>Same</title></item>";
    const ParsedFeed f = MustParse(Rss(items));
    REQUIRE(f.items.size() == 340);
    std::set<std::string> keys;
    for (const Item& item : f.items) keys.insert(item.key);
    CHECK(keys.size() == 340);
    CHECK(f.items[0].key == "G");
    CHECK(f.items[1].key.rfind("G#", 0) == 0);
    CHECK(f.items[300].key.rfind("hash:", 0) == 0);
    CHECK(f.items[301].key.rfind(f.items[300].key + "#", 0) == 0);
    const ParsedFeed again = MustParse(Rss(items));
    for (size_t i = 0; i < f.items.size(); ++i) CHECK(again.items[i].key == f.items[i].key);
  }
}

TEST_CASE("Parse reads the feed's polling hints") {
  const ParsedFeed f =
      MustParse(Rss("",
                    "<ttl>60</ttl><skipHours><hour>1</hour><hour>2</hour></skipHours>"
                    "<skipDays><day>Sunday</day></skipDays><language>en-us</language>"));
  CHECK(f.feed.ttl_minutes == 60);
  CHECK(f.feed.skip_hours == std::vector<int>{1, 2});
  CHECK(f.feed.skip_days == std::vector<std::string>{"Sunday"});
  CHECK(f.feed.language == "en-us");
}

TEST_CASE("Parse reads RSS 1.0, Atom 0.3 and RSS 0.91") {
  const ParsedFeed rdf = MustParse(
      "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
      "xmlns='http://purl.org/rss/1.0/'><channel rdf:about='https://e/'><title>R</title>"
      "<link>https://e/</link></channel><item rdf:about='https://e/1'><title>I</title>"
      "<link>https://e/1</link></item></rdf:RDF>");
  CHECK(rdf.feed.format == FeedFormat::kRdf);
  CHECK(rdf.items[0].guid == "https://e/1");

  const ParsedFeed atom03 = MustParse(
      "<feed version='0.3' xmlns='http://purl.org/atom/ns#'><title>A</title><entry>"
      "<title mode='escaped' type='text/html'>&lt;b&gt;Bold&lt;/b&gt;</title>"
      "<issued>2004-01-01T10:00:00Z</issued><id>tag:x,2004:1</id>"
      "<content mode='base64' type='text/plain'>SGVsbG8=</content></entry></feed>");
  CHECK(atom03.feed.version == "atom03");
  CHECK(atom03.items[0].title == "Bold");
  CHECK(Time(atom03.items[0].published) == "2004-01-01T10:00:00Z");
  CHECK(atom03.items[0].content_text == "Hello");

  const ParsedFeed rss091 = MustParse(
      "<!DOCTYPE rss PUBLIC \"-//Netscape Communications//DTD RSS 0.91//EN\" "
      "\"http://my.netscape.com/publish/formats/rss-0.91.dtd\">"
      "<rss version='0.91'><channel><title>N&eacute;t</title><item><title>x</title></item>"
      "</channel></rss>");
  CHECK(rss091.feed.version == "rss091");
  CHECK(rss091.feed.title == "N\u00e9t");
}

}  // namespace
TEST_CASE("Parse drops a WordPress footer only within the last 600 bytes") {
  const std::string story(700, 'x');
  auto summary = [](const std::string& description) {
    const ParsedFeed f = MustParse(
        Rss("<item><title>t</title><description>" + description + "</description></item>"));
    REQUIRE(f.items.size() == 1);
    return f.items[0].summary_text;
  };
  // Footer of 41 bytes after a long story: dropped.
  CHECK(summary(story + " The post Story appeared first on Site.") == story);
  // Exactly 600 bytes from "The post " to the end: still a footer.
  const std::string head = "The post ";
  const std::string tail = " appeared first on Site.";
  const std::string title_600(600 - head.size() - tail.size(), 't');
  CHECK(summary(story + " " + head + title_600 + tail) == story);
  // 601 bytes: too long for a footer, kept.
  const std::string long_footer = head + title_600 + "t" + tail;
  CHECK(summary(story + " " + long_footer) == story + " " + long_footer);
  // "The post " only, or only " appeared first on ": kept.
  CHECK(summary(story + " The post office closed.") == story + " The post office closed.");
  CHECK(summary(story + " It appeared first on TV.") == story + " It appeared first on TV.");
  // The last "The post " counts: the phrase must follow it.
  CHECK(summary("The post A appeared first on B. The post office") ==
        "The post A appeared first on B. The post office");
}

TEST_CASE("Parse finds the last footer head at every offset of the window") {
  // The search 16 starts at a time from the end against rfind: "The post "
  // (or a near miss) at every distance from the end and from the window's
  // start, after text with and without other capital T's and "Th"s.
  const auto reference = [](const std::string& text) {
    const size_t window = text.size() > 600 ? text.size() - 600 : 0;
    const size_t found = std::string_view(text).substr(window).rfind("The post ");
    if (found == std::string_view::npos) return text;
    if (text.find(" appeared first on ", window + found) == std::string::npos) return text;
    size_t end = window + found;
    while (end > 0 && text[end - 1] == ' ') --end;
    return text.substr(0, end);
  };
  std::string items;
  std::vector<std::string> texts;
  const std::string fillers[] = {"Tx ThX T x", "abcdefghij"};
  for (const std::string& filler : fillers) {
    for (const std::string head :
         {"The post ", "The pos ", "The pest ", "Th", "Tx  p", "The post The post "}) {
      for (size_t before : {0, 1, 7, 15, 16, 17, 31, 40, 583, 590, 600, 610}) {
        for (size_t after : {0, 1, 2, 8, 15, 16, 17, 33}) {
          std::string text;
          while (text.size() < before) text += filler + " ";
          text.resize(before);
          text += head + "A";
          if (after % 2 == 0) text += " appeared first on B.";
          for (size_t k = 0; k < after; ++k) text += k % 5 == 4 ? ' ' : 'T';
          // As HtmlToText leaves it: no space at either end or two in a row.
          const std::string plain = text::CollapseWhitespace(text);
          texts.push_back(plain);
          items += "<item><guid>" + std::to_string(texts.size()) + "</guid><description>" + plain +
                   "</description></item>";
        }
      }
    }
  }
  const ParsedFeed f = MustParse(Rss(items));
  REQUIRE(f.items.size() == texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    INFO(texts[i]);
    CHECK(f.items[i].summary_text == reference(texts[i]));
  }
}

}  // namespace mineral::feeds
