// Character encodings: find what a document is written in and convert it to
// UTF-8 before any parser sees it.
#pragma once

#include <string>
#include <string_view>

#include "model/status.h"

namespace mineral::feeds {

struct Utf8Document {
  std::string text;     // valid UTF-8, BOM removed
  std::string charset;  // what was used, lower case: "utf-8", "windows-1252", "gb18030", ...
};

// The charset parameter of a Content-Type value, lower case ("" when absent):
// `text/xml; charset="ISO-8859-1"` -> "iso-8859-1".
std::string CharsetFromContentType(std::string_view content_type);

// Decides the encoding of a feed document, in this order: a byte order mark
// (UTF-8, UTF-16 LE/BE, UTF-32), the XML declaration's encoding attribute
// (also when the document is UTF-16 without a BOM), then `charset_hint` (from
// the HTTP Content-Type), then UTF-8.  Aliases are widened to what publishers
// mean: ISO-8859-1 and US-ASCII are read as windows-1252, GB2312 and GBK as
// GB18030, Shift_JIS as CP932, EUC-KR as CP949, Big5 as Big5-HKSCS.
//
// Converts with iconv.  If the declared encoding is unknown or the bytes are
// not valid in it, falls back to UTF-8 when the bytes are valid UTF-8, else to
// windows-1252 (which maps every byte), so a document is never rejected for
// its encoding; invalid sequences become U+FFFD.  In detail:
//  - A BOM, or the zero bytes of UTF-16/32 text without one, is conclusive:
//    bad sequences are replaced, never a reason to fall back.  UTF-16/32
//    labels on ASCII-compatible bytes are ignored.
//  - UTF-8 (declared or default) with a few bad bytes among more well-formed
//    multi-byte characters stays UTF-8; so does a multi-byte encoding with
//    under 1% bad bytes.  Otherwise the fallback above applies.
//  - Text labelled windows-1252 (or Latin-1, ASCII) that is well-formed UTF-8
//    with at least one multi-byte character is read as UTF-8.
//  - C1 controls U+0080-U+009F in the result are read as the windows-1252
//    characters of those bytes ("don\u0092t" -> "don\u2019t"), as feedparser
//    does; no feed means a C1 control.
// Never fails today; the Result leaves room for a size limit.
Result<Utf8Document> DecodeToUtf8(std::string_view bytes, std::string_view charset_hint);

// True when DecodeToUtf8 would return `bytes` unchanged but for a leading
// UTF-8 BOM: they are valid UTF-8, nothing (BOM, XML declaration, hint) names
// another encoding, and there is nothing to tidy.  Lets a caller parse the
// bytes in place instead of copying a large document.  Pure.
bool IsCleanUtf8(std::string_view bytes, std::string_view charset_hint);

}  // namespace mineral::feeds
