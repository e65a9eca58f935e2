#include "feeds/xml_reader.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace mineral::feeds {
namespace {

// The token stream as compact text: "<ns|local>", "</local>", "'text'".
std::string Trace(std::string_view doc, std::string* error = nullptr) {
  XmlReader r(doc);
  std::string out;
  for (XmlReader::Token t = r.Next(); t != XmlReader::Token::kEnd; t = r.Next()) {
    switch (t) {
      case XmlReader::Token::kStartElement:
        out += "<";
        if (!r.ns().empty()) out += std::string(r.ns()) + "|";
        out += std::string(r.local());
        for (const auto& a : r.attributes()) {
          out += " " + std::string(a.qname) + "=" + std::string(a.value);
        }
        out += ">";
        break;
      case XmlReader::Token::kEndElement:
        out += "</" + std::string(r.local()) + ">";
        break;
      case XmlReader::Token::kText:
        out += "'" + std::string(r.text()) + "'";
        break;
      case XmlReader::Token::kEnd:
        break;
    }
  }
  if (error && !r.error().empty()) {
    *error =
        std::to_string(r.error_line()) + ":" + std::to_string(r.error_column()) + ": " + r.error();
  }
  return out;
}

TEST_CASE("XmlReader reads well-formed documents with namespaces") {
  std::string error;
  CHECK(Trace("<?xml version='1.0'?><rss xmlns:dc='http://purl.org/dc/elements/1.1/'>"
              "<dc:creator a=\"1\">Jo</dc:creator><x/></rss>",
              &error) ==
        "<rss><http://purl.org/dc/elements/1.1/|creator a=1>'Jo'</creator><x></x></rss>");
  CHECK(error.empty());
  CHECK(Trace("<feed xmlns='http://www.w3.org/2005/Atom'><title>T</title></feed>") ==
        "<http://www.w3.org/2005/Atom|feed><http://www.w3.org/2005/Atom|title>'T'</title></feed>");
}

TEST_CASE("XmlReader decodes XML, numeric and HTML entities") {
  CHECK(Trace("<t>&amp;&lt;&gt;&quot;&apos;&#65;&#x42;</t>") == "<t>'&<>\"'AB'</t>");
  CHECK(Trace("<t>a&nbsp;b &eacute;</t>") == "<t>'a\u00a0b \u00e9'</t>");
  CHECK(Trace("<t>&#150;&#x92;</t>") == "<t>'\u2013\u2019'</t>");  // windows-1252 remap
  CHECK(Trace("<t>AT&T &unknown; &#;</t>") == "<t>'AT&T &unknown; &#;'</t>");
  CHECK(Trace("<a href='?a=1&b=2&amp;c=3'/>") == "<a href=?a=1&b=2&c=3></a>");
}

TEST_CASE("XmlReader reads the common references and their near misses alike") {
  // &lt; &gt; &amp; &quot; have a shortcut; cut short or misspelt they are
  // read by the general rules.
  CHECK(Trace("<t>&gt;&lt;&amp;&quot;&lt;p&gt;</t>") == "<t>'><&\"<p>'</t>");
  CHECK(Trace("<t>&lt</t>") == "<t>'&lt'</t>");
  CHECK(Trace("<t>&l</t>") == "<t>'&l'</t>");
  CHECK(Trace("<t>&amp</t>") == "<t>'&amp'</t>");
  CHECK(Trace("<t>&quot</t>") == "<t>'&quot'</t>");
  CHECK(Trace("<t>&ltx; &gtt; &amps; &quo;</t>") == "<t>'&ltx; &gtt; &amps; &quo;'</t>");
  CHECK(Trace("<t>&LT; &AMP; &QUOT; &Amp;</t>") == "<t>'< & \" &Amp;'</t>");  // HTML's names
  CHECK(Trace("<a t='&lt;&amp;&quot;&gt;'/>") == "<a t=<&\">></a>");
  CHECK(Trace("<a t='x&gt'/>") == "<a t=x&gt></a>");
}

TEST_CASE("XmlReader finds '<' and '&' in text wherever the byte is") {
  // Text is scanned for both 16 bytes at a time: each lands at every offset
  // of three blocks, with a '<' that starts no markup before it, and at the
  // very end of the document.
  for (size_t offset = 1; offset < 50; ++offset) {
    const std::string x(offset, 'x');
    for (size_t after : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{17}, size_t{40}}) {
      const std::string y(after, 'y');
      INFO("offset " << offset << ", then " << after);
      CHECK(Trace("<t>" + x + "</t>") == "<t>'" + x + "'</t>");
      CHECK(Trace("<t>" + x + "&amp;" + y + "</t>") == "<t>'" + x + "&" + y + "'</t>");
      CHECK(Trace("<t>" + x + " < " + y + "&lt;z</t>") == "<t>'" + x + " < " + y + "<z'</t>");
      CHECK(Trace("<t>" + x + "<" + y + "</t>") ==
            (after == 0 ? "<t>'" + x + "<'</t>" : "<t>'" + x + "'<" + y + "></" + y + "></t>"));
      CHECK(Trace("<t/>" + x + "&gt;" + y) == "<t></t>'" + x + ">" + y + "'");
      CHECK(Trace("<t/>" + x + "&") == "<t></t>'" + x + "&'");
    }
  }
}

