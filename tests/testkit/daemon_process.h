// DaemonProcess: the real `mineral-alertd` binary as a child process, for
// end-to-end and reliability tests.  Its stderr goes to a log file, and the
// destructor SIGKILLs it by PID and reaps it if a test ends early, so no
// test leaves a daemon behind.  StatusClient GETs from its status server.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "net/curl_http_client.h"

namespace mineral::testkit {

// A TCP port on 127.0.0.1 that was free a moment ago.
uint16_t FreePort();

void WriteFile(const std::filesystem::path& path, const std::string& text);
std::string ReadFile(const std::filesystem::path& path);

// $MINERAL_TEST_TIME_SCALE (default 1): every deadline below is multiplied
// by it, for a daemon run under valgrind (docs/reliability.md).
int TimeScale();

// Checks `done` every 100 ms until it holds or `timeout` (scaled) passes.
bool Eventually(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(15));

class DaemonProcess {
 public:
  // Starts `binary` with `args` (argv[1..]); stderr to `log` (truncated),
  // stdout to `out` (truncated; /dev/null when empty).  `env` entries
  // ("NAME=value") are added to this process's environment.  When
  // $MINERAL_DAEMON_WRAPPER is set (as in "valgrind --leak-check=full"), its
  // words go first and start `binary` (the PID is then the wrapper's).
  // Throws std::runtime_error if it cannot start.
  DaemonProcess(const std::string& binary, const std::vector<std::string>& args,
                const std::filesystem::path& log, const std::vector<std::string>& env = {},
                const std::filesystem::path& out = {});
  ~DaemonProcess();  // SIGKILL + waitpid if still running
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  void Signal(int signal);
  // The exit code (128 + signal when killed), or nullopt if still running
  // after `wait` (scaled).
  std::optional<int> Wait(std::chrono::milliseconds wait);
  // SIGKILL now and reap: the crash of the reliability tests.
  void Kill();
  std::string Log() const { return ReadFile(log_); }
  // Resident set size from /proc/PID/status (VmRSS), in KiB; 0 if gone.
  long RssKiB() const;
  // Peak resident set size (VmHWM), in KiB; 0 if gone.
  long PeakRssKiB() const;

 private:
  pid_t pid_ = -1;
  std::filesystem::path log_;
};

// A command of the binary run to its end (`mineral-alertd check ...`): its
// exit code (-1 if it ran past `timeout` and was killed), stdout and
// stderr, kept meanwhile in `dir`/cmd.out and `dir`/cmd.err.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
CommandResult RunCommand(const std::string& binary, const std::vector<std::string>& args,
                         const std::filesystem::path& dir, const std::vector<std::string>& env = {},
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));

// GETs from a daemon's status server on 127.0.0.1.
struct StatusClient {
  explicit StatusClient(uint16_t port);
  net::HttpResponse Get(const std::string& path);
  // Polls `path` until `pred` holds for the response (or `timeout` passes).
  bool WaitFor(const std::string& path, const std::function<bool(const net::HttpResponse&)>& pred,
               std::chrono::milliseconds timeout = std::chrono::seconds(15));

  boost::asio::io_context io;
  net::CurlHttpClient http{io};
  std::string base;
};

// True if `r` is a 200 whose body contains `text`.
bool Has(const net::HttpResponse& r, const std::string& text);

}  // namespace mineral::testkit
