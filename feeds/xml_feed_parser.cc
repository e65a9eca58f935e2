#include "feeds/xml_feed_parser.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "feeds/bytes.h"
#include "feeds/date.h"
#include "feeds/url.h"
#include "feeds/xml_reader.h"
#include "text/text.h"

namespace mineral::feeds {
namespace {

// Namespaces, folded: feeds write the same vocabulary under several URIs.
enum class Ns {
  kNone,  // no namespace, or one of the RSS namespaces
  kAtom,
  kAtom03,
  kDc,
  kDcTerms,
  kContent,
  kRdf,
  kMedia,
  kItunes,
  kXhtml,
  kSyndication,
  kOther,
};

Ns ClassifyNamespace(std::string_view uri) {
  if (uri.empty()) return Ns::kNone;
  struct Entry {
    std::string_view uri;
    Ns ns;
  };
  static constexpr Entry kEntries[] = {
      {"http://www.w3.org/2005/Atom", Ns::kAtom},
      {"http://purl.org/atom/ns#", Ns::kAtom03},
      {"http://purl.org/dc/elements/1.1/", Ns::kDc},
      {"http://purl.org/dc/elements/1.0/", Ns::kDc},
      {"http://purl.org/dc/terms/", Ns::kDcTerms},
      {"http://purl.org/rss/1.0/modules/content/", Ns::kContent},
      {"http://www.w3.org/1999/02/22-rdf-syntax-ns#", Ns::kRdf},
      {"http://search.yahoo.com/mrss/", Ns::kMedia},
      {"http://search.yahoo.com/mrss", Ns::kMedia},
      {"http://www.itunes.com/dtds/podcast-1.0.dtd", Ns::kItunes},
      {"http://www.w3.org/1999/xhtml", Ns::kXhtml},
      {"http://purl.org/rss/1.0/modules/syndication/", Ns::kSyndication},
      // RSS 1.0, RSS 0.90 and the namespaces some RSS 2.0 feeds declare: the
      // elements are plain RSS.
      {"http://purl.org/rss/1.0/", Ns::kNone},
      {"http://my.netscape.com/rdf/simple/0.9/", Ns::kNone},
      {"http://backend.userland.com/rss2", Ns::kNone},
      {"http://blogs.law.harvard.edu/tech/rss", Ns::kNone},
      {"http://backend.userland.com/rss", Ns::kNone},
      {"http://channel.netscape.com/rdf/simple/0.9/", Ns::kNone},
  };
  // Case-insensitive: generators write "http://www.itunes.com/DTDs/...".
  for (const auto& e : kEntries) {
    if (text::EqualsIgnoreAsciiCase(e.uri, uri)) return e.ns;
  }
  return Ns::kOther;
}

// Whether some byte of `word` is an ASCII capital, for words of ASCII bytes:
// a byte of 0x41-0x5A reaches the top bit when 0x3F is added and not when
// 0x25 is.  A byte of 0x80 or more answers true: the caller looks closer.
template <typename Word>
bool WordMayHoldCapital(Word word) {
  constexpr Word kOnes = static_cast<Word>(~Word{0}) / 0xFF;  // 0x0101...
  constexpr Word kTops = kOnes * 0x80;
  if (word & kTops) return true;
  return ((word + kOnes * 0x3F) & ~(word + kOnes * 0x25) & kTops) != 0;
}

// Whether s may hold an ASCII capital: names of up to 16 bytes (nearly all)
// are read as two words, overlapping, instead of a byte at a time.
bool MayHoldCapital(std::string_view s) {
  const size_t n = s.size();
  if (n >= 8 && n <= 16) {
    const auto w = FirstAndLastWords<uint64_t>(s.data(), n);
    return WordMayHoldCapital(w.first) || WordMayHoldCapital(w.last);
  }
  if (n >= 4 && n < 8) {
    const auto w = FirstAndLastWords<uint32_t>(s.data(), n);
    return WordMayHoldCapital(w.first) || WordMayHoldCapital(w.last);
  }
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') return true;
  }
  return false;
}

// Names compare without case: CDF and some RSS generators write <TITLE>.
// Nearly every name is lower case already and is used where it is; only a
// name with a capital is copied, lowered.
class LowerName {
 public:
  explicit LowerName(std::string_view s) {
    if (s.size() >= buf_.size()) return;  // no field name is this long: empty
    if (!MayHoldCapital(s)) {
      name_ = s;
      return;
    }
    size_t upper = 0;
    while (upper < s.size() && !(s[upper] >= 'A' && s[upper] <= 'Z')) ++upper;
    if (upper == s.size()) {
      name_ = s;
      return;
    }
    std::memcpy(buf_.data(), s.data(), s.size());
    for (size_t i = upper; i < s.size(); ++i) {
      const char c = buf_[i];
      if (c >= 'A' && c <= 'Z') buf_[i] = static_cast<char>(c - 'A' + 'a');
    }
    name_ = {buf_.data(), s.size()};
  }
  LowerName(const LowerName&) = delete;  // name_ may point into buf_
  LowerName& operator=(const LowerName&) = delete;

  std::string_view view() const { return name_; }
  // Inline at every use: the compiler then compares with the constant name
  // in a word or two instead of calling a general compare.
  [[gnu::always_inline]] bool operator==(std::string_view s) const {
    return s.size() == name_.size() && SameBytes(name_.data(), s.data(), s.size());
  }

 private:
  std::array<char, 32> buf_;  // written only for a name with a capital
  std::string_view name_;
};

// A value with a rank: a better-ranked source replaces a worse one; among
// equals the first wins (feeds that repeat an element mean the first).
struct Slot {
  std::string value;
  int rank = 0;
  bool Wants(int r) const { return r > rank; }
  void Set(std::string v, int r) {
    if (r > rank && !v.empty()) {
      value = std::move(v);
      rank = r;
    }
  }
};

struct DateSlot {
  std::optional<UtcTime> value;
  int rank = 0;
  void Set(std::string_view text, int r) {
    if (r <= rank) return;
    if (auto t = ParseDate(text)) {
      value = t;
      rank = r;
    }
  }
};

// Rich text: HTML or plain, as the element's type said.
struct RichSlot {
  std::string value;
  bool is_html = false;
  int rank = 0;
  void Set(std::string v, bool html, int r) {
    if (r > rank && !v.empty()) {
      value = std::move(v);
      is_html = html;
      rank = r;
    }
  }
};

struct ItemBuilder {
  Slot title_text;      // plain
  RichSlot title_rich;  // when the title's type is html/xhtml
  Slot link, guid, author, language;
  bool guid_is_permalink = true;
  DateSlot published, updated;
  RichSlot summary, content;
  std::vector<std::string> categories;
  std::vector<Enclosure> enclosures;
  std::string origin;  // RSS <source>