TEST_CASE("XmlReader decodes and normalizes attribute values wherever the byte is") {
  // The check for '&', \t, \n and \r reads 16 bytes at a time: put each at
  // every offset of a value of up to 40 bytes, next to multi-byte UTF-8.
  const std::string filler = "https://example.com/\u00e9\u7a00/abcdefghijklmnopqrstuvwxyz";
  const std::pair<std::string_view, std::string_view> pieces[] = {
      {"&amp;", "&"}, {"&lt;", "<"}, {"&#233;", "\u00e9"},   {"\t", " "},
      {"\n", " "},    {"\r", " "},   {"&eacute;", "\u00e9"}, {"x", "x"},
  };
  // The value's closing quote is found in the same loads: with a document
  // that goes on for 40 bytes past it, and one that ends right after it.
  const std::string rest = "<b>" + std::string(33, 'r') + "</b>";
  for (size_t before = 0; before <= 36; ++before) {
    for (size_t after : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{17}}) {
      for (const auto& [raw, decoded] : pieces) {
        for (const bool more : {false, true}) {
          const std::string prefix = filler.substr(0, before);
          const std::string suffix = filler.substr(0, after);
          const std::string doc = "<a href=\"" + prefix + std::string(raw) + suffix + "\"/>" +
                                  (more ? rest : std::string());
          INFO(doc);
          REQUIRE(Trace(doc) == "<a href=" + prefix + std::string(decoded) + suffix + "></a>" +
                                    (more ? "<b>'" + std::string(33, 'r') + "'</b>" : ""));
        }
      }
    }
  }
}

TEST_CASE("XmlReader keeps CDATA as is and skips comments and PIs") {
  CHECK(Trace("<t><![CDATA[<b>&amp;</b>]]><!-- c --><?pi x?></t>") == "<t>'<b>&amp;</b>'</t>");
}

TEST_CASE("XmlReader expands entities declared in the internal DTD subset") {
  CHECK(Trace("<!DOCTYPE rss [<!ENTITY co \"Example &amp; Co\">]><rss>&co;</rss>") ==
        "<rss>'Example & Co'</rss>");
}

TEST_CASE("XmlReader bounds entity expansion") {
  std::string doc = "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">";
  doc += "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">";
  doc += "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">";
  doc += "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">";
  doc += "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">]>";
  doc += "<x>&e;&e;&e;&e;</x>";
  XmlReader r(doc);
  size_t text = 0;
  for (auto t = r.Next(); t != XmlReader::Token::kEnd; t = r.Next()) {
    if (t == XmlReader::Token::kText) text += r.text().size();
  }
  CHECK(text <= (1u << 20) + 64);
  CHECK_THAT(r.error(), Catch::Contains("entity expansion limit"));
}

