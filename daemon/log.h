// Structured logs for the daemon: one line per event, to stderr.
//
// Text (the default, for journald):  <6>polled feed=fr-bis status=200 items=20 ms=41
//   The <N> prefix is the syslog priority (3 error, 4 warning, 6 info,
//   7 debug): journald strips it and keeps the level.  No timestamp: the
//   journal adds its own.  Values with spaces, quotes, '=' or control
//   characters are quoted, with \" \\ \n \t escapes.
// JSON (--log-format json, for log shippers):
//   {"time":"2026-11-26T18:00:00Z","level":"info","msg":"polled","feed":"fr-bis",...}
//
// Keys are stable (feed, url, item, rule, receiver, attempt, error, ...).
// Nothing secret is ever passed in: secrets are references until the moment
// of use and are never formatted into a message.
#pragma once

#include <iosfwd>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "model/time.h"

namespace mineral::daemon {

using config::LogFormat;
using config::LogLevel;

struct LogField {
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(v) {}
  LogField(std::string_view k, long long v) : key(k), value(std::to_string(v)), number(true) {}
  LogField(std::string_view k, int v) : LogField(k, static_cast<long long>(v)) {}
  LogField(std::string_view k, long v) : LogField(k, static_cast<long long>(v)) {}
  LogField(std::string_view k, unsigned long v) : LogField(k, static_cast<long long>(v)) {}
  std::string key;
  std::string value;
  bool number = false;  // JSON writes it unquoted
};

// One log line, newline included (pure).
std::string FormatLogLine(LogFormat format, LogLevel level, UtcTime time, std::string_view message,
                          const std::vector<LogField>& fields);

// Writes lines at or above `level` to `out`.  Thread-safe (one lock per
// line), though the daemon logs from its one loop thread.
class Logger {
 public:
  Logger(std::ostream& out, LogLevel level, LogFormat format)
      : out_(out), level_(level), format_(format) {}

  void Log(LogLevel level, std::string_view message, const std::vector<LogField>& fields = {});
  void Debug(std::string_view m, const std::vector<LogField>& f = {}) {
    Log(LogLevel::kDebug, m, f);
  }
  void Info(std::string_view m, const std::vector<LogField>& f = {}) { Log(LogLevel::kInfo, m, f); }
  void Warn(std::string_view m, const std::vector<LogField>& f = {}) {
    Log(LogLevel::kWarning, m, f);
  }
  void Error(std::string_view m, const std::vector<LogField>& f = {}) {
    Log(LogLevel::kError, m, f);
  }

  void SetLevel(LogLevel level) { level_ = level; }
  void SetFormat(LogFormat format) { format_ = format; }

 private:
  std::ostream& out_;
  LogLevel level_;
  LogFormat format_;
  std::mutex mutex_;
};

}  // namespace mineral::daemon