  // Empty again for the next item, where it is: a new ItemBuilder
  // move-assigned over this one cost a few hundred instructions an item.
  // Strings and vectors keep whatever capacity they have.  Every field above
  // is reset here.
  void Reset() {
    for (Slot* slot : {&title_text, &link, &guid, &author, &language}) {
      slot->value.clear();
      slot->rank = 0;
    }
    for (RichSlot* slot : {&title_rich, &summary, &content}) {
      slot->value.clear();
      slot->is_html = false;
      slot->rank = 0;
    }
    guid_is_permalink = true;
    published = DateSlot();
    updated = DateSlot();
    categories.clear();
    enclosures.clear();
    origin.clear();
  }

  void AddCategory(std::string category) {
    // Items that have categories mostly have a few: room for four at once,
    // instead of growing through one and two.
    if (categories.capacity() == 0) categories.reserve(4);
    categories.push_back(std::move(category));
  }
};

// Which value a captured element feeds.
enum class Field {
  kNone,
  kTitle,
  kLink,
  kGuid,
  kPublished,
  kUpdated,
  kAuthor,     // plain name
  kRssAuthor,  // "email (Name)" or "Name <email>"
  kSummary,
  kContent,
  kCategory,
  kOrigin,
  kLanguage,
  kDescription,  // feed level
  kTtl,
  kUpdatePeriod,
  kUpdateFrequency,
  kSkipHour,
  kSkipDay,
  kPersonName,   // atom:author/name
  kPersonEmail,  // atom:author/email
};

enum class Context {
  kDocument,
  kFeed,        // <rss>, <rdf:RDF>, <feed>
  kChannel,     // RSS/RDF channel (the feed's metadata)
  kItem,        // item or entry
  kPerson,      // atom author inside an item or feed
  kMediaGroup,  // media:group inside an item
  kSkipHours,
  kSkipDays,
  kIgnored,  // unknown element: nothing below it is read
};

// How a text construct's content is to be read.
enum class TextType { kText, kHtml, kXhtml, kBase64Text, kXml };

// The text of the element being captured.  Most hold one text token (a
// CDATA section, or text without references): that text is viewed where it
// stands in the document and copied once, into the value, at the element's
// end.  A second token, or one that needs decoding, goes into the buffer,
// which keeps its capacity from one capture to the next.
class CapturedText {
 public:
  void Clear() {
    buffer_.clear();
    view_ = {};
    in_buffer_ = false;
  }
  void Append(XmlReader& reader) {
    if (!in_buffer_) {
      if (view_.empty()) {
        if (const std::optional<std::string_view> v = reader.text_in_document()) {
          view_ = *v;
          return;
        }
      }
      buffer_.assign(view_);
      in_buffer_ = true;
    }
    reader.AppendText(buffer_);
  }
  std::string_view view() const { return in_buffer_ ? std::string_view(buffer_) : view_; }
  // The whole text, where it stands in the document.
  void Set(std::string_view in_document) {
    Clear();
    view_ = in_document;
  }
  // The text as a string of its own, leaving this empty.  Text decoded
  // into the buffer is moved out, not copied: the buffer's capacity goes
  // with it, and the next text that needs one allocates it as it is read.
  std::string Take() {
    std::string out = in_buffer_ ? std::move(buffer_) : std::string(view_);
    Clear();
    return out;
  }

 private:
  std::string buffer_;
  std::string_view view_;  // into the document, while !in_buffer_
  bool in_buffer_ = false;
};

struct Capture {
  Field field = Field::kNone;
  int rank = 0;
  TextType type = TextType::kText;
  bool rss_title = false;  // RSS titles are text unless they look like HTML
  size_t depth = 0;        // reader depth of the captured element
  size_t content_begin = 0;
  bool had_children = false;
  CapturedText text;
  size_t base = 0;  // index of the xml:base in effect (FeedBuilder::bases_)
  bool base_active = false;
};

// feedparser's rule for RSS titles and other "text/plain unless it looks
// like HTML": an end tag of a known HTML element, or a character reference.
bool LooksLikeHtml(std::string_view s) {
  static constexpr std::string_view kElements[] = {
      "a",     "abbr", "b",  "big", "blockquote", "br",   "cite",   "code",   "div", "em",
      "font",  "h1",   "h2", "h3",  "h4",         "h5",   "h6",     "i",      "li",  "ol",
      "p",     "pre",  "q",  "s",   "small",      "span", "strike", "strong", "sub", "sup",
      "table", "td",   "th", "tr",  "tt",         "u",    "ul"};
  for (size_t i = s.find("</"); i != std::string_view::npos; i = s.find("</", i + 2)) {
    size_t j = i + 2;
    while (j < s.size() && ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z') ||
                            (s[j] >= '0' && s[j] <= '9'))) {
      ++j;
    }
    if (j < s.size() && s[j] == '>') {
      const std::string_view name = s.substr(i + 2, j - i - 2);
      for (auto e : kElements) {
        if (text::EqualsIgnoreAsciiCase(e, name)) return true;
      }
    }
  }
  for (size_t i = s.find('&'); i != std::string_view::npos; i = s.find('&', i + 1)) {
    size_t j = i + 1;
    if (j < s.size() && s[j] == '#') ++j;
    const size_t start = j;
    while (j < s.size() && ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z') ||
                            (s[j] >= '0' && s[j] <= '9'))) {
      ++j;
    }
    if (j > start && j < s.size() && s[j] == ';') return true;
  }
  return false;
}