TEST_CASE("XmlReader recovers from ill-formed markup") {
  std::string error;
  SECTION("unclosed HTML inside an element") {
    CHECK(Trace("<d><p>a<br>b</d>", &error) == "<d><p>'a'<br>'b'</br></p></d>");
    CHECK(error == "1:13: mismatched end tag </d>, expected </br>");
  }
  SECTION("end tag with nothing open is skipped") {
    CHECK(Trace("<a>x</b></a>", &error) == "<a>'x'</a>");
    CHECK(error == "1:5: end tag </b> matches no open element");
  }
  SECTION("truncated document closes what is open") {
    CHECK(Trace("<rss><item><title>Half", &error) ==
          "<rss><item><title>'Half'</title></item></rss>");
    CHECK(error == "1:23: unexpected end of document inside <title>");
  }
  SECTION("a lone '<' is text") {
    CHECK(Trace("<t>a < b</t>", &error) == "<t>'a < b'</t>");
    CHECK(error.empty());
  }
  SECTION("unquoted attributes") {
    CHECK(Trace("<a href=x.html>t</a>", &error) == "<a href=x.html>'t'</a>");
    CHECK(error.empty());
  }
  SECTION("the root's end tag cut short at the very end") {
    CHECK(Trace("<rss><c>x</c></rss", &error) == "<rss><c>'x'</c></rss>");
    CHECK(error.empty());
    CHECK(Trace("<rss><c>x</c </rss>", &error) == "<rss><c>'x'</c></rss>");
    CHECK(error == "1:10: unterminated end tag </c>");
  }
}

TEST_CASE("XmlReader closes the open element only on its exact name") {
  std::string error;
  const auto trace = [&error](std::string_view doc) {
    error.clear();
    return Trace(doc, &error);
  };
  // One name the prefix of the other, either way round.
  CHECK(trace("<r><ab><a>x</ab></r>") == "<r><ab><a>'x'</a></ab></r>");
  CHECK(error == "1:12: mismatched end tag </ab>, expected </a>");
  CHECK(trace("<r><a>x</ab></r>") == "<r><a>'x'</a></r>");
  CHECK(error == "1:8: end tag </ab> matches no open element");
  // Space before '>', another case, a prefix, names of 16 bytes and more.
  CHECK(trace("<r><a>x</a ></r>") == "<r><a>'x'</a></r>");
  CHECK(error.empty());
  CHECK(trace("<r><A>x</a></r>") == "<r><A>'x'</A></r>");
  CHECK(error.empty());
  CHECK(trace("<r><p:a>x</p:a><p:a>y</a></r>") == "<r><p|a>'x'</a><p|a>'y'</a></r>");
  CHECK(error == "1:22: end tag </a> matches no open element");
  CHECK(trace("<abcdefghijklmnopq>x</abcdefghijklmnopq>") ==
        "<abcdefghijklmnopq>'x'</abcdefghijklmnopq>");
  CHECK(error.empty());
  CHECK(trace("<abcdefghijklmnopq>x</abcdefghijklmnop>") ==
        "<abcdefghijklmnopq>'x'</abcdefghijklmnopq>");
  CHECK(error == "1:21: end tag </abcdefghijklmnop> matches no open element");
  // Cut off right after the name, and before its end.
  CHECK(trace("<r><a>x</a") == "<r><a>'x'</a></r>");
  CHECK(trace("<r><a>x</") == "<r><a>'x'</a></r>");
  // Where the end tag was.
  const std::string_view doc = "<d><b>y</b></d>";
  XmlReader r(doc);
  while (!(r.Next() == XmlReader::Token::kEndElement && r.local() == "b")) {
  }
  CHECK(r.token_begin() == 7);
  CHECK(r.token_end() == 11);
}

TEST_CASE("XmlReader maps undeclared well-known prefixes") {
  CHECK(Trace("<rss><dc:date>d</dc:date><foo:title>x</foo:title></rss>") ==
        "<rss><http://purl.org/dc/elements/1.1/|date>'d'</date><foo|title>'x'</title></rss>");
}

// Start elements with the namespace of each element and attribute:
// "ns|local[ ns|qname=value]" ("-" for no namespace), one per element.
std::string Namespaces(std::string_view doc) {
  XmlReader r(doc);
  std::string out;
  for (XmlReader::Token t = r.Next(); t != XmlReader::Token::kEnd; t = r.Next()) {
    if (t != XmlReader::Token::kStartElement) continue;
    out += "<" + (r.ns().empty() ? std::string("-") : std::string(r.ns())) + "|" +
           std::string(r.local());
    for (const auto& a : r.attributes()) {
      out += " " + (a.ns.empty() ? std::string("-") : std::string(a.ns)) + "|" +
             std::string(a.local) + "=" + std::string(a.value);
    }
    out += ">";
  }
  return out;
}

