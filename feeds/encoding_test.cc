#include "feeds/encoding.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>

#include "text/text.h"

namespace mineral::feeds {
namespace {

std::string ReadSharedFile(const std::string& relative) {
  const std::string path = std::string(MINERAL_SHARED_DIR) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  INFO(path);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Utf8Document MustDecode(std::string_view bytes, std::string_view hint = "") {
  Result<Utf8Document> doc = DecodeToUtf8(bytes, hint);
  REQUIRE(doc.ok());
  CHECK(text::IsValidUtf8(doc->text));
  CHECK_FALSE(std::string_view(doc->text).starts_with("\xEF\xBB\xBF"));
  return std::move(doc).value();
}

// A small feed whose title is `title`, with an optional XML declaration
// naming `encoding`.
std::string Feed(std::string_view title, std::string_view encoding) {
  std::string doc = encoding.empty()
                        ? "<?xml version=\"1.0\"?>\n"
                        : "<?xml version=\"1.0\" encoding=\"" + std::string(encoding) + "\"?>\n";
  doc += "<rss version=\"2.0\"><channel><title>";
  doc += title;
  doc += "</title></channel></rss>\n";
  return doc;
}

// UTF-16/32 serialisations built independently of the code under test.
std::string Utf16(std::u16string_view text, bool big_endian, bool bom) {
  std::string out;
  std::u16string with_bom = bom ? u"\uFEFF" + std::u16string(text) : std::u16string(text);
  for (char16_t unit : with_bom) {
    const char hi = static_cast<char>(unit >> 8);
    const char lo = static_cast<char>(unit & 0xFF);
    out += big_endian ? std::string{hi, lo} : std::string{lo, hi};
  }
  return out;
}

std::string Utf32(std::u32string_view text, bool big_endian, bool bom) {
  std::u32string with_bom = bom ? U"\uFEFF" + std::u32string(text) : std::u32string(text);
  std::string out;
  for (char32_t unit : with_bom) {
    char bytes[4];
    for (int k = 0; k < 4; ++k) bytes[k] = static_cast<char>(unit >> (8 * k));
    if (big_endian) std::swap(bytes[0], bytes[3]), std::swap(bytes[1], bytes[2]);
    out.append(bytes, 4);
  }
  return out;
}

TEST_CASE("CharsetFromContentType", "[encoding]") {
  struct Case {
    std::string_view content_type;
    std::string_view charset;
  };
  const Case cases[] = {
      {"", ""},
      {"text/xml", ""},
      {"text/xml; charset=utf-8", "utf-8"},
      {"text/xml;charset=UTF-8", "utf-8"},
      {"text/xml; charset=\"ISO-8859-1\"", "iso-8859-1"},
      {"application/rss+xml; Charset = GB2312 ", "gb2312"},
      {"text/html; boundary=x; charset=windows-1251", "windows-1251"},
      {"text/html; name=\"a;charset=bogus\"; charset=big5", "big5"},
      {"text/xml; charset=", ""},
      {"text/xml; charset", ""},
      {"text/xml; xcharset=utf-8", ""},
      {"text/xml; charset=\"unterminated", "unterminated"},
  };
  for (const Case& c : cases) {
    INFO(c.content_type);
    CHECK(CharsetFromContentType(c.content_type) == c.charset);
  }
}

TEST_CASE("DecodeToUtf8 reads legacy encodings from the declaration and the hint", "[encoding]") {
  struct Case {
    std::string_view label;    // as a publisher writes it
    std::string_view encoded;  // the title in that encoding
    std::string_view utf8;     // the same title in UTF-8
    std::string_view charset;  // reported
  };
  // Byte literals from Python: "...".encode(label).  Several need the wider
  // encoding the label is read as (GBK/GB18030 characters in "gb2312", HKSCS in
  // "big5", NEC symbols in "shift_jis", UHC syllables in "euc-kr").
  const Case cases[] = {
      {"ISO-8859-1", "Caf\xE9 M\xFCnster", "Caf\u00e9 M\u00fcnster", "windows-1252"},
      {"iso-8859-1", "don\x92t", "don\u2019t", "windows-1252"},
      {"latin1", "\x93quoted\x94", "\u201cquoted\u201d", "windows-1252"},
      {"us-ascii", "5 \x80", "5 \u20ac", "windows-1252"},
      {"windows-1252",
       "don\x92t \x93rare\x94 \x97 \x80"
       "5",
       "don\u2019t \u201crare\u201d \u2014 \u20ac5", "windows-1252"},
      {"GB2312", "\xCF\xA1\xCD\xC1\xB3\xF6\xBF\xDA\xB9\xDC\xD6\xC6",
       "\u7a00\u571f\u51fa\u53e3\u7ba1\u5236", "gb18030"},
      {"gb2312",
       "\xCF\xA1\xCD\xC1\xA3\xBA\x86\xB4\xE9"
       "F",
       "\u7a00\u571f\uff1a\u5586\u9555", "gb18030"},
      {"GBK",
       "\xCF\xA1\xCD\xC1\xA3\xBA\x86\xB4\xE9"
       "F",
       "\u7a00\u571f\uff1a\u5586\u9555", "gb18030"},
      {"x-gbk", "\xCF\xA1\xCD\xC1", "\u7a00\u571f", "gb18030"},
      {"GB18030",
       "\xCF\xA1\xCD\xC1\x95"
       "2\x82"
       "6\xA2\xE3",
       "\u7a00\u571f\U00020000\u20ac", "gb18030"},
      {"Big5",
       "\xB5}\xA4g\xA5X\xA4"
       "f\xBA\xDE\xA8\xEE",
       "\u7a00\u571f\u51fa\u53e3\u7ba1\u5236", "big5-hkscs"},
      {"big5", "\xB5}\xA4g \x92w", "\u7a00\u571f \u3435", "big5-hkscs"},
      {"Shift_JIS",
       "\x83\x8C\x83"
       "A\x83"
       "A\x81[\x83X\x97"
       "A\x8Fo\x8BK\x90\xA7",
       "\u30ec\u30a2\u30a2\u30fc\u30b9\u8f38\u51fa\u898f\u5236", "cp932"},
      {"shift_jis",
       "\x83\x8C\x83"
       "A\x83"
       "A\x81[\x83X\x87@",
       "\u30ec\u30a2\u30a2\u30fc\u30b9\u2460", "cp932"},
      {"sjis",
       "\x83\x8C\x83"
       "A",
       "\u30ec\u30a2", "cp932"},
      {"EUC-KR", "\xC8\xF1\xC5\xE4\xB7\xF9 \xBC\xF6\xC3\xE2 \xC5\xEB\xC1\xA6",
       "\ud76c\ud1a0\ub958 \uc218\ucd9c \ud1b5\uc81c", "cp949"},
      {"euc-kr",
       "\xC8\xF1\xC5\xE4\xB7\xF9 \x8C"
       "c",
       "\ud76c\ud1a0\ub958 \ub620", "cp949"},
      {"EUC-JP", "\xA5\xEC\xA5\xA2\xA5\xA2\xA1\xBC\xA5\xB9", "\u30ec\u30a2\u30a2\u30fc\u30b9",
       "euc-jp"},
      {"KOI8-R", "\xF0\xD2\xC9\xD7\xC5\xD4", "\u041f\u0440\u0438\u0432\u0435\u0442", "koi8-r"},
      {"windows-1251", "\xCF\xF0\xE8\xE2\xE5\xF2", "\u041f\u0440\u0438\u0432\u0435\u0442",
       "windows-1251"},
      {"UTF-8", "\u7a00\u571f", "\u7a00\u571f", "utf-8"},
  };
  for (const Case& c : cases) {
    INFO(c.label);
    SECTION("declared: " + std::string(c.label)) {
      const Utf8Document doc = MustDecode(Feed(c.encoded, c.label));
      // The declaration is left as written: the XML reader ignores it.
      CHECK(doc.text == Feed(c.utf8, c.label));
      CHECK(doc.charset == c.charset);
    }
    SECTION("hinted: " + std::string(c.label)) {
      const Utf8Document doc = MustDecode(Feed(c.encoded, ""), c.label);
      CHECK(doc.text == Feed(c.utf8, ""));
      CHECK(doc.charset == c.charset);
    }
    SECTION("declaration beats hint: " + std::string(c.label)) {
      const Utf8Document doc = MustDecode(Feed(c.encoded, c.label), "utf-8");
      CHECK(doc.text == Feed(c.utf8, c.label));
    }
  }
}

TEST_CASE("DecodeToUtf8 honours byte order marks", "[encoding]") {
  const std::string xml = Feed("caf\u00e9 \u7a00\u571f \U0001F600", "");
  const std::u16string xml16 =
      u"<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>caf\u00e9 \u7a00\u571f "
      u"\U0001F600</title></channel></rss>\n";
  const std::u32string xml32 =
      U"<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>caf\u00e9 \u7a00\u571f "
      U"\U0001F600</title></channel></rss>\n";
  struct Case {
    std::string name;
    std::string bytes;
    std::string_view charset;
  };
  const Case cases[] = {
      {"utf-8", "\xEF\xBB\xBF" + xml, "utf-8"},
      {"utf-16le", Utf16(xml16, false, true), "utf-16le"},
      {"utf-16be", Utf16(xml16, true, true), "utf-16be"},
      {"utf-32le", Utf32(xml32, false, true), "utf-32le"},
      {"utf-32be", Utf32(xml32, true, true), "utf-32be"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    // The hint is wrong on purpose: a BOM outranks everything.
    const Utf8Document doc = MustDecode(c.bytes, "iso-8859-1");
    CHECK(doc.text == xml);
    CHECK(doc.charset == c.charset);
  }
}

TEST_CASE("DecodeToUtf8 detects UTF-16 and UTF-32 without a BOM", "[encoding]") {
  const std::u16string decl16 =
      u"<?xml version=\"1.0\" encoding=\"utf-16\"?><rss><title>\u7a00\u571f</title></rss>";
  const std::string expected16 =
      "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss><title>\u7a00\u571f</title></rss>";
  CHECK(MustDecode(Utf16(decl16, false, false)).text == expected16);
  CHECK(MustDecode(Utf16(decl16, true, false)).text == expected16);
  CHECK(MustDecode(Utf16(decl16, false, false)).charset == "utf-16le");
  CHECK(MustDecode(Utf16(decl16, true, false)).charset == "utf-16be");

  // No declaration at all: the zero bytes still tell.
  CHECK(MustDecode(Utf16(u"<rss>\u00e9</rss>", false, false)).text == "<rss>\u00e9</rss>");

  const std::u32string decl32 = U"<?xml version=\"1.0\" encoding=\"UTF-32\"?><t>\U0001F600</t>";
  CHECK(MustDecode(Utf32(decl32, false, false)).text ==
        "<?xml version=\"1.0\" encoding=\"UTF-32\"?><t>\U0001F600</t>");
  CHECK(MustDecode(Utf32(decl32, true, false)).charset == "utf-32be");

  // An ASCII document that claims UTF-16 is not decoded as UTF-16.
  const std::string liar = Feed("caf\u00e9", "utf-16");
  CHECK(MustDecode(liar).text == liar);
  CHECK(MustDecode(Feed("x", ""), "utf-16").text == Feed("x", ""));
}

TEST_CASE("DecodeToUtf8 falls back when the label is wrong or unknown", "[encoding]") {
  SECTION("declared utf-8, really windows-1252") {
    const Utf8Document doc = MustDecode(Feed("don\x92t \x93stop\x94 caf\xE9", "utf-8"));
    CHECK(doc.text == Feed("don\u2019t \u201cstop\u201d caf\u00e9", "utf-8"));
    CHECK(doc.charset == "windows-1252");
  }
  SECTION("no label, windows-1252 bytes") {
    const Utf8Document doc = MustDecode(Feed("caf\xE9", ""));
    CHECK(doc.text == Feed("caf\u00e9", ""));
    CHECK(doc.charset == "windows-1252");
  }
  SECTION("UTF-8 with one damaged byte stays UTF-8") {
    const Utf8Document doc = MustDecode(Feed("\u7a00\u571f caf\u00e9 \xFF end", ""));
    CHECK(doc.text == Feed("\u7a00\u571f caf\u00e9 \uFFFD end", ""));
    CHECK(doc.charset == "utf-8");
  }
  SECTION("declared gb2312, really UTF-8") {
    const Utf8Document doc = MustDecode(Feed("\u7a00\u571f\u51fa\u53e3", "gb2312"));
    CHECK(doc.text == Feed("\u7a00\u571f\u51fa\u53e3", "gb2312"));
    CHECK(doc.charset == "utf-8");
  }
  SECTION("declared shift_jis, really windows-1252") {
    const Utf8Document doc = MustDecode(Feed("\xA0\xA0\xFD\xFE\xFF", "shift_jis"));
    CHECK(doc.charset == "windows-1252");
    CHECK(doc.text == Feed("\u00a0\u00a0\u00fd\u00fe\u00ff", "shift_jis"));
  }
  SECTION("declared gbk with a stray byte in a long text keeps gbk") {
    std::string title;
    for (int i = 0; i < 60; ++i) title += "\xCF\xA1\xCD\xC1";
    title += "\xFF";
    std::string expected;
    for (int i = 0; i < 60; ++i) expected += "\u7a00\u571f";
    expected += "\uFFFD";
    const Utf8Document doc = MustDecode(Feed(title, "gbk"));
    CHECK(doc.charset == "gb18030");
    CHECK(doc.text == Feed(expected, "gbk"));
  }
  SECTION("labelled latin-1 but well-formed UTF-8") {
    const Utf8Document doc = MustDecode(Feed("caf\u00e9", ""), "ISO-8859-1");
    CHECK(doc.text == Feed("caf\u00e9", ""));
    CHECK(doc.charset == "utf-8");
  }
  SECTION("unknown labels") {
    for (std::string_view label : {"x-klingon", "utf-8//TRANSLIT", "../../etc/passwd", "a b",
                                   "averyveryveryveryveryverylongcharsetnamethatisnotreal"}) {
      INFO(label);
      CHECK(MustDecode(Feed("caf\u00e9", ""), label).text == Feed("caf\u00e9", ""));
      CHECK(MustDecode(Feed("caf\xE9", ""), label).text == Feed("caf\u00e9", ""));
      CHECK(MustDecode(Feed("caf\xE9", label)).charset == "windows-1252");
    }
  }
}

TEST_CASE("DecodeToUtf8 edge cases", "[encoding]") {
  Utf8Document doc = MustDecode("", "");
  CHECK(doc.text.empty());
  CHECK(doc.charset == "utf-8");
  CHECK(MustDecode("", "gbk").text.empty());
  CHECK(MustDecode("\xEF\xBB\xBF", "").text.empty());
  CHECK(MustDecode("\xFF\xFE", "").text.empty());
  CHECK(MustDecode("\xEF\xBB\xBF\xEF\xBB\xBF<a/>", "").text == "<a/>");
  CHECK(MustDecode("<", "").text == "<");
  // A UTF-16 document cut in the middle of a code unit or surrogate pair.
  CHECK(MustDecode(std::string("\xFF\xFE<\x00"
                               "a",
                               5),
                   "")
            .text == "<\uFFFD");
  CHECK(MustDecode(std::string("\xFF\xFEx\x00=\xD8", 6), "").text == "x\uFFFD");
  // A lone surrogate in UTF-16.
  CHECK(MustDecode(std::string("\xFF\xFE"
                               "a\x00\x00\xD8"
                               "b\x00",
                               8),
                   "")
            .text == "a\uFFFDb");
  // Stateful encoding.
  CHECK(MustDecode("\x1B$B%l%\"\x1B(B!", "iso-2022-jp").text == "\u30ec\u30a2!");
  // Declarations with single quotes and odd spacing.
  CHECK(MustDecode("<?xml version='1.0' encoding = 'gbk' ?><t>\xCF\xA1</t>", "").text ==
        "<?xml version='1.0' encoding = 'gbk' ?><t>\u7a00</t>");
  CHECK(MustDecode("<?xml version='1.0' encoding = 'gbk' ?><t>\xCF\xA1</t>", "").charset ==
        "gb18030");
}

TEST_CASE("DecodeToUtf8 reads C1 controls as windows-1252", "[encoding]") {
  CHECK(MustDecode("don\xC2\x92t", "").text == "don\u2019t");
  CHECK(MustDecode("\xC2\x80 \xC2\x9F", "").text == "\u20ac \u0178");
  // Undefined in windows-1252: nothing better to read them as.
  CHECK(MustDecode("\xC2\x81", "").text == "\xC2\x81");
  CHECK(MustDecode("caf\xC3\xA9 \xC2\xA0", "").text == "caf\u00e9 \u00a0");
  CHECK(MustDecode("x\x81y", "windows-1252").text == "x\u0081y");
}

TEST_CASE("DecodeToUtf8 on the feedparser encoding cases", "[encoding]") {
  const std::string dir = "conformance/feedparser/cases/encoding/";
  SECTION("demoronize-1: U+0092 in UTF-8") {
    const Utf8Document doc = MustDecode(ReadSharedFile(dir + "demoronize-1.xml"), "");
    CHECK(doc.charset == "utf-8");
    CHECK(doc.text.find("<description>don\u2019t</description>") != std::string::npos);
  }
  SECTION("demoronize-2: a numeric reference is left to the XML reader") {
    const Utf8Document doc = MustDecode(ReadSharedFile(dir + "demoronize-2.xml"), "");
    CHECK(doc.text.find("<description>don&#146;t</description>") != std::string::npos);
    CHECK(text::DecodeHtmlEntities("don&#146;t") == "don\u2019t");
  }
  SECTION("euc-kr declared") {
    for (const char* file : {"euc-kr.xml", "euc-kr-item.xml"}) {
      INFO(file);
      const Utf8Document doc = MustDecode(ReadSharedFile(dir + file), "");
      CHECK(doc.charset == "cp949");
      CHECK(doc.text.find(">\ub144</") != std::string::npos);
      CHECK(doc.text.starts_with("<?xml version=\"1.0\" encoding=\"euc-kr\"?>"));
    }
  }
}

TEST_CASE("DecodeToUtf8 never fails on random bytes", "[encoding]") {
  std::mt19937 rng(42);
  const std::string_view hints[] = {"",       "utf-8",      "gbk",    "big5",        "shift_jis",
                                    "euc-kr", "iso-8859-1", "utf-16", "iso-2022-jp", "bogus"};
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> size(0, 48);
  for (int i = 0; i < 3000; ++i) {
    std::string bytes(size(rng), '\0');
    for (char& c : bytes) c = static_cast<char>(byte(rng));
    if (i % 3 == 0)
      bytes = "<?xml version=\"1.0\" encoding=\"" + std::string(hints[i % 10]) + "\"?>" + bytes;
    if (i % 5 == 0) bytes = "\xFF\xFE" + bytes;
    Result<Utf8Document> doc = DecodeToUtf8(bytes, hints[(i / 10) % 10]);
    REQUIRE(doc.ok());
    INFO(bytes);
    REQUIRE(text::IsValidUtf8(doc->text));
    REQUIRE_FALSE(std::string_view(doc->text).starts_with("\xEF\xBB\xBF"));
  }
}

TEST_CASE("Windows1252ToUnicode", "[encoding]") {
  CHECK(text::Windows1252ToUnicode('A') == U'A');
  CHECK(text::Windows1252ToUnicode(0x80) == 0x20AC);
  CHECK(text::Windows1252ToUnicode(0x92) == 0x2019);
  CHECK(text::Windows1252ToUnicode(0x96) == 0x2013);
  CHECK(text::Windows1252ToUnicode(0x9F) == 0x0178);
  CHECK(text::Windows1252ToUnicode(0x81) == 0x81);
  CHECK(text::Windows1252ToUnicode(0xA0) == 0xA0);
  CHECK(text::Windows1252ToUnicode(0xFF) == 0xFF);
}

}  // namespace
}  // namespace mineral::feeds

namespace mineral::feeds {
namespace {

TEST_CASE("IsCleanUtf8 is true exactly when decoding would change nothing") {
  struct Case {
    const char* name;
    std::string bytes;
    const char* hint;
    bool clean;
  };
  const Case cases[] = {
      {"ASCII", "<rss><channel><title>x</title></channel></rss>", "", true},
      {"UTF-8 with BOM", "\xEF\xBB\xBF<rss>稀土</rss>", "", true},
      {"declared utf-8", "<?xml version='1.0' encoding='UTF-8'?><rss>é</rss>", "", true},
      {"hint utf-8", "<rss>é</rss>", "utf-8", true},
      {"declared latin-1", "<?xml version='1.0' encoding='iso-8859-1'?><rss>x</rss>", "", false},
      {"hint GBK", "<rss>x</rss>", "gbk", false},
      {"invalid UTF-8", "<rss>\xE9</rss>", "", false},
      {"C1 control to tidy", "<rss>don\xC2\x92t</rss>", "", false},
      {"C1 control across a 32-byte block", "<rss>" + std::string(26, 'a') + "\xC2\x92t</rss>", "",
       false},
      {"C1 control in a later block", "<rss>" + std::string(200, 'a') + "\xC2\x9F</rss>", "",
       false},
      {"no-break space, no C1 control", "<rss>" + std::string(26, 'a') + "\xC2\xA0</rss>", "",
       true},
      {"UTF-16 BOM", std::string("\xFF\xFE<\0r\0", 6), "", false},
      {"double BOM", "\xEF\xBB\xBF\xEF\xBB\xBF<rss/>", "", false},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    CHECK(IsCleanUtf8(c.bytes, c.hint) == c.clean);
    if (c.clean) {
      const auto decoded = DecodeToUtf8(c.bytes, c.hint);
      REQUIRE(decoded.ok());
      std::string_view expected = c.bytes;
      if (expected.substr(0, 3) == "\xEF\xBB\xBF") expected.remove_prefix(3);
      CHECK(decoded->text == expected);
    }
  }
}

TEST_CASE("windows-1252 decoding finds non-ASCII bytes at every offset of a 16-byte block") {
  // ASCII is skipped 16 bytes at a time: each byte of 0x80-0xFF is put at
  // every offset across three blocks, alone at the end and before more text,
  // and checked against a byte-at-a-time reference.
  const auto reference = [](std::string_view bytes) {
    std::string out;
    for (char c : bytes) {
      const auto b = static_cast<unsigned char>(c);
      if (b < 0x80) {
        out.push_back(c);
      } else {
        text::AppendUtf8(text::Windows1252ToUnicode(b), out);
      }
    }
    return out;
  };
  for (size_t offset = 0; offset < 50; ++offset) {
    for (int b = 0x80; b <= 0xFF; ++b) {
      const std::string head = std::string(offset, 'a') + static_cast<char>(b);
      for (const std::string& bytes :
           {head, head + "bc" + static_cast<char>(b) + "d" + std::string(20, 'e')}) {
        const auto decoded = DecodeToUtf8(bytes, "windows-1252");
        REQUIRE(decoded.ok());
        INFO("offset " << offset << ", byte " << b << ", " << bytes.size() << " bytes");
        CHECK(decoded->text == reference(bytes));
      }
    }
  }
  // Pure ASCII of every length up to three blocks comes back as it went in.
  for (size_t len = 1; len < 50; ++len) {
    const std::string ascii(len, 'x');
    const auto decoded = DecodeToUtf8(ascii, "windows-1252");
    REQUIRE(decoded.ok());
    CHECK(decoded->text == ascii);
  }
}

}  // namespace
}  // namespace mineral::feeds
