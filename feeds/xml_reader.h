// A lenient, namespace-aware XML pull reader for feeds.
//
// Real feeds are often not well-formed XML: HTML entities XML does not define
// (&nbsp;), bare ampersands in URLs, unescaped HTML inside <description>,
// mismatched or missing end tags, truncated downloads.  A strict parser throws
// all of that away; this reader keeps going the way a browser would and
// remembers the first problem so the caller can report it (feedparser's
// "bozo" flag).
//
// Input must be UTF-8 (see encoding.h); the XML declaration's encoding is
// ignored.  The reader never allocates per token in the common case: names
// and undecoded text are views into the document.  Not thread-safe; one
// reader per document.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace mineral::feeds {

struct XmlAttribute {
  std::string_view ns;     // namespace URI; empty when none
  std::string_view local;  // name without prefix
  std::string_view qname;  // as written, e.g. "xml:base"
  std::string_view value;  // entities decoded
};

class XmlReader {
 public:
  enum class Token {
    kStartElement,
    kEndElement,  // also produced for <empty/> and for elements closed by recovery
    kText,        // character data, entities decoded; CDATA included as is
    kEnd,         // end of document; Next() keeps returning kEnd
  };

  // Limits that keep hostile input cheap.
  struct Limits {
    size_t max_depth = 256;                 // deeper elements are read as text
    size_t max_entity_expansion = 1 << 20;  // bytes produced by DTD entities
  };

  explicit XmlReader(std::string_view utf8);
  XmlReader(std::string_view utf8, Limits limits);
  XmlReader(const XmlReader&) = delete;
  XmlReader& operator=(const XmlReader&) = delete;

  Token Next();

  // Right after a start element whose content is nothing, one run of text
  // without a reference, or one CDATA section, and whose end tag follows
  // that at once: reads through the end tag and returns the content as it
  // stands in the document (valid as long as the document), leaving the
  // reader where Next() would have left it after the end token.  Otherwise
  // returns nullopt and reads nothing.  Most elements a feed reader keeps
  // (<title>, <link>, <pubDate>, a CDATA <description>) are like that: one
  // call instead of a text token and an end token.
  std::optional<std::string_view> ReadSimpleContent();

  // Whether the caller reads text tokens (the default).  While it does not,
  // character data and CDATA sections are passed over without a token: a
  // caller that reads the text of only some elements saves the work for the
  // rest (most text between elements is whitespace).  Text whose decoding
  // could report an error (a document declaring entities) is returned all
  // the same.
  void set_text_wanted(bool wanted) { text_wanted_ = wanted; }

  // For kStartElement and kEndElement.
  std::string_view ns() const { return ns_; }
  std::string_view local() const { return local_; }
  std::string_view qname() const { return qname_; }
  // For kStartElement only.
  const std::vector<XmlAttribute>& attributes() const { return attributes_; }
  // Whether an attribute is in the XML namespace (xml:base, xml:lang): a
  // caller after those alone skips its search for nearly every element.
  bool has_xml_namespace_attribute() const { return has_xml_namespace_attribute_; }
  // The value of the attribute with this namespace and local name, or nullptr.
  const XmlAttribute* FindAttribute(std::string_view ns, std::string_view local) const {
    // Most elements carry no attribute: then no call.
    return attributes_.empty() ? nullptr : FindAttributeAmong(ns, local);
  }

  // For kText.  Valid until the next call to Next().  References are
  // decoded on first use: a text nobody reads is never decoded.
  std::string_view text();
  // Appends text() to `out`, decoding straight into it.
  void AppendText(std::string& out);
  // The text as it stands in the document (no reference in it, or a CDATA
  // section): a view that stays valid as long as the document, or empty when
  // the text needs decoding first.
  std::optional<std::string_view> text_in_document() const {
    // Decoded text lives in text_buffer_; the document never does.
    if (text_undecoded_ || text_.data() == text_buffer_.data()) return std::nullopt;
    return text_;
  }
  // True when this text token came from a CDATA section.
  bool is_cdata() const { return is_cdata_; }

