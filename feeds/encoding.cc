#include "feeds/encoding.h"

#include <errno.h>
#include <iconv.h>

#include <algorithm>
#include <cstdint>
#include <optional>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "text/text.h"
#include "text/utf8_validate.h"

namespace mineral::feeds {
namespace {

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// How bytes become UTF-8: the two most common encodings are decoded here
// (UTF-8 needs only validation; windows-1252 is a table), the rest by iconv.
enum class Decoder { kUtf8, kWindows1252, kIconv };

struct Codec {
  std::string name;   // reported in Utf8Document::charset
  std::string iconv;  // iconv's name, for Decoder::kIconv
  Decoder decoder = Decoder::kIconv;
  size_t unit = 1;  // bytes to skip past an invalid sequence
};

Codec Utf8Codec() { return {"utf-8", "", Decoder::kUtf8, 1}; }
Codec Windows1252Codec() { return {"windows-1252", "", Decoder::kWindows1252, 1}; }
Codec WideCodec(std::string_view name, size_t unit) {
  std::string iconv_name(name);
  for (char& c : iconv_name) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return {std::string(name), iconv_name, Decoder::kIconv, unit};
}

// Labels publishers write, widened to the superset they nearly always mean,
// as the WHATWG Encoding Standard does: text labelled Latin-1 or ASCII uses
// windows-1252's curly quotes, GB2312 text uses GBK and GB18030 characters,
// Shift_JIS and EUC-KR text uses Microsoft's extensions, Big5 text uses HKSCS.
struct Alias {
  std::string_view label;
  std::string_view name;
  std::string_view iconv;
};
constexpr Alias kAliases[] = {
    {"utf-8", "utf-8", ""},
    {"utf8", "utf-8", ""},
    {"unicode-1-1-utf-8", "utf-8", ""},
    {"x-unicode20utf8", "utf-8", ""},
    {"windows-1252", "windows-1252", ""},
    {"cp1252", "windows-1252", ""},
    {"x-cp1252", "windows-1252", ""},
    {"iso-8859-1", "windows-1252", ""},
    {"iso8859-1", "windows-1252", ""},
    {"iso_8859-1", "windows-1252", ""},
    {"iso_8859-1:1987", "windows-1252", ""},
    {"iso-ir-100", "windows-1252", ""},
    {"latin1", "windows-1252", ""},
    {"latin-1", "windows-1252", ""},
    {"l1", "windows-1252", ""},
    {"csisolatin1", "windows-1252", ""},
    {"cp819", "windows-1252", ""},
    {"ibm819", "windows-1252", ""},
    {"us-ascii", "windows-1252", ""},
    {"ascii", "windows-1252", ""},
    {"ansi_x3.4-1968", "windows-1252", ""},
    {"gb18030", "gb18030", "GB18030"},
    {"gb2312", "gb18030", "GB18030"},
    {"gb_2312-80", "gb18030", "GB18030"},
    {"csgb2312", "gb18030", "GB18030"},
    {"euc-cn", "gb18030", "GB18030"},
    {"x-euc-cn", "gb18030", "GB18030"},
    {"gbk", "gb18030", "GB18030"},
    {"x-gbk", "gb18030", "GB18030"},
    {"cp936", "gb18030", "GB18030"},
    {"windows-936", "gb18030", "GB18030"},
    {"chinese", "gb18030", "GB18030"},
    {"shift_jis", "cp932", "CP932"},
    {"shift-jis", "cp932", "CP932"},
    {"sjis", "cp932", "CP932"},
    {"x-sjis", "cp932", "CP932"},
    {"ms_kanji", "cp932", "CP932"},
    {"csshiftjis", "cp932", "CP932"},
    {"windows-31j", "cp932", "CP932"},
    {"cp932", "cp932", "CP932"},
    {"ms932", "cp932", "CP932"},
    {"euc-kr", "cp949", "CP949"},
    {"cseuckr", "cp949", "CP949"},
    {"cp949", "cp949", "CP949"},
    {"uhc", "cp949", "CP949"},
    {"windows-949", "cp949", "CP949"},
    {"ks_c_5601-1987", "cp949", "CP949"},
    {"ks_c_5601-1989", "cp949", "CP949"},
    {"ksc5601", "cp949", "CP949"},
    {"ksc_5601", "cp949", "CP949"},
    {"korean", "cp949", "CP949"},
    {"big5", "big5-hkscs", "BIG5-HKSCS"},
    {"big5-hkscs", "big5-hkscs", "BIG5-HKSCS"},
    {"cn-big5", "big5-hkscs", "BIG5-HKSCS"},
    {"csbig5", "big5-hkscs", "BIG5-HKSCS"},
    {"x-x-big5", "big5-hkscs", "BIG5-HKSCS"},
};

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
  }
  return out;
}