std::string DecodeBase64(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = value(c);
    if (v < 0) continue;  // whitespace, padding
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

// text::CollapseWhitespace, without a copy when `s` is already collapsed.
std::string Collapsed(std::string s) {
  text::CollapseWhitespaceInPlace(s);
  return s;
}

// "editor@example.com (Example editor)" -> "Example editor";
// "Example editor <editor@example.com>" -> "Example editor"; else as is.
std::string AuthorName(std::string_view s) {
  const size_t open = s.find('(');
  const size_t close = s.rfind(')');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    const std::string_view outside = s.substr(0, open);
    const std::string_view inside = s.substr(open + 1, close - open - 1);
    if (outside.find('@') != std::string_view::npos) return text::CollapseWhitespace(inside);
    if (inside.find('@') != std::string_view::npos) {
      std::string name = text::CollapseWhitespace(outside);
      if (!name.empty()) return name;
    }
  }
  const size_t lt = s.find('<');
  const size_t gt = s.rfind('>');
  if (lt != std::string_view::npos && gt != std::string_view::npos && gt > lt && lt > 0 &&
      s.substr(lt, gt - lt).find('@') != std::string_view::npos) {
    std::string name = text::CollapseWhitespace(s.substr(0, lt));
    if (!name.empty()) return name;
  }
  return text::CollapseWhitespace(s);
}

// CDF writes attributes in capitals (HREF, LASTMOD).
const XmlAttribute* FindPlainAttribute(const XmlReader& reader, std::string_view name) {
  for (const auto& a : reader.attributes()) {
    if (a.ns.empty() && text::EqualsIgnoreAsciiCase(a.local, name)) return &a;
  }
  return nullptr;
}

// An enclosure's declared size in bytes; 0 when absent or not a number.
int64_t EnclosureLength(const XmlAttribute* length) {
  return length ? std::strtoll(std::string(length->value).c_str(), nullptr, 10) : 0;
}

class FeedBuilder {
 public:
  FeedBuilder(std::string_view doc, const ParseOptions& options) : reader_(doc), options_(options) {
    // Only captured elements' text is read (Run).
    reader_.set_text_wanted(false);
  }

  Result<ParsedFeed> Run();

 private:
  // Elements without xml:base or xml:lang (nearly all) share their
  // parent's strings: a frame holds indexes into bases_ and langs_, which
  // grow only for elements that carry those attributes.
  struct Frame {
    Context context;
    size_t base = 0;            // bases_[base]: the xml:base in effect inside this element
    bool has_xml_base = false;  // else links stay relative for NormalizeFeed
    size_t lang = 0;            // langs_[lang]: the xml:lang in effect
    bool owns_base = false;     // pushed bases_.back() / langs_.back()
    bool owns_lang = false;
  };

  void OnStart();
  void OnEnd();
  void StartRoot(Ns ns, const LowerName& name);
  void StartInFeed(Ns ns, const LowerName& name);
  void StartInChannel(Ns ns, const LowerName& name);
  void StartInItem(Ns ns, const LowerName& name);
  void StartItem();
  void FinishItem();
  void BeginCapture(Field field, int rank, TextType type = TextType::kText);
  // `ns`: the element's namespace, as OnStart classified it.
  void BeginTextConstruct(Ns ns, Field field, int rank);
  void FinishCapture();
  // Takes the captured plain text of a field that is parsed rather than
  // kept (dates, authors) without moving it out; false for other fields.
  bool ReadInPlace(Field field);
  // The captured element's content as written (markup and all), for HTML
  // that arrived unescaped.  Call at its end tag.
  std::string RawContent() const;
  void AssignToFeed(Field field, int rank, std::string value, bool is_html);
  void AssignToItem(Field field, int rank, std::string value, bool is_html);
  void HandleAtomLink(bool in_item);
  void PushFrame(Context context);
  void PopFrame();
  const std::string& Base() const { return bases_[frames_.back().base]; }
  const std::string& Lang() const { return langs_[frames_.back().lang]; }
  Ns NamespaceOf(std::string_view uri);

  // A captured link, collapsed, resolved against the capture's xml:base when
  // one was in effect (else left for NormalizeFeed).
  std::string CaptureLink(std::string value) const {
    std::string url = Collapsed(std::move(value));
    if (capture_.base_active) ResolveUrlInPlace(bases_[capture_.base], url);
    return url;
  }
  // Resolves against xml:base when one is in effect; otherwise the link stays
  // as written, for NormalizeFeed to resolve against the feed's link and
  // then the fetch URL.
  std::string Resolve(std::string_view ref) const {
    std::string url(ref);
    // In place: an absolute link (nearly all) is kept as it is, not copied.
    if (frames_.back().has_xml_base) ResolveUrlInPlace(Base(), url);
    return url;
  }

  XmlReader reader_;
  const ParseOptions& options_;
  ParsedFeed out_;
  std::vector<Frame> frames_;
  std::vector<std::string> bases_;
  std::vector<std::string> langs_;
  bool capturing_ = false;
  Capture capture_;
  bool in_item_ = false;
  ItemBuilder item_;
  bool item_limit_reported_ = false;
  std::optional<size_t> first_item_begin_;  // where the first item's start tag is
  // Feed-level slots.
  Slot feed_title_text_;
  RichSlot feed_title_rich_;
  Slot feed_link_;
  RichSlot feed_description_;
  Slot feed_language_;
  DateSlot feed_updated_;
  std::string update_period_;
  int update_frequency_ = 1;
  bool root_seen_ = false;
  // Person being read (atom author/contributor).
  std::string person_name_, person_email_;
  // A small cache of classified namespaces, by address: interned namespace
  // URIs keep theirs.  Items mix a few namespaces (dc, content, media), so
  // one entry would miss at every change.
  struct CachedNs {
    const char* data = nullptr;
    size_t size = 0;
    Ns ns = Ns::kNone;
  };
  std::array<CachedNs, 4> ns_cache_{};
  size_t ns_cache_next_ = 0;
  std::string root_ns_;  // the root element's namespace when unknown
  Ns root_ns_class_ = Ns::kNone;
};

