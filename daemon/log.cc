#include "daemon/log.h"

#include <chrono>
#include <cstdio>
#include <ostream>

namespace mineral::daemon {
namespace {

int Priority(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return 3;
    case LogLevel::kWarning:
      return 4;
    case LogLevel::kInfo:
      return 6;
    case LogLevel::kDebug:
      return 7;
  }
  return 6;
}

bool NeedsQuotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
      return true;
  }
  return false;
}

// Escapes for both formats: JSON's escapes are a superset of what text
// needs, and a reader of either sees the same thing.
void AppendEscaped(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
}

void AppendTextValue(std::string& out, std::string_view v) {
  if (!NeedsQuotes(v)) {
    out += v;
    return;
  }
  out += '"';
  AppendEscaped(out, v);
  out += '"';
}

void AppendJsonString(std::string& out, std::string_view v) {
  out += '"';
  AppendEscaped(out, v);
  out += '"';
}

}  // namespace

std::string FormatLogLine(LogFormat format, LogLevel level, UtcTime time, std::string_view message,
                          const std::vector<LogField>& fields) {
  std::string line;
  if (format == LogFormat::kJson) {
    line += "{\"time\":";
    AppendJsonString(line, FormatRfc3339(time));
    line += ",\"level\":";
    AppendJsonString(line, config::LogLevelName(level));
    line += ",\"msg\":";
    AppendJsonString(line, message);
    for (const LogField& f : fields) {
      line += ',';
      AppendJsonString(line, f.key);
      line += ':';
      if (f.number) {
        line += f.value;
      } else {
        AppendJsonString(line, f.value);
      }
    }
    line += "}\n";
    return line;
  }
  line += '<';
  line += std::to_string(Priority(level));
  line += '>';
  // The message is a short event name or sentence; quoted only if it must be.
  AppendTextValue(line, message);
  for (const LogField& f : fields) {
    line += ' ';
    line += f.key;
    line += '=';
    AppendTextValue(line, f.value);
  }
  line += '\n';
  return line;
}

void Logger::Log(LogLevel level, std::string_view message, const std::vector<LogField>& fields) {
  if (static_cast<int>(level) < static_cast<int>(level_)) return;
  const UtcTime now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  std::string line = FormatLogLine(format_, level, now, message, fields);
  std::lock_guard lock(mutex_);
  out_ << line << std::flush;
}

}  // namespace mineral::daemon
