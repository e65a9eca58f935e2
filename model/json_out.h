// JsonOut: RapidJSON's writer with the few shorthands every JSON writer in
// the project uses (webhook payloads, the CLI's --json output, the alert
// feed, test reports).  Header-only; include it from .cc files only, so
// RapidJSON stays out of every library's interface.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/time.h"

namespace mineral {

class JsonOut {
 public:
  rapidjson::Writer<rapidjson::StringBuffer>& w() { return writer_; }

  void Key(std::string_view key) {
    writer_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  }
  void String(std::string_view value) {
    writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
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
      String(FormatRfc3339(*t));
    } else {
      writer_.Null();
    }
  }
  // Omitted when empty / unset: for output where absence is the norm.
  void StrIfSet(std::string_view key, std::string_view value) {
    if (!value.empty()) Str(key, value);
  }
  void TimeIfSet(std::string_view key, const std::optional<UtcTime>& t) {
    if (t) Str(key, FormatRfc3339(*t));
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
  rapidjson::Writer<rapidjson::StringBuffer> writer_{buffer_};
};

// `text` as a JSON string literal, quotes included (bytes that are not UTF-8
// pass as they are).
inline std::string JsonQuote(std::string_view text) {
  JsonOut out;
  out.String(text);
  return out.Take();
}

}  // namespace mineral