// UTF-16 and UTF-32 labels name a byte layout, not a repertoire; they are only
// believed when the bytes show that layout (see SniffWide), since decoding
// ASCII as UTF-16 "succeeds" with CJK garbage.
bool IsWideLabel(std::string_view label) {
  for (std::string_view prefix : {"utf-16", "utf16", "utf-32", "utf32", "ucs-2", "ucs-4", "ucs2",
                                  "ucs4", "iso-10646-ucs", "csunicode"}) {
    if (label.starts_with(prefix)) return true;
  }
  return label == "unicode" || label == "unicodefffe" || label == "unicodefeff";
}

bool IconvKnows(const std::string& name) {
  iconv_t cd = iconv_open("UTF-8", name.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  iconv_close(cd);
  return true;
}

// The codec for a charset label, nullopt when unknown.  `label` is lower case.
std::optional<Codec> ResolveLabel(std::string_view label) {
  for (const Alias& alias : kAliases) {
    if (alias.label != label) continue;
    if (alias.name == "utf-8") return Utf8Codec();
    if (alias.name == "windows-1252") return Windows1252Codec();
    return Codec{std::string(alias.name), std::string(alias.iconv), Decoder::kIconv, 1};
  }
  // Anything else goes to iconv by name, if it looks like a name: labels come
  // from the network, and iconv would act on suffixes such as "//TRANSLIT".
  if (label.empty() || label.size() > 40) return std::nullopt;
  for (char c : label) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                    c == '.' || c == ':';
    if (!ok) return std::nullopt;
  }
  Codec codec = WideCodec(label, 1);
  if (!IconvKnows(codec.iconv)) return std::nullopt;
  return codec;
}

// A byte order mark and the codec it names; unit is 0 when there is none.
struct Bom {
  Codec codec;
  size_t length = 0;
};

Bom DetectBom(std::string_view b) {
  const auto at = [&](size_t i) { return static_cast<unsigned char>(b[i]); };
  // UTF-32LE's BOM begins with UTF-16LE's, so test it first.
  if (b.size() >= 4 && at(0) == 0xFF && at(1) == 0xFE && at(2) == 0 && at(3) == 0) {
    return {WideCodec("utf-32le", 4), 4};
  }
  if (b.size() >= 4 && at(0) == 0 && at(1) == 0 && at(2) == 0xFE && at(3) == 0xFF) {
    return {WideCodec("utf-32be", 4), 4};
  }
  if (b.size() >= 3 && at(0) == 0xEF && at(1) == 0xBB && at(2) == 0xBF) return {Utf8Codec(), 3};
  if (b.size() >= 2 && at(0) == 0xFF && at(1) == 0xFE) return {WideCodec("utf-16le", 2), 2};
  if (b.size() >= 2 && at(0) == 0xFE && at(1) == 0xFF) return {WideCodec("utf-16be", 2), 2};
  return {};
}

// UTF-16 or UTF-32 without a BOM, told by where the zero bytes of the first
// ASCII characters fall (XML 1.0 Appendix F.1 does this for "<?xml"; any
// ASCII start works, since ASCII-compatible documents have no NUL bytes).
std::optional<Codec> SniffWide(std::string_view b) {
  if (b.size() < 4) return std::nullopt;
  const bool z0 = b[0] == 0, z1 = b[1] == 0, z2 = b[2] == 0, z3 = b[3] == 0;
  if (!z0 && z1 && z2 && z3) return WideCodec("utf-32le", 4);
  if (z0 && z1 && z2 && !z3) return WideCodec("utf-32be", 4);
  if (!z0 && z1 && !z2 && z3) return WideCodec("utf-16le", 2);
  if (z0 && !z1 && z2 && !z3) return WideCodec("utf-16be", 2);
  return std::nullopt;
}

