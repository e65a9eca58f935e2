#include "daemon/log.h"

#include <catch2/catch.hpp>
#include <sstream>

namespace mineral::daemon {
namespace {

const UtcTime kT = UtcTime(std::chrono::seconds(1'790'000'000));

TEST_CASE("text lines: priority prefix, key=value, quoting only when needed", "[log]") {
  CHECK(FormatLogLine(LogFormat::kText, LogLevel::kInfo, kT, "polled",
                      {{"feed", "fr-bis"}, {"status", 200}, {"ms", 41}}) ==
        "<6>polled feed=fr-bis status=200 ms=41\n");
  CHECK(FormatLogLine(LogFormat::kText, LogLevel::kError, kT, "poll failed",
                      {{"error", "connect: Couldn't connect (127.0.0.1:9)"}, {"empty", ""}}) ==
        "<3>\"poll failed\" error=\"connect: Couldn't connect (127.0.0.1:9)\" empty=\"\"\n");
  CHECK(FormatLogLine(LogFormat::kText, LogLevel::kWarning, kT, "x", {{"v", "a\"b\\c\nd=e"}}) ==
        "<4>x v=\"a\\\"b\\\\c\\nd=e\"\n");
  CHECK(FormatLogLine(LogFormat::kText, LogLevel::kDebug, kT, "d", {}) == "<7>d\n");
}

TEST_CASE("JSON lines: time, level, msg, then the fields; numbers unquoted", "[log]") {
  CHECK(FormatLogLine(LogFormat::kJson, LogLevel::kWarning, kT, "feed gone",
                      {{"feed", "x"}, {"status", 410}, {"error", "tab\there"}}) ==
        "{\"time\":\"2026-09-21T14:13:20Z\",\"level\":\"warning\",\"msg\":\"feed gone\","
        "\"feed\":\"x\",\"status\":410,\"error\":\"tab\\there\"}\n");
}

TEST_CASE("the logger drops lines below its level", "[log]") {
  std::ostringstream out;
  Logger log(out, LogLevel::kWarning, LogFormat::kText);
  log.Info("hidden");
  log.Warn("shown", {{"k", "v"}});
  CHECK(out.str() == "<4>shown k=v\n");
}

}  // namespace
}  // namespace mineral::daemon
