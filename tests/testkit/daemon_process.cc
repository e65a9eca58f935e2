#include "tests/testkit/daemon_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace mineral::testkit {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

uint16_t FreePort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc | std::ios::binary);
  out << text;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int TimeScale() {
  static const int scale = [] {
    const char* value = std::getenv("MINERAL_TEST_TIME_SCALE");
    const int n = value == nullptr ? 1 : std::atoi(value);
    return n >= 1 ? n : 1;
  }();
  return scale;
}

bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout * TimeScale();
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return done();
}

DaemonProcess::DaemonProcess(const std::string& binary, const std::vector<std::string>& args,
                             const fs::path& log, const std::vector<std::string>& env,
                             const fs::path& out)
    : log_(log) {
  // $MINERAL_DAEMON_WRAPPER, split at spaces, goes before the binary: the
  // e2e tests under valgrind (docs/reliability.md).
  std::vector<std::string> arg_store;
  if (const char* wrapper = std::getenv("MINERAL_DAEMON_WRAPPER")) {
    std::istringstream words(wrapper);
    for (std::string word; words >> word;) arg_store.push_back(word);
  }
  arg_store.push_back(binary);
  arg_store.insert(arg_store.end(), args.begin(), args.end());
  const std::string program = arg_store.front();
  std::vector<char*> argv;
  for (std::string& a : arg_store) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_store;
  for (char** e = environ; *e != nullptr; ++e) env_store.emplace_back(*e);
  env_store.insert(env_store.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (std::string& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out.empty()) {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  int rc = posix_spawnp(&pid_, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + program + ": " + std::strerror(rc));
  }
}

DaemonProcess::~DaemonProcess() { Kill(); }

void DaemonProcess::Signal(int signal) {
  if (pid_ > 0) ::kill(pid_, signal);
}

std::optional<int> DaemonProcess::Wait(std::chrono::milliseconds wait) {
  auto deadline = std::chrono::steady_clock::now() + wait * TimeScale();
  while (pid_ > 0) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(20ms);
  }
  return std::nullopt;
}

void DaemonProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

namespace {
long StatusField(pid_t pid, const std::string& field) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return 0;
}
}  // namespace

long DaemonProcess::RssKiB() const { return StatusField(pid_, "VmRSS"); }
long DaemonProcess::PeakRssKiB() const { return StatusField(pid_, "VmHWM"); }

CommandResult RunCommand(const std::string& binary, const std::vector<std::string>& args,
                         const fs::path& dir, const std::vector<std::string>& env,
                         std::chrono::milliseconds timeout) {
  DaemonProcess process(binary, args, dir / "cmd.err", env, dir / "cmd.out");
  CommandResult result;
  result.exit_code = process.Wait(timeout).value_or(-1);
  process.Kill();
  result.out = ReadFile(dir / "cmd.out");
  result.err = ReadFile(dir / "cmd.err");
  return result;
}

StatusClient::StatusClient(uint16_t port) : base("http://127.0.0.1:" + std::to_string(port)) {}

net::HttpResponse StatusClient::Get(const std::string& path) {
  std::optional<net::HttpResponse> out;
  net::HttpRequest r;
  r.url = base + path;
  r.total_timeout = 2s * TimeScale();
  http.Fetch(r, [&](net::HttpResponse resp) { out = std::move(resp); });
  io.restart();
  while (!out) io.run_one_for(50ms);
  return *out;
}

bool StatusClient::WaitFor(const std::string& path,
                           const std::function<bool(const net::HttpResponse&)>& pred,
                           std::chrono::milliseconds timeout) {
  return Eventually([&] { return pred(Get(path)); }, timeout);
}

bool Has(const net::HttpResponse& r, const std::string& text) {
  return r.status == 200 && r.body.find(text) != std::string::npos;
}

}  // namespace mineral::testkit