// The encoding attribute of an XML declaration at the start of an
// ASCII-compatible document, lower case; "" when there is none.
std::string DeclaredEncoding(std::string_view b) {
  size_t start = 0;
  while (start < b.size() && start < 64 && IsAsciiSpace(b[start])) ++start;
  b = b.substr(start);
  if (!b.starts_with("<?xml")) return "";
  const size_t end = b.substr(0, 1024).find("?>");
  if (end == std::string_view::npos) return "";
  std::string_view decl = b.substr(5, end - 5);
  for (size_t at = decl.find("encoding"); at != std::string_view::npos;
       at = decl.find("encoding", at + 1)) {
    std::string_view rest = decl.substr(at + 8);
    while (!rest.empty() && IsAsciiSpace(rest.front())) rest.remove_prefix(1);
    if (rest.empty() || rest.front() != '=') continue;
    rest.remove_prefix(1);
    while (!rest.empty() && IsAsciiSpace(rest.front())) rest.remove_prefix(1);
    if (rest.empty() || (rest.front() != '"' && rest.front() != '\'')) continue;
    const size_t close = rest.find(rest.front(), 1);
    if (close == std::string_view::npos) return "";
    return Lower(text::TrimAsciiWhitespace(rest.substr(1, close - 1)));
  }
  return "";
}

struct Decoded {
  std::string text;
  size_t errors = 0;     // invalid sequences replaced by U+FFFD
  size_t multibyte = 0;  // well-formed non-ASCII characters (UTF-8 only)
};

Decoded DecodeUtf8(std::string_view bytes) {
  Decoded out;
  if (text::IsValidUtf8(bytes)) {
    out.text = bytes;
    return out;  // `multibyte` is only read when there are errors
  }
  for (size_t i = 0; i < bytes.size();) {
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    const text::Utf8Char ch = text::DecodeUtf8Char(bytes.substr(i));
    ++(ch.valid ? out.multibyte : out.errors);
    i += ch.length;
  }
  out.text = out.errors == 0 ? std::string(bytes) : text::ReplaceInvalidUtf8(bytes);
  return out;
}

Decoded DecodeWindows1252(std::string_view bytes) {
  Decoded out;
  out.text.reserve(bytes.size() + bytes.size() / 4);
  size_t run = 0;
  const size_t n = bytes.size();
  for (size_t i = 0; i < n; ++i) {
#if defined(__SSE2__)
    // ASCII is copied as it is: find the next byte of 0x80 or more 16 bytes
    // at a time.
    while (i + 16 <= n) {
      const int mask =
          _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes.data() + i)));
      if (mask != 0) {
        i += static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
        break;
      }
      i += 16;
    }
    if (i >= n) break;
#endif
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) continue;
    out.text.append(bytes.data() + run, i - run);
    text::AppendUtf8(text::Windows1252ToUnicode(c), out.text);
    run = i + 1;
  }
  out.text.append(bytes.data() + run, n - run);
  return out;
}