  // Byte offsets into the document: where the current token starts and where
  // it ends (one past).  For a recovered end element both are the position of
  // whatever closed it.
  size_t token_begin() const { return token_begin_; }
  size_t token_end() const { return token_end_; }

  // Depth of open elements (after a start element, including it).
  size_t depth() const { return stack_.size(); }

  // The first well-formedness problem met, or empty: "mismatched end tag
  // </channel>, expected </item>", and where it was (1-based; 0 when none).
  const std::string& error() const { return error_; }
  size_t error_line() const { return error_line_; }
  size_t error_column() const { return error_column_; }

  std::string_view document() const { return doc_; }

 private:
  struct OpenElement {
    std::string_view qname;
    std::string_view ns;
    std::string_view local;
    size_t bindings_mark;  // namespace_bindings_ size before this element
  };
  struct RawAttribute {
    std::string_view qname;
    std::string_view raw_value;  // entities not yet decoded
    size_t colon;                // offset of the first ':' in qname, or npos
    bool needs_decoding;         // a reference, or whitespace to normalize
  };
  struct Binding {
    std::string_view prefix;  // empty: default namespace
    std::string_view uri;     // into interned_uris_
  };

  Token ReadMarkup();
  Token ReadStartTag();
  Token ReadEndTag();
  Token ReadText();
  // Moves past text the caller does not want, as ReadText would; false
  // (nothing done) when the text is to be read.
  bool SkipTextIfUnwanted();
  void SkipComment();
  void SkipProcessingInstruction();
  void ReadDoctype();
  // Where the end tag at doc_[at] ("</", the innermost open element's name
  // exactly, '>') ends, or 0 when the tag there is not that.
  size_t EndOfInnermostEndTag(size_t at) const;
  // The end token of the innermost open element, which it pops.
  Token EmitEnd(size_t begin, size_t end);
  Token PopPending();

  // Decodes entity and character references in `raw` into out.
  void DecodeInto(std::string_view raw, std::string& out, int entity_depth);
  // Appends the expansion of "&...;" starting at raw[i] ('&'); returns the
  // number of bytes consumed (1 for a bare '&').
  size_t DecodeReference(std::string_view raw, size_t i, std::string& out, int entity_depth);
  std::string_view ResolvePrefix(std::string_view prefix, bool is_attribute) const;
  const XmlAttribute* FindAttributeAmong(std::string_view ns, std::string_view local) const;
  // `colon`: the offset of the first ':' in qname, or npos.
  void SetError(size_t offset, std::string message);

  std::string_view doc_;
  Limits limits_;
  size_t pos_ = 0;

  std::vector<OpenElement> stack_;
  std::vector<Binding> bindings_;
  // The default namespace in bindings_, while default_ns_valid_ (cleared
  // whenever bindings_ changes).
  mutable std::string_view default_ns_;
  mutable bool default_ns_valid_ = false;
  std::unordered_set<std::string> interned_uris_;
  // Entities declared in the internal DTD subset.
  std::vector<std::pair<std::string, std::string>> dtd_entities_;
  size_t entity_bytes_ = 0;

  // Recovery closes several elements at once: this many of the innermost
  // open elements still need their end token, each reported at pending_at_.
  size_t pending_ends_ = 0;
  size_t pending_at_ = 0;
  bool self_closing_pending_ = false;
  bool text_wanted_ = true;
  bool done_ = false;

  // Current token.
  std::string_view ns_, local_, qname_;
  std::vector<XmlAttribute> attributes_;
  bool has_xml_namespace_attribute_ = false;
  std::vector<RawAttribute> raw_attributes_;   // scratch for ReadStartTag, reused
  std::deque<std::string> attribute_storage_;  // decoded values (a deque: stable addresses)
  size_t attribute_storage_used_ = 0;
  std::string_view text_;  // raw while text_undecoded_
  bool text_undecoded_ = false;
  std::string text_buffer_;
  // DecodeInto's scratch: runs of text and the common references are
  // written here through a pointer, then appended to the output at once.
  std::string decode_buffer_;
  bool is_cdata_ = false;
  size_t token_begin_ = 0, token_end_ = 0;

  std::string error_;
  size_t error_line_ = 0, error_column_ = 0;
};

}  // namespace mineral::feeds