TEST_CASE("XmlReader splits names at their first colon, in elements and attributes") {
  CHECK(Namespaces("<a:b:c/>") == "<a|b:c>");
  CHECK(Namespaces("<:x/>") == "<-|:x>");
  CHECK(Namespaces("<x:/>") == "<-|x:>");
  CHECK(Namespaces("<x xmlns:p='u' p:a:b='1' :c='2' d:='3' xml:lang='en'/>") ==
        "<-|x u|a:b=1 -|:c=2 -|d:=3 http://www.w3.org/XML/1998/namespace|lang=en>");
  // Names long enough to cross 16 and 32 bytes, the colon at either side.
  CHECK(Namespaces(
            "<abcdefghijklmno:p/><abcdefghijklmnop:q/><r:abcdefghijklmnopqrstuvwxyz0123456/>") ==
        "<abcdefghijklmno|p><abcdefghijklmnop|q><r|abcdefghijklmnopqrstuvwxyz0123456>");
  // Non-ASCII names keep their bytes whole.
  CHECK(Namespaces("<稀:土 稀:x='1'/>") == "<稀|土 稀|x=1>");
  // Cut off inside the name.
  CHECK(Namespaces("<r><a:b") == "<-|r><a|b>");
  CHECK(Namespaces("<r><a:") == "<-|r><-|a:>");
}

TEST_CASE("XmlReader ends names at each delimiter wherever it falls") {
  // Names are read 16 bytes at a time when 16 remain, else a byte at a
  // time: every length up to 20, with one colon anywhere or none, ended by
  // each byte that ends a name, with and without 32 bytes left after it.
  const std::string letters = "abcdefghijklmnopqrst";
  const std::string pad(32, ' ');
  for (size_t size = 1; size <= letters.size(); ++size) {
    for (size_t colon = 0; colon <= size; ++colon) {  // == size: none
      std::string name = letters.substr(0, size);
      if (colon < size) name[colon] = ':';
      // Split at the first colon unless it starts or ends the name.
      const bool split = colon > 0 && colon + 1 < size;
      const std::string element =
          split ? name.substr(0, colon) + "|" + name.substr(colon + 1) : "-|" + name;
      for (const std::string_view after : {std::string_view(), std::string_view(pad)}) {
        for (const std::string_view end : {" ", "\t", "\n", "\r", ">", "/"}) {
          const std::string doc = "<" + name + std::string(end) + "/>" + std::string(after);
          INFO("[" << doc << "]");
          REQUIRE(Namespaces(doc) == "<" + element + ">");
        }
        // An attribute's name, ended by '=', by a space before it, and by '/'.
        for (const std::string_view end : {"='v'", " = 'v'", "/"}) {
          const std::string doc = "<r " + name + std::string(end) + "/>" + std::string(after);
          INFO("[" << doc << "]");
          const std::string value = end == "/" ? "" : "v";
          REQUIRE(Namespaces(doc) == "<-|r " + element + "=" + value + ">");
        }
        // Cut off by the next tag.
        const std::string doc = "<r><" + name + "<x/>" + std::string(after);
        INFO("[" << doc << "]");
        REQUIRE(Namespaces(doc) == "<-|r><" + element + "><-|x>");
      }
    }
  }
}

TEST_CASE("XmlReader tells when an attribute is in the XML namespace") {
  // Element by element: whether has_xml_namespace_attribute() held at its start.
  const auto flags = [](std::string_view doc) {
    XmlReader r(doc);
    std::string out;
    for (XmlReader::Token t = r.Next(); t != XmlReader::Token::kEnd; t = r.Next()) {
      if (t == XmlReader::Token::kStartElement) out += r.has_xml_namespace_attribute() ? 'x' : '-';
      if (t == XmlReader::Token::kEndElement) REQUIRE_FALSE(r.has_xml_namespace_attribute());
    }
    return out;
  };
  CHECK(flags("<a xml:lang='en'><b/><c xml:base='http://x/'/><d lang='en' p:lang='x'/></a>") ==
        "x-x-");
  // By the namespace a prefix is bound to, as FindAttribute looks.
  CHECK(flags("<a xmlns:w='http://www.w3.org/XML/1998/namespace'><b w:base='/x'/>"
              "<c xmlns:xml2='http://example.com/'><d xml2:lang='en'/></c></a>") == "-x--");
}