Ns FeedBuilder::NamespaceOf(std::string_view uri) {
  if (uri.empty()) return Ns::kNone;
  for (const CachedNs& c : ns_cache_) {
    if (c.data == uri.data() && c.size == uri.size()) return c.ns;
  }
  Ns ns = ClassifyNamespace(uri);
  // A feed in a namespace we do not know ("http://example.com/newformat#")
  // still means its own vocabulary by the root's elements.
  if (ns == Ns::kOther && !root_ns_.empty() && uri == root_ns_) ns = root_ns_class_;
  ns_cache_[ns_cache_next_] = {uri.data(), uri.size(), ns};
  ns_cache_next_ = (ns_cache_next_ + 1) % ns_cache_.size();
  return ns;
}

void FeedBuilder::PushFrame(Context context) {
  // Filled field by field where it stays: a copy of the parent built on the
  // stack and copied in with 16-byte loads of bytes just stored one field at
  // a time stalled the loads (most of this function's time).
  const size_t parent = frames_.size() - 1;
  Frame& f = frames_.emplace_back();  // may move the parent: index it below
  f.context = context;
  f.base = frames_[parent].base;
  f.has_xml_base = frames_[parent].has_xml_base;
  f.lang = frames_[parent].lang;
  f.owns_base = false;
  f.owns_lang = false;
  // Nearly no element carries xml:base or xml:lang: the reader tells, and
  // the two searches comparing the XML namespace's URI are skipped.
  if (reader_.has_xml_namespace_attribute()) {
    if (const XmlAttribute* b =
            reader_.FindAttribute("http://www.w3.org/XML/1998/namespace", "base")) {
      bases_.push_back(ResolveUrl(bases_[f.base], b->value));
      f.base = bases_.size() - 1;
      f.has_xml_base = true;
      f.owns_base = true;
    }
    if (const XmlAttribute* l =
            reader_.FindAttribute("http://www.w3.org/XML/1998/namespace", "lang")) {
      langs_.emplace_back(l->value);
      f.lang = langs_.size() - 1;
      f.owns_lang = true;
    }
  }
}

void FeedBuilder::PopFrame() {
  if (frames_.back().owns_base) bases_.pop_back();
  if (frames_.back().owns_lang) langs_.pop_back();
  frames_.pop_back();
}

Result<ParsedFeed> FeedBuilder::Run() {
  bases_.push_back(options_.fetch_url);
  langs_.emplace_back();
  frames_.push_back({Context::kDocument});
  for (;;) {
    const XmlReader::Token t = reader_.Next();
    if (t == XmlReader::Token::kEnd) break;
    switch (t) {
      case XmlReader::Token::kStartElement:
        OnStart();
        // A capture that began at this element: when its content is simple,
        // it is read in one step, and the element ends as it would at its
        // end token.
        if (capturing_ && capture_.depth == reader_.depth()) {
          if (const std::optional<std::string_view> content = reader_.ReadSimpleContent()) {
            capture_.text.Set(*content);
            OnEnd();
          }
        }
        break;
      case XmlReader::Token::kEndElement:
        OnEnd();
        break;
      case XmlReader::Token::kText:
        if (capturing_) capture_.text.Append(reader_);
        break;
      case XmlReader::Token::kEnd:
        break;
    }
  }
  if (!root_seen_) {
    return Status::ParseError(reader_.error().empty()
                                  ? "not a feed: no <rss>, <rdf:RDF> or <feed> root element"
                                  : "not a feed: line " + std::to_string(reader_.error_line()) +
                                        ": " + reader_.error());
  }
  Feed& feed = out_.feed;
  feed.title = feed_title_rich_.rank >= feed_title_text_.rank && feed_title_rich_.rank > 0
                   ? (feed_title_rich_.is_html ? text::HtmlToText(feed_title_rich_.value)
                                               : text::CollapseWhitespace(feed_title_rich_.value))
                   : text::CollapseWhitespace(feed_title_text_.value);
  feed.link = feed_link_.value;
  feed.description = feed_description_.is_html ? text::HtmlToText(feed_description_.value)
                                               : text::CollapseWhitespace(feed_description_.value);
  feed.language = feed_language_.value;
  feed.updated = feed_updated_.value;
  if (!update_period_.empty() && !feed.ttl_minutes) {
    // sy:updatePeriod/updateFrequency: the feed changes `frequency` times per period.
    int minutes = 0;
    if (update_period_ == "hourly")
      minutes = 60;
    else if (update_period_ == "daily")
      minutes = 24 * 60;
    else if (update_period_ == "weekly")
      minutes = 7 * 24 * 60;
    else if (update_period_ == "monthly")
      minutes = 30 * 24 * 60;
    else if (update_period_ == "yearly")
      minutes = 365 * 24 * 60;
    if (minutes > 0) feed.ttl_minutes = minutes / std::max(1, update_frequency_);
  }
  if (!reader_.error().empty()) {
    out_.error = reader_.error();
    out_.error_line = reader_.error_line();
    out_.error_column = reader_.error_column();
  }
  return std::move(out_);
}

void FeedBuilder::OnStart() {
  if (capturing_) {
    capture_.had_children = true;
    return;
  }
  const Ns ns = NamespaceOf(reader_.ns());
  const LowerName name(reader_.local());
  switch (frames_.back().context) {
    case Context::kDocument:
      StartRoot(ns, name);
      return;
    case Context::kFeed:
      StartInFeed(ns, name);
      return;
    case Context::kChannel:
      StartInChannel(ns, name);
      return;
    case Context::kItem:
    case Context::kMediaGroup:
      StartInItem(ns, name);
      return;
    case Context::kPerson:
      PushFrame(Context::kIgnored);
      if (ns == Ns::kAtom || ns == Ns::kAtom03 || ns == Ns::kNone) {
        if (name == "name")
          BeginCapture(Field::kPersonName, 1);
        else if (name == "email")
          BeginCapture(Field::kPersonEmail, 1);
      }
      return;
    case Context::kSkipHours:
      PushFrame(Context::kIgnored);
      if (name == "hour") BeginCapture(Field::kSkipHour, 1);
      return;
    case Context::kSkipDays:
      PushFrame(Context::kIgnored);
      if (name == "day") BeginCapture(Field::kSkipDay, 1);
      return;
    case Context::kIgnored:
      PushFrame(Context::kIgnored);
      return;
  }
}

