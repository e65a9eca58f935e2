// JsonOut: RapidJSON's writer with the few shorthands every JSON writer in
// the project uses (webhook payloads, the CLI's --json output, the alert
// feed, test reports).  Header-only; include it from .cc files only, so
// RapidJSON stays out of every library's interface.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/time.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mineral {

namespace json_out_detail {

// Whether RapidJSON's writer escapes a byte of `text`, byte by byte.
inline bool NeedsEscapeBytewise(std::string_view text) {
  for (const char byte : text) {
    const auto c = static_cast<unsigned char>(byte);
    if (c < 0x20 || c == '"' || c == '\\') return true;
  }
  return false;
}

// Whether RapidJSON's writer escapes a byte of `text`: a control character
// (below 0x20), '"' or '\\'.  Other bytes, UTF-8 or not, it copies as they
// are.  Sixteen bytes at a time where SSE2 is there.
inline bool NeedsEscape(std::string_view text) {
#if defined(__SSE2__)
  const char* p = text.data();
  const char* const end = p + text.size();
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i control = _mm_set1_epi8(0x1F);
  auto escapes = [&](const char* block) {
    const __m128i s = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block));
    // min(s, 0x1F) == s: s <= 0x1F, unsigned.
    const __m128i hit =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(s, quote), _mm_cmpeq_epi8(s, backslash)),
                     _mm_cmpeq_epi8(_mm_min_epu8(s, control), s));
    return _mm_movemask_epi8(hit) != 0;
  };
  for (; end - p >= 16; p += 16) {
    if (escapes(p)) return true;
  }
  if (p == end) return false;
  // The last bytes: the final 16 of a longer text (again in part), or a
  // short one (keys, most values) padded with a byte that is not escaped.
  if (text.size() >= 16) return escapes(end - 16);
  char block[16];
  std::memset(block, 'a', sizeof block);
  std::memcpy(block, p, static_cast<size_t>(end - p));
  return escapes(block);
#else
  return NeedsEscapeBytewise(text);
#endif
}

// RapidJSON's writer, and a string none of whose bytes is escaped written as
// one copy: the writer's own String() looks each byte up and puts it
// separately (most of a webhook payload's rendering time).  The bytes
// written are the same.
class JsonWriter : public rapidjson::Writer<rapidjson::StringBuffer> {
 public:
  using Writer::Writer;

  bool PlainString(std::string_view text) {
    Prefix(rapidjson::kStringType);
    char* out = os_->Push(text.size() + 2);
    out[0] = '"';
    if (!text.empty()) std::memcpy(out + 1, text.data(), text.size());
    out[text.size() + 1] = '"';
    return EndValue(true);
  }
};

}  // namespace json_out_detail

class JsonOut {
 public:
  JsonOut() = default;
  // Room for `capacity` bytes of output before the buffer grows (a payload
  // of a known size grows it once instead of four times).
  explicit JsonOut(size_t capacity) : buffer_(nullptr, capacity) {}

  rapidjson::Writer<rapidjson::StringBuffer>& w() { return writer_; }

  void Key(std::string_view key) { String(key); }
  void String(std::string_view value) {
    if (json_out_detail::NeedsEscape(value)) {
      writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    } else {
      writer_.PlainString(value);
    }
  }
  void Str(std::string_view key, std::string_view value) {
    Key(key);
    String(value);
  }
  // A string, or null when empty.
  void StrOrNull(std::string_view key, std::string_view value) {
    Key(key);
    if (value.empty()) {
      writer_.Null();
    } else {
      String(value);
    }
  }
  void Time(std::string_view key, const std::optional<UtcTime>& t) {
    Key(key);
    if (t) {
      char text[kRfc3339Capacity];
      writer_.PlainString(std::string_view(text, FormatRfc3339To(*t, text)));
    } else {
      writer_.Null();
    }
  }
  // Omitted when empty / unset: for output where absence is the norm.
  void StrIfSet(std::string_view key, std::string_view value) {
    if (!value.empty()) Str(key, value);
  }
  void TimeIfSet(std::string_view key, const std::optional<UtcTime>& t) {
    if (t) Time(key, t);
  }
  void StringsIfAny(std::string_view key, const std::vector<std::string>& values) {
    if (!values.empty()) Strings(key, values);
  }
  void Int(std::string_view key, int64_t value) {
    Key(key);
    writer_.Int64(value);
  }
  void Bool(std::string_view key, bool value) {
    Key(key);
    writer_.Bool(value);
  }
  void Strings(std::string_view key, const std::vector<std::string>& values) {
    Key(key);
    writer_.StartArray();
    for (const std::string& v : values) String(v);
    writer_.EndArray();
  }
  void StartObject(std::string_view key) {
    Key(key);
    writer_.StartObject();
  }
  void StartArray(std::string_view key) {
    Key(key);
    writer_.StartArray();
  }

  void Null(std::string_view key) {
    Key(key);
    writer_.Null();
  }

  std::string Take() { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  rapidjson::StringBuffer buffer_;
  json_out_detail::JsonWriter writer_{buffer_};
};

// `text` as a JSON string literal, quotes included (bytes that are not UTF-8
// pass as they are).
inline std::string JsonQuote(std::string_view text) {
  JsonOut out;
  out.String(text);
  return out.Take();
}

}  // namespace mineral