TEST_CASE("XmlReader passes over unwanted text as it would read it") {
  // Without text, every other token comes where it came, with the same
  // offsets, and the same error; with DTD entities the text is still read.
  const auto tokens = [](std::string_view doc, bool text_wanted) {
    XmlReader r(doc);
    r.set_text_wanted(text_wanted);
    std::string out;
    for (XmlReader::Token t = r.Next(); t != XmlReader::Token::kEnd; t = r.Next()) {
      if (t == XmlReader::Token::kText) {
        if (!text_wanted) out += "'" + std::string(r.text()) + "'";
        continue;
      }
      out += (t == XmlReader::Token::kStartElement ? "<" : "</") + std::string(r.qname()) + "@" +
             std::to_string(r.token_begin()) + "-" + std::to_string(r.token_end()) + " ";
    }
    return out + "| " + r.error();
  };
  const std::string_view docs[] = {
      "<a>\n  <b>x &amp; y</b>\n</a>",
      "<a>1 < 2 <b/> 3<</a>",
      "<a>x <",
      "<a>x &lt;<b>t</b> &",
      "<a><![CDATA[ <b> ]]> t <!-- c --> u <?pi?> v</a>",
      "<a>text <b>unterminated",
      "<a>a<1 <2 <:b/>< / <\xC3\xA9/></a>",
      "<!DOCTYPE a [<!ENTITY e 'entity'>]><a>&e; <b>&e;</b></a>",
      "   <a/>  trailing text",
  };
  for (const std::string_view doc : docs) {
    INFO(doc);
    const std::string wanted = tokens(doc, true);
    const std::string unwanted = tokens(doc, false);
    // Only DTD entities bring text back when it is not wanted.
    if (doc.find("<!ENTITY") == std::string_view::npos) {
      CHECK(unwanted == wanted);
    } else {
      CHECK(unwanted.find("'entity") != std::string::npos);
    }
    // The element tokens agree either way.
    const auto elements = [](std::string s) {
      std::string out;
      bool quoted = false;
      for (char c : s) {
        if (c == '\'') {
          quoted = !quoted;
        } else if (!quoted) {
          out += c;
        }
      }
      return out;
    };
    CHECK(elements(unwanted) == elements(wanted));
  }
}

TEST_CASE("XmlReader::ReadSimpleContent reads what the tokens would give, or nothing") {
  // The tokens of each document read with Next() alone, and with
  // ReadSimpleContent() tried after every start element: the same text,
  // the same end tokens with the same offsets, the same error.
  const auto trace = [](std::string_view doc, bool simple) {
    XmlReader r(doc);
    std::string out;
    size_t taken = 0;
    const auto end_token = [&] {
      out += "</" + std::string(r.qname()) + "@" + std::to_string(r.token_begin()) + "-" +
             std::to_string(r.token_end()) + ":" + std::to_string(r.depth()) + ">";
    };
    for (XmlReader::Token t = r.Next(); t != XmlReader::Token::kEnd; t = r.Next()) {
      if (t == XmlReader::Token::kText) {
        out += "'" + std::string(r.text()) + "'";
      } else if (t == XmlReader::Token::kEndElement) {
        end_token();
      } else {
        out += "<" + std::string(r.qname()) + ">";
        if (!simple) continue;
        if (const std::optional<std::string_view> content = r.ReadSimpleContent()) {
          ++taken;
          if (!content->empty()) out += "'" + std::string(*content) + "'";
          end_token();
        }
      }
    }
    return std::make_pair(out + "| " + r.error(), taken);
  };
  struct Case {
    std::string_view doc;
    size_t taken;  // elements ReadSimpleContent reads
  };
  const Case cases[] = {
      {"<a><t>Title</t><l>https://x/</l><e></e><c><![CDATA[<p>x & y</p>]]></c></a>", 4},
      {"<a><t>x &amp; y</t><t>a < b</t><t>x<b/>y</t><t><!-- c -->x</t></a>", 0},
      {"<a><t>x</t ><t>y</T><t> <![CDATA[z]]></t><t><![CDATA[z]]> </t></a>", 0},
      {"<a><t/><t>x</t>", 1},
      {"<a><t>unterminated", 0},
      {"<a><t><![CDATA[unterminated</t></a>", 0},
      {"<a><t>x</t", 0},
      {"<a><p:t xmlns:p='u'>x</p:t><t>after</t></a>", 2},
      {"<a>text<t>x</t>more</a>", 1},
      {"<a><t>x</t></a><b>y</b>", 2},
  };
  for (const Case& c : cases) {
    INFO(c.doc);
    const auto [tokens, none] = trace(c.doc, false);
    const auto [simple, taken] = trace(c.doc, true);
    CHECK(simple == tokens);
    CHECK(taken == c.taken);
  }
}