void FeedBuilder::StartRoot(Ns ns, const LowerName& name) {
  Feed& feed = out_.feed;
  if (ns == Ns::kOther && name.view() != "rdf") {
    root_ns_ = std::string(reader_.ns());
    root_ns_class_ = name == "feed" ? Ns::kAtom : Ns::kNone;
    ns_cache_ = {};  // the root's namespace now means something else
    ns = root_ns_class_;
  }
  if (name == "rss") {
    feed.format = FeedFormat::kRss;
    const XmlAttribute* v = reader_.FindAttribute({}, "version");
    const std::string_view version = v ? v->value : std::string_view();
    feed.version = version == "0.91"   ? "rss091"
                   : version == "0.92" ? "rss092"
                   : version == "0.93" ? "rss093"
                   : version == "0.94" ? "rss094"
                   : version == "2.0"  ? "rss20"
                                       : "rss";
  } else if (name == "rdf" && (ns == Ns::kRdf || ns == Ns::kOther)) {
    feed.format = FeedFormat::kRdf;
    feed.version = "rss10";
  } else if (name == "feed") {
    feed.format = FeedFormat::kAtom;
    feed.version = ns == Ns::kAtom03 ? "atom03" : "atom10";
    const XmlAttribute* v = reader_.FindAttribute({}, "version");
    if (v && v->value == "0.3") feed.version = "atom03";
  } else if (name == "channel") {
    // CDF, or RSS written without its <rss> wrapper.
    feed.format = FeedFormat::kRss;
    feed.version = "cdf";
    root_seen_ = true;
    PushFrame(Context::kFeed);
    StartInFeed(ns, name);
    return;
  } else {
    PushFrame(Context::kIgnored);
    return;
  }
  root_seen_ = true;
  PushFrame(Context::kFeed);
  if (!Lang().empty()) feed_language_.Set(Lang(), 1);
  if (feed.format == FeedFormat::kAtom) {
    // Atom's feed element is its own channel.
    frames_.back().context = Context::kChannel;
  }
}

void FeedBuilder::StartInFeed(Ns ns, const LowerName& name) {
  if (name == "channel" && ns != Ns::kOther) {
    PushFrame(Context::kChannel);
    if (const XmlAttribute* href = FindPlainAttribute(reader_, "href")) {
      feed_link_.Set(Resolve(href->value), 2);  // CDF
    }
    if (!Lang().empty()) feed_language_.Set(Lang(), 1);
    return;
  }
  if ((name == "item" || name == "entry") && ns != Ns::kOther) {
    StartItem();
    return;
  }
  PushFrame(Context::kIgnored);
}