// Converts with iconv, replacing each invalid sequence with U+FFFD and going
// on past it, so the conversion itself never fails.  nullopt when iconv does
// not know the encoding.
std::optional<Decoded> DecodeWithIconv(std::string_view bytes, const Codec& codec) {
  iconv_t cd = iconv_open("UTF-8", codec.iconv.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  Decoded out;
  out.text.resize(bytes.size() + bytes.size() / 2 + 64);
  size_t used = 0;
  char* in = const_cast<char*>(bytes.data());  // iconv's API is not const-correct
  size_t in_left = bytes.size();
  bool flushing = false;
  while (true) {
    char* out_ptr = out.text.data() + used;
    size_t out_left = out.text.size() - used;
    // A final call with no input flushes a stateful decoder (ISO-2022-JP).
    const size_t rc = flushing ? iconv(cd, nullptr, nullptr, &out_ptr, &out_left)
                               : iconv(cd, &in, &in_left, &out_ptr, &out_left);
    const int error = errno;
    used = out_ptr - out.text.data();
    if (rc != static_cast<size_t>(-1)) {
      if (flushing) break;
      flushing = true;
      continue;
    }
    if (error == E2BIG || out.text.size() - used < kReplacementChar.size()) {
      out.text.resize(out.text.size() * 2);
      if (error == E2BIG) continue;
    }
    if (error == EILSEQ || error == EINVAL) {
      // EINVAL: the input ends inside a sequence.
      ++out.errors;
      out.text.replace(used, kReplacementChar.size(), kReplacementChar);
      used += kReplacementChar.size();
      const size_t skip = error == EINVAL ? in_left : std::min(codec.unit, in_left);
      in += skip;
      in_left -= skip;
      continue;
    }
    break;  // not expected from iconv(3); keep what was converted
  }
  iconv_close(cd);
  out.text.resize(used);
  return out;
}

bool LooksLikeUtf8(const Decoded& utf8) { return utf8.errors == 0 || utf8.multibyte > utf8.errors; }

// The fallback when the chosen encoding is unknown or wrong: UTF-8 when the
// bytes are UTF-8, with a little damage tolerated where well-formed multi-byte
// characters outnumber the bad bytes (real windows-1252 text almost never
// forms a well-formed multi-byte sequence); else windows-1252.
Utf8Document Fallback(std::string_view bytes, Decoded utf8) {
  if (LooksLikeUtf8(utf8)) return {std::move(utf8.text), "utf-8"};
  return {DecodeWindows1252(bytes).text, "windows-1252"};
}

// `trusted` when a BOM or the byte layout chose the codec: then a bad
// sequence is damage, not a sign of the wrong encoding.
Utf8Document Decode(std::string_view bytes, const Codec& codec, bool trusted) {
  switch (codec.decoder) {
    case Decoder::kUtf8: {
      Decoded utf8 = DecodeUtf8(bytes);
      if (trusted) return {std::move(utf8.text), "utf-8"};
      return Fallback(bytes, std::move(utf8));
    }
    case Decoder::kWindows1252: {
      // Every byte is valid windows-1252, but a label of Latin-1 on UTF-8 text
      // is a common server default; well-formed multi-byte UTF-8 is decisive.
      const bool non_ascii = std::any_of(
          bytes.begin(), bytes.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
      if (non_ascii && text::IsValidUtf8(bytes)) return {std::string(bytes), "utf-8"};
      return {DecodeWindows1252(bytes).text, "windows-1252"};
    }
    case Decoder::kIconv:
      break;
  }
  std::optional<Decoded> decoded = DecodeWithIconv(bytes, codec);
  if (decoded && (decoded->errors == 0 || trusted)) return {std::move(decoded->text), codec.name};
  Decoded utf8 = DecodeUtf8(bytes);
  if (utf8.errors == 0 || !decoded) return Fallback(bytes, std::move(utf8));
  // Mostly right with a few damaged characters: keep the declared encoding
  // rather than turning the whole document into windows-1252 mojibake.
  if (decoded->errors * 100 <= bytes.size()) return {std::move(decoded->text), codec.name};
  return Fallback(bytes, std::move(utf8));
}

// Text labelled UTF-8 often carries windows-1252 punctuation as C1 control
// characters (0x92 encoded as U+0092); no feed means a C1 control, so read
// them as windows-1252, as feedparser does.  Also drops any BOM left at the
// start (some documents carry two).
void Tidy(std::string& text) {
  size_t bom = 0;
  while (text.compare(bom, 3, "\xEF\xBB\xBF") == 0) bom += 3;
  text.erase(0, bom);

  size_t at = text.find('\xC2');
  if (at == std::string::npos) return;
  std::string out;
  size_t run = 0;
  for (; at != std::string::npos; at = text.find('\xC2', at + 1)) {
    if (at + 1 >= text.size()) break;
    const auto next = static_cast<unsigned char>(text[at + 1]);
    if (next < 0x80 || next > 0x9F) continue;
    const char32_t cp = text::Windows1252ToUnicode(next);
    if (cp == next) continue;  // undefined in windows-1252: leave it
    if (out.empty()) out.reserve(text.size() + 16);
    out.append(text, run, at - run);
    text::AppendUtf8(cp, out);
    run = at + 2;
  }
  if (run == 0) return;
  out.append(text, run, std::string::npos);
  text = std::move(out);
}

}  // namespace

bool IsCleanUtf8(std::string_view bytes, std::string_view charset_hint) {
  if (const Bom bom = DetectBom(bytes); bom.length != 0) {
    if (bom.codec.decoder != Decoder::kUtf8) return false;
    bytes.remove_prefix(bom.length);
    if (bytes.substr(0, 3) == "\xEF\xBB\xBF") return false;  // Tidy drops repeated BOMs
  } else if (SniffWide(bytes)) {
    return false;
  } else {
    for (const std::string& label :
         {DeclaredEncoding(bytes), Lower(text::TrimAsciiWhitespace(charset_hint))}) {
      if (label.empty() || IsWideLabel(label)) continue;
      const std::optional<Codec> codec = ResolveLabel(label);
      if (!codec || codec->decoder != Decoder::kUtf8) return false;
      break;
    }
  }
  // Tidy rewrites C1 controls (C2 80-9F) as windows-1252 characters; one
  // read of the document finds them and checks it.
  const text::Utf8Check check = text::CheckUtf8(bytes);
  return check.valid && !check.c1_controls;
}

std::string CharsetFromContentType(std::string_view content_type) {
  // RFC 9110 section 5.6.6: parameters are `;`-separated name=value pairs,
  // names case-insensitive, values tokens or quoted strings.
  size_t i = content_type.find(';');
  while (i != std::string_view::npos && i < content_type.size()) {
    ++i;
    const size_t eq = content_type.find('=', i);
    if (eq == std::string_view::npos) break;
    const std::string name = Lower(text::TrimAsciiWhitespace(content_type.substr(i, eq - i)));
    size_t v = eq + 1;
    while (v < content_type.size() && IsAsciiSpace(content_type[v])) ++v;
    std::string value;
    if (v < content_type.size() && content_type[v] == '"') {
      for (++v; v < content_type.size() && content_type[v] != '"'; ++v) {
        if (content_type[v] == '\\' && v + 1 < content_type.size()) ++v;
        value.push_back(content_type[v]);
      }
      i = content_type.find(';', v);
    } else {
      i = content_type.find(';', v);
      value = std::string(content_type.substr(v, i == std::string_view::npos ? i : i - v));
    }
    if (name == "charset") return Lower(text::TrimAsciiWhitespace(value));
  }
  return "";
}

Result<Utf8Document> DecodeToUtf8(std::string_view bytes, std::string_view charset_hint) {
  Utf8Document doc;
  if (const Bom bom = DetectBom(bytes); bom.length != 0) {
    doc = Decode(bytes.substr(bom.length), bom.codec, /*trusted=*/true);
  } else if (std::optional<Codec> wide = SniffWide(bytes)) {
    doc = Decode(bytes, *wide, /*trusted=*/true);
  } else {
    std::optional<Codec> codec;
    bool labelled = false;
    for (const std::string& label :
         {DeclaredEncoding(bytes), Lower(text::TrimAsciiWhitespace(charset_hint))}) {
      if (label.empty() || IsWideLabel(label)) continue;
      labelled = true;
      codec = ResolveLabel(label);
      break;
    }
    if (codec) {
      doc = Decode(bytes, *codec, /*trusted=*/false);
    } else if (labelled) {
      doc = Fallback(bytes, DecodeUtf8(bytes));
    } else {
      doc = Decode(bytes, Utf8Codec(), /*trusted=*/false);
    }
  }
  Tidy(doc.text);
  return doc;
}

}  // namespace mineral::feeds