TEST_CASE("XmlReader scopes default namespace declarations to their element") {
  CHECK(Namespaces("<r xmlns='u1'><a/><b xmlns='u2'><c/></b><d/><e xmlns=''><f/></e><g/></r>") ==
        "<u1|r><u1|a><u2|b><u2|c><u1|d><-|e><-|f><u1|g>");
  // Self-closing, and a prefix declared without changing the default.
  CHECK(Namespaces("<r xmlns='u1'><s xmlns='u2'/><t/><p xmlns:q='u3'><q:x/><y/></p><z/></r>") ==
        "<u1|r><u2|s><u1|t><u1|p><u3|x><u1|y><u1|z>");
  // Elements closed by recovery (a mismatched end tag, the end of input).
  CHECK(Namespaces("<r><s xmlns='u2'><c></s><t/></r>") == "<-|r><u2|s><u2|c><-|t>");
  CHECK(Namespaces("<r xmlns='u1'><s xmlns='u2'><c>") == "<u1|r><u2|s><u2|c>");
  // Unprefixed attributes are in no namespace whatever the default.
  CHECK(Namespaces("<r xmlns='u1' a='1'/>") == "<u1|r -|a=1>");
}

TEST_CASE("XmlReader bounds nesting depth") {
  std::string doc;
  for (int i = 0; i < 1000; ++i) doc += "<a>";
  XmlReader r(doc);
  size_t max_depth = 0;
  for (auto t = r.Next(); t != XmlReader::Token::kEnd; t = r.Next()) {
    max_depth = std::max(max_depth, r.depth());
  }
  CHECK(max_depth == 256);
}

TEST_CASE("XmlReader gives offsets of element content") {
  const std::string_view doc = "<d>x<b>y</b></d>";
  XmlReader r(doc);
  REQUIRE(r.Next() == XmlReader::Token::kStartElement);
  const size_t content_begin = r.token_end();
  while (!(r.Next() == XmlReader::Token::kEndElement && r.local() == "d")) {
  }
  CHECK(doc.substr(content_begin, r.token_begin() - content_begin) == "x<b>y</b>");
}

// Every text token read twice, through AppendText onto what came before and
// through text(), in either order.
std::string AppendedText(std::string_view doc, bool text_first, std::string* via_text) {
  XmlReader r(doc);
  std::string out = "[";
  for (XmlReader::Token t = r.Next(); t != XmlReader::Token::kEnd; t = r.Next()) {
    if (t != XmlReader::Token::kText) continue;
    if (text_first) *via_text += std::string(r.text()) + "|";
    r.AppendText(out);
    out += "|";
    if (!text_first) *via_text += std::string(r.text()) + "|";
  }
  return out;
}

TEST_CASE("XmlReader::AppendText decodes as text() does, onto what is there") {
  const std::string_view docs[] = {
      "<t>&lt;p&gt;a &amp; b&lt;/p&gt;</t><u>plain</u><v><![CDATA[&lt; as is]]></v>",
      "<t>a&nbsp;b<x/>&#x2014;&#150;&unknown; AT&T &</t>",
      "<t>&amp;</t><t>&</t><t>&lt</t>",  // a reference cut short, a bare '&'
      "<t>\u7a00\u571f&amp;\u00e9</t>",
      "<!DOCTYPE t [<!ENTITY e \"&amp;E\">]><t>&e;&e; &lt;</t>",
  };
  for (std::string_view doc : docs) {
    INFO(doc);
    for (bool text_first : {false, true}) {
      std::string via_text;
      const std::string appended = AppendedText(doc, text_first, &via_text);
      CHECK(appended == "[" + via_text);
    }
  }
  std::string ignored;
  CHECK(AppendedText("<t>&lt;p&gt;a &amp; b&lt;/p&gt;</t>", false, &ignored) == "[<p>a & b</p>|");
  CHECK(AppendedText("<!DOCTYPE t [<!ENTITY e \"&amp;E\">]><t>&e;x</t>", false, &ignored) ==
        "[&Ex|");
}