void FeedBuilder::StartItem() {
  if (!first_item_begin_) first_item_begin_ = reader_.token_begin();
  PushFrame(Context::kItem);
  in_item_ = true;
  item_.Reset();
  if (const XmlAttribute* about =
          reader_.FindAttribute("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "about")) {
    item_.guid.Set(Collapsed(std::string(about->value)), 1);  // RSS 1.0
  }
  if (const XmlAttribute* href = FindPlainAttribute(reader_, "href")) {
    item_.link.Set(Resolve(href->value), 2);  // CDF
  }
  for (const auto& a : reader_.attributes()) {
    if (a.ns.empty() && text::EqualsIgnoreAsciiCase(a.local, "lastmod"))
      item_.updated.Set(a.value, 2);  // CDF
  }
  if (!Lang().empty()) item_.language.Set(Lang(), 2);
}

void FeedBuilder::StartInChannel(Ns ns, const LowerName& name) {
  // In an Atom document, elements without a namespace are Atom's.
  const bool atom_doc = out_.feed.format == FeedFormat::kAtom;
  const bool atom = ns == Ns::kAtom || ns == Ns::kAtom03 || (ns == Ns::kNone && atom_doc);
  const bool rss = ns == Ns::kNone && !atom_doc;
  const bool plain = rss || atom;
  if ((name == "item" || name == "entry") && plain) {
    StartItem();
    return;
  }
  PushFrame(Context::kIgnored);
  if (plain && name == "title") {
    BeginTextConstruct(ns, Field::kTitle, 3);
  } else if (rss && name == "link") {
    BeginCapture(Field::kLink, 3);
  } else if (atom && name == "link") {
    HandleAtomLink(false);
  } else if (plain && (name == "description" || name == "subtitle" || name == "tagline")) {
    BeginTextConstruct(ns, Field::kDescription, 3);
  } else if (rss && name == "language") {
    BeginCapture(Field::kLanguage, 3);
  } else if (rss && name == "ttl") {
    BeginCapture(Field::kTtl, 1);
  } else if (rss && name == "skiphours") {
    frames_.back().context = Context::kSkipHours;
  } else if (rss && name == "skipdays") {
    frames_.back().context = Context::kSkipDays;
  } else if ((rss && name == "lastbuilddate") ||
             (atom && (name == "updated" || name == "modified"))) {
    BeginCapture(Field::kUpdated, 3);
  } else if (rss && name == "pubdate") {
    BeginCapture(Field::kUpdated, 2);
  } else if (ns == Ns::kDc && name == "title") {
    BeginCapture(Field::kTitle, 2);
  } else if (ns == Ns::kDc && name == "language") {
    BeginCapture(Field::kLanguage, 2);
  } else if (ns == Ns::kDc && name == "date") {
    BeginCapture(Field::kUpdated, 1);
  } else if (ns == Ns::kSyndication && name == "updateperiod") {
    BeginCapture(Field::kUpdatePeriod, 1);
  } else if (ns == Ns::kSyndication && name == "updatefrequency") {
    BeginCapture(Field::kUpdateFrequency, 1);
  }
  // Everything else (image, textInput, items, author, ...) is ignored with
  // its children, so an <image><title> never becomes the feed title.
}

void FeedBuilder::StartInItem(Ns ns, const LowerName& name) {
  // In an Atom document, elements without a namespace are Atom's.
  const bool atom_doc = out_.feed.format == FeedFormat::kAtom;
  const bool atom = ns == Ns::kAtom || ns == Ns::kAtom03 || (ns == Ns::kNone && atom_doc);
  const bool rss = ns == Ns::kNone && !atom_doc;
  const bool plain = rss || atom;
  const bool in_group = frames_.back().context == Context::kMediaGroup;
  if (ns == Ns::kMedia && name == "group" && !in_group) {
    PushFrame(Context::kMediaGroup);
    return;
  }
  if (atom && (name == "author") && !in_group) {
    PushFrame(Context::kPerson);
    person_name_.clear();
    person_email_.clear();
    return;
  }
  PushFrame(Context::kIgnored);
  if (ns == Ns::kMedia) {
    if (name == "title") {
      BeginCapture(Field::kTitle, 1);
    } else if (name == "description") {
      // Media RSS: type="plain" (default) or "html".
      const XmlAttribute* type = reader_.FindAttribute({}, "type");
      BeginCapture(Field::kSummary, 1,
                   type && type->value == "html" ? TextType::kHtml : TextType::kText);
    } else if (name == "content" || name == "thumbnail") {
      const XmlAttribute* url = reader_.FindAttribute({}, "url");
      if (url && name == "content") {
        const XmlAttribute* type = reader_.FindAttribute({}, "type");
        item_.enclosures.push_back({Resolve(url->value), type ? std::string(type->value) : "", 0});
      }
    }
    return;
  }
  if (in_group) return;
  if (plain && name == "title") {
    BeginTextConstruct(ns, Field::kTitle, 3);
  } else if (rss && name == "link") {
    BeginCapture(Field::kLink, 3);
  } else if (atom && name == "link") {
    HandleAtomLink(true);
  } else if ((rss && name == "guid") || (atom && name == "id")) {
    if (rss) {
      const XmlAttribute* p = FindPlainAttribute(reader_, "ispermalink");
      item_.guid_is_permalink = !(p && text::EqualsIgnoreAsciiCase(p->value, "false"));
    }
    BeginCapture(Field::kGuid, 3);
  } else if ((rss && name == "pubdate") || (atom && (name == "published" || name == "issued"))) {
    BeginCapture(Field::kPublished, 3);
  } else if (atom && (name == "updated" || name == "modified")) {
    BeginCapture(Field::kUpdated, 3);
  } else if ((rss && name == "description") || (atom && name == "summary") ||
             (rss && name == "abstract")) {
    BeginTextConstruct(ns, Field::kSummary, 3);
  } else if (atom && name == "content") {
    BeginTextConstruct(ns, Field::kContent, 3);
  } else if (ns == Ns::kContent && name == "encoded") {
    BeginCapture(Field::kContent, 3, TextType::kHtml);
  } else if ((ns == Ns::kXhtml && name == "body") || (rss && name == "fullitem")) {
    BeginCapture(Field::kContent, 2, ns == Ns::kXhtml ? TextType::kXhtml : TextType::kHtml);
  } else if (rss && name == "author") {
    BeginCapture(Field::kRssAuthor, 3);
  } else if (rss && name == "category") {
    BeginCapture(Field::kCategory, 1);
  } else if (rss && name == "source") {
    BeginCapture(Field::kOrigin, 1);
  } else if (atom && name == "category") {
    const XmlAttribute* term = reader_.FindAttribute({}, "term");
    if (!term) term = reader_.FindAttribute({}, "label");
    if (term) {
      std::string category = Collapsed(std::string(term->value));
      if (!category.empty()) item_.AddCategory(std::move(category));
    }
  } else if (rss && name == "enclosure") {
    const XmlAttribute* url = reader_.FindAttribute({}, "url");
    if (url) {
      const XmlAttribute* type = reader_.FindAttribute({}, "type");
      const XmlAttribute* length = reader_.FindAttribute({}, "length");
      Enclosure e{Resolve(url->value), type ? std::string(type->value) : "", 0};
      e.length = EnclosureLength(length);
      item_.enclosures.push_back(std::move(e));
    }
  } else if (ns == Ns::kDc) {
    if (name == "title")
      BeginCapture(Field::kTitle, 2);
    else if (name == "description")
      BeginTextConstruct(ns, Field::kSummary, 2);
    else if (name == "creator" || name == "author")
      BeginCapture(Field::kAuthor, 2);
    else if (name == "date")
      BeginCapture(Field::kUpdated, 2);
    else if (name == "identifier")
      BeginCapture(Field::kGuid, 2);
    else if (name == "subject")
      BeginCapture(Field::kCategory, 1);
    else if (name == "language")
      BeginCapture(Field::kLanguage, 3);
  } else if (ns == Ns::kDcTerms) {
    if (name == "issued")
      BeginCapture(Field::kPublished, 2);
    else if (name == "created")
      BeginCapture(Field::kPublished, 1);
    else if (name == "modified")
      BeginCapture(Field::kUpdated, 2);
  } else if (ns == Ns::kItunes) {
    if (name == "author")
      BeginCapture(Field::kAuthor, 1);
    else if (name == "summary")
      BeginTextConstruct(ns, Field::kSummary, 1);
  }
}

void FeedBuilder::HandleAtomLink(bool in_item) {
  const XmlAttribute* href = reader_.FindAttribute({}, "href");
  if (!href) return;
  const XmlAttribute* rel = reader_.FindAttribute({}, "rel");
  const std::string_view r = rel ? rel->value : "alternate";
  const XmlAttribute* type = reader_.FindAttribute({}, "type");
  std::string url = Resolve(href->value);
  if (r == "alternate" || r == "http://www.iana.org/assignments/relation/alternate") {
    // An HTML alternate beats one of another type.
    const bool html = !type || type->value == "text/html" || type->value == "application/xhtml+xml";
    const int rank = html ? 2 : 1;
    (in_item ? item_.link : feed_link_).Set(std::move(url), rank);
  } else if (r == "enclosure" && in_item) {
    const XmlAttribute* length = reader_.FindAttribute({}, "length");
    Enclosure e{std::move(url), type ? std::string(type->value) : "", 0};
    e.length = EnclosureLength(length);
    item_.enclosures.push_back(std::move(e));
  }
}

void FeedBuilder::BeginCapture(Field field, int rank, TextType type) {
  capturing_ = true;
  reader_.set_text_wanted(true);
  capture_.field = field;
  capture_.rank = rank;
  capture_.type = type;
  capture_.rss_title = false;
  capture_.depth = reader_.depth();
  capture_.content_begin = reader_.token_end();
  capture_.had_children = false;
  capture_.text.Clear();
  capture_.base = frames_.back().base;  // the frame outlives the capture
  capture_.base_active = frames_.back().has_xml_base;
}

// Atom text constructs (type="text|html|xhtml", Atom 0.3's MIME types and
// mode="escaped|base64|xml"), and RSS's: description is HTML, title is text
// unless it looks like HTML.
void FeedBuilder::BeginTextConstruct(Ns ns, Field field, int rank) {
  const XmlAttribute* type_attr = reader_.FindAttribute({}, "type");
  const XmlAttribute* mode_attr = reader_.FindAttribute({}, "mode");
  const bool atom = ns == Ns::kAtom || ns == Ns::kAtom03 ||
                    (ns == Ns::kNone && out_.feed.format == FeedFormat::kAtom);
  TextType type;
  bool rss_title = false;
  if (!atom) {
    if (field == Field::kTitle) {
      type = TextType::kText;
      rss_title = true;
    } else {
      type = TextType::kHtml;
    }
    if (atom && type_attr) rss_title = false;
  } else {
    type = TextType::kText;
  }
  if (atom && type_attr) {
    const std::string_view t = type_attr->value;
    if (t == "html" || t == "text/html") {
      type = TextType::kHtml;
    } else if (t == "xhtml" || t == "application/xhtml+xml") {
      type = TextType::kXhtml;
    } else if (t == "text" || t == "text/plain" || t.empty()) {
      type = TextType::kText;
    } else if (t.find("xml") != std::string_view::npos) {
      type = TextType::kXml;
    } else if (t.substr(0, 5) == "text/") {
      type = TextType::kText;
    } else {
      type = TextType::kBase64Text;  // other media types are base64 in Atom 1.0
    }
  }
  if (mode_attr) {
    const std::string_view m = mode_attr->value;
    if (m == "base64") {
      type = type == TextType::kHtml ? TextType::kHtml : TextType::kBase64Text;
      BeginCapture(field, rank, type);
      capture_.type = TextType::kBase64Text;
      // Remember whether the decoded bytes are HTML.
      capture_.rss_title =
          type_attr && (type_attr->value == "text/html" || type_attr->value == "html");
      return;
    }
    if (m == "xml" && type == TextType::kHtml) type = TextType::kXhtml;
  }
  BeginCapture(field, rank, type);
  capture_.rss_title = rss_title;
}

std::string FeedBuilder::RawContent() const {
  const size_t begin = capture_.content_begin;
  const size_t end = reader_.token_begin();
  return std::string(reader_.document().substr(begin, end > begin ? end - begin : 0));
}

void FeedBuilder::FinishCapture() {
  capturing_ = false;
  reader_.set_text_wanted(false);
  Capture& c = capture_;
  // Plain text read into something else (a date, a number, an author's
  // name) is read where it is.  Other values are taken out of the capture
  // (CapturedText::Take) or made from it.
  if (c.type == TextType::kText && !c.had_children && !c.rss_title && ReadInPlace(c.field)) {
    return;
  }
  const std::string_view text = c.text.view();
  std::string value;
  bool is_html = false;
  switch (c.type) {
    case TextType::kText:
      if (c.had_children) {
        // Markup inside a plain-text element: someone pasted HTML unescaped.
        value = RawContent();
        is_html = true;
      } else {
        value = c.text.Take();
        if (c.rss_title && LooksLikeHtml(value)) is_html = true;
      }
      break;
    case TextType::kHtml:
      // Elements inside HTML content: usually HTML pasted unescaped, so the
      // markup is the value; but when the text inside holds escaped markup
      // (an XHTML <div> wrapping escaped HTML), the text is the HTML.
      if (c.had_children && text.find('<') == std::string_view::npos) {
        value = RawContent();
      } else {
        value = c.text.Take();
      }
      is_html = true;
      break;
    case TextType::kXhtml:
    case TextType::kXml:
      value = c.had_children ? RawContent() : text::EscapeHtml(text);
      is_html = true;
      break;
    case TextType::kBase64Text:
      value = DecodeBase64(text);
      is_html = c.rss_title;
      if (!text::IsValidUtf8(value)) value = text::SanitizeUtf8(value);
      break;
  }
  if (in_item_) {
    AssignToItem(c.field, c.rank, std::move(value), is_html);
  } else {
    AssignToFeed(c.field, c.rank, std::move(value), is_html);
  }
}

bool FeedBuilder::ReadInPlace(Field field) {
  const std::string_view text = capture_.text.view();
  const int rank = capture_.rank;
  switch (field) {
    case Field::kPublished:
      if (in_item_) item_.published.Set(text, rank);
      return true;
    case Field::kUpdated:
      (in_item_ ? item_.updated : feed_updated_).Set(text, rank);
      return true;
    case Field::kAuthor:
    case Field::kRssAuthor:
      if (in_item_) item_.author.Set(AuthorName(text), rank);
      return true;
    default:
      return false;
  }
}

void FeedBuilder::AssignToFeed(Field field, int rank, std::string value, bool is_html) {
  switch (field) {
    case Field::kTitle:
      if (is_html) {
        feed_title_rich_.Set(std::move(value), true, rank);
      } else {
        feed_title_text_.Set(std::move(value), rank);
      }
      break;
    case Field::kLink:
      feed_link_.Set(CaptureLink(std::move(value)), 3);
      break;
    case Field::kDescription:
      feed_description_.Set(std::move(value), is_html, rank);
      break;
    case Field::kLanguage:
      feed_language_.Set(Collapsed(std::move(value)), rank);
      break;
    case Field::kUpdated:
      feed_updated_.Set(value, rank);
      break;
    case Field::kTtl: {
      const std::string v = Collapsed(std::move(value));
      char* end = nullptr;
      const long ttl = std::strtol(v.c_str(), &end, 10);
      if (end && *end == '\0' && ttl > 0 && ttl < 525600)
        out_.feed.ttl_minutes = static_cast<int>(ttl);
      break;
    }
    case Field::kUpdatePeriod:
      update_period_ = Collapsed(std::move(value));
      break;
    case Field::kUpdateFrequency: {
      const long f = std::strtol(value.c_str(), nullptr, 10);
      if (f > 0 && f < 100000) update_frequency_ = static_cast<int>(f);
      break;
    }
    case Field::kSkipHour: {
      const std::string v = Collapsed(std::move(value));
      char* end = nullptr;
      const long h = std::strtol(v.c_str(), &end, 10);
      if (!v.empty() && end && *end == '\0' && h >= 0 && h <= 24) {
        out_.feed.skip_hours.push_back(static_cast<int>(h % 24));
      }
      break;
    }
    case Field::kSkipDay: {
      std::string v = Collapsed(std::move(value));
      if (!v.empty()) out_.feed.skip_days.push_back(std::move(v));
      break;
    }
    default:
      break;
  }
}

void FeedBuilder::AssignToItem(Field field, int rank, std::string value, bool is_html) {
  switch (field) {
    case Field::kTitle:
      if (is_html) {
        item_.title_rich.Set(std::move(value), true, rank);
      } else {
        item_.title_text.Set(std::move(value), rank);
      }
      break;
    case Field::kLink:
      item_.link.Set(CaptureLink(std::move(value)), rank);
      break;
    case Field::kGuid:
      item_.guid.Set(Collapsed(std::move(value)), rank);
      break;
    case Field::kPublished:
      item_.published.Set(value, rank);
      break;
    case Field::kUpdated:
      item_.updated.Set(value, rank);
      break;
    case Field::kAuthor:
    case Field::kRssAuthor:
      item_.author.Set(AuthorName(value), rank);
      break;
    case Field::kSummary:
      item_.summary.Set(std::move(value), is_html, rank);
      break;
    case Field::kContent:
      item_.content.Set(std::move(value), is_html, rank);
      break;
    case Field::kCategory: {
      std::string v = Collapsed(std::move(value));
      if (!v.empty()) item_.AddCategory(std::move(v));
      break;
    }
    case Field::kOrigin:
      item_.origin = Collapsed(std::move(value));
      break;
    case Field::kLanguage:
      item_.language.Set(Collapsed(std::move(value)), rank);
      break;
    case Field::kPersonName:
      person_name_ = Collapsed(std::move(value));
      break;
    case Field::kPersonEmail:
      person_email_ = Collapsed(std::move(value));
      break;
    default:
      break;
  }
}

void FeedBuilder::FinishItem() {
  in_item_ = false;
  if (out_.items.size() >= options_.max_items) {
    if (!item_limit_reported_) {
      item_limit_reported_ = true;
      if (out_.error.empty()) {
        out_.error =
            "more than " + std::to_string(options_.max_items) + " items; the rest were dropped";
      }
    }
    return;
  }
  std::vector<Item>& items = out_.items;
  if (items.size() == items.capacity()) {
    // An item is a dozen strings: moving them all at every doubling costs
    // more than reading some of them.  The items so far and how far into the
    // document they end tell how many there will be, counted from where the
    // first began (the channel's elements before it would make the items
    // look longer than they are), and a quarter more, as items vary in size:
    // an estimate that falls short moves every item built so far.
    const size_t n = items.size() + 1;
    const size_t begun = first_item_begin_.value_or(0);
    const size_t doc = reader_.document().size() - begun;
    const size_t read = std::max<size_t>(reader_.token_end() - begun, 1);
    // A small first item before a large rest (a huge last item, a long
    // channel description after the items) would ask for far too many: no
    // more than one item per 256 bytes of document is reserved ahead (about
    // twice the document's size in Items), the doubling takes over past it.
    const size_t expected = std::min(n * doc / read * 5 / 4 + 1, doc / 256 + 16);
    items.reserve(std::min(std::max(expected, 2 * items.size()), options_.max_items));
  }
  ItemBuilder& b = item_;
  Item& item = items.emplace_back();  // built where it stays: no move of a dozen strings
  if (b.title_rich.rank > 0 && b.title_rich.rank >= b.title_text.rank) {
    item.title = text::HtmlToText(b.title_rich.value);
  } else {
    item.title = Collapsed(std::move(b.title_text.value));
  }
  item.guid = std::move(b.guid.value);
  item.link = std::move(b.link.value);
  if (item.link.empty() && b.guid_is_permalink && IsAbsoluteUrl(item.guid) &&
      (item.guid.rfind("http://", 0) == 0 || item.guid.rfind("https://", 0) == 0)) {
    item.link = item.guid;  // RSS: a permalink GUID is the link
  }
  item.published = b.published.value;
  item.updated = b.updated.value;
  if (!item.published && b.updated.rank > 0 && b.updated.rank <= 2) {
    // dc:date and friends: the only date given is when it was published.
    item.published = item.updated;
  }
  if (!b.author.value.empty()) item.authors.push_back(std::move(b.author.value));
  if (b.summary.is_html) {
    item.summary_html = std::move(b.summary.value);
  } else {
    item.summary_text = Collapsed(std::move(b.summary.value));
  }
  if (b.content.is_html) {
    item.content_html = std::move(b.content.value);
  } else {
    item.content_text = Collapsed(std::move(b.content.value));
  }
  item.categories = std::move(b.categories);
  item.enclosures = std::move(b.enclosures);
  item.language = std::move(b.language.value);
  item.origin = std::move(b.origin);
  // Aggregators append the credited publisher to the headline ("... - Reuters"):
  // the story's title is what comes before it.
  if (!item.origin.empty()) {
    const std::string suffix = " - " + item.origin;
    if (item.title.size() > suffix.size() &&
        item.title.compare(item.title.size() - suffix.size(), suffix.size(), suffix) == 0) {
      item.title.resize(item.title.size() - suffix.size());
    }
  }
}

void FeedBuilder::OnEnd() {
  if (capturing_) {
    if (reader_.depth() + 1 == capture_.depth) {
      FinishCapture();
    } else {
      return;  // the end of an element inside the captured one
    }
  }
  if (frames_.size() <= 1) return;
  const Context closing = frames_.back().context;
  PopFrame();
  if (closing == Context::kItem) {
    FinishItem();
  } else if (closing == Context::kPerson) {
    std::string who = !person_name_.empty() ? person_name_ : person_email_;
    if (in_item_) item_.author.Set(std::move(who), 3);
  }
}

}  // namespace

Result<ParsedFeed> ParseXmlFeed(std::string_view utf8, const ParseOptions& options) {
  FeedBuilder builder(utf8, options);
  return builder.Run();
}

}  // namespace mineral::feeds