// Runs are copied 16 bytes at a time while '&' is searched, and the common
// references written in the same buffer: every reference at every offset
// from a block's start, at the very end, cut short, and between others.
TEST_CASE("XmlReader decodes references at every offset of a text") {
  struct Ref {
    const char* written;
    const char* decoded;
  };
  const Ref refs[] = {
      {"&lt;", "<"},        {"&gt;", ">"},
      {"&amp;", "&"},       {"&quot;", "\""},
      {"&apos;", "'"},      {"&#x2014;", "\u2014"},
      {"&#233;", "\u00e9"}, {"&eacute;", "\u00e9"},
      {"&nbsp;", "\u00a0"}, {"&unknown;", "&unknown;"},
      {"&", "&"},           {"&lt", "&lt"},
      {"&am", "&am"},
  };
  for (const Ref& ref : refs) {
    for (size_t before = 0; before <= 40; ++before) {
      for (size_t after : {size_t{0}, size_t{1}, size_t{15}, size_t{17}}) {
        const std::string head(before, 'a'), tail(after, 'z');
        // A cut-short reference must not run into the tail's letters.
        const bool cut = std::string_view(ref.written).back() != ';';
        const std::string sep = cut && after > 0 ? " " : "";
        const std::string doc = "<t>" + head + ref.written + sep + tail + "</t>";
        XmlReader r(doc);
        REQUIRE(r.Next() == XmlReader::Token::kStartElement);
        REQUIRE(r.Next() == XmlReader::Token::kText);
        CAPTURE(doc);
        CHECK(r.text() == head + ref.decoded + sep + tail);
      }
    }
  }
  // Escaped HTML: a reference every few bytes, at every alignment.
  for (size_t shift = 0; shift < 16; ++shift) {
    std::string written(shift, 'x'), want(shift, 'x');
    for (int i = 0; i < 30; ++i) {
      written += "&lt;p class=&quot;c&quot;&gt;Caf&eacute; &amp; bar&#8217;s&lt;/p&gt;";
      want += "<p class=\"c\">Caf\u00e9 & bar\u2019s</p>";
    }
    const std::string doc = "<t>" + written + "</t>";  // the reader views it
    XmlReader r(doc);
    REQUIRE(r.Next() == XmlReader::Token::kStartElement);
    REQUIRE(r.Next() == XmlReader::Token::kText);
    CHECK(r.text() == want);
  }
  // A DTD entity whose expansion is longer than the text that uses it: its
  // decoding grows the shared buffer in the middle of the outer text's.
  const std::string long_value(300, 'v');
  const std::string doc = "<!DOCTYPE t [<!ENTITY big \"" + long_value + "&amp;" + long_value +
                          "\">]><t>a&lt;&big;&gt;b</t>";
  XmlReader r(doc);
  REQUIRE(r.Next() == XmlReader::Token::kStartElement);
  REQUIRE(r.Next() == XmlReader::Token::kText);
  CHECK(r.text() == "a<" + long_value + "&" + long_value + ">b");
}

TEST_CASE("XmlReader reports an entity limit whether or not the text is read") {
  // Without DTD entities decoding is left until the text is read; with them
  // it happens at once, so the limit's error is the same either way.
  std::string doc = "<!DOCTYPE t [<!ENTITY a \"0123456789\">]><t>";
  for (int i = 0; i < 20; ++i) doc += "&a;";
  doc += "</t>";
  XmlReader::Limits limits;
  limits.max_entity_expansion = 100;
  XmlReader r(doc, limits);
  while (r.Next() != XmlReader::Token::kEnd) {
  }
  CHECK(r.error().find("entity expansion limit") != std::string::npos);
}

}  // namespace
}  // namespace mineral::feeds
