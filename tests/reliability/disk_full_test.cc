// Disk full and read-only state directory (issue 8): the real daemon with
// its state directory on a small tmpfs that the test fills up and empties
// again, and on a read-only bind mount.  Both mounts are made in a private
// mount namespace of this test process (unshare(CLONE_NEWNS)), which the
// daemon inherits: nothing is visible outside, and everything goes with the
// process.  Needs root (CAP_SYS_ADMIN), as CI and the build machine are;
// without it the scenarios say why and check nothing.

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "storage/database.h"
#include "tests/reliability/scenario_report.h"
#include "tests/testkit/daemon_process.h"
#include "tests/testkit/http_test_server.h"
#include "tests/testkit/temp_dir.h"

namespace mineral::reliability {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testkit::Has;
using testkit::HttpTestServer;
using testkit::TestReply;
using testkit::TestRequest;

// This thread (and the children it starts) in a mount namespace of its own,
// made once per process; "" when done, else why it cannot be.
std::string PrivateMounts() {
  static const std::string error = []() -> std::string {
    if (::unshare(CLONE_NEWNS) != 0)
      return std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      return std::string("mount --make-rprivate /: ") + std::strerror(errno);
    return "";
  }();
  return error;
}

// A mount on `dir` for the scope, detached at the end.
struct ScopedMount {
  fs::path dir;
  std::string error;  // "" when mounted
  ScopedMount(const fs::path& target, const char* source, const char* type, unsigned long flags,
              const char* data)
      : dir(target) {
    error = PrivateMounts();
    if (error.empty() && ::mount(source, target.c_str(), type, flags, data) != 0)
      error = std::string("mount ") + target.string() + ": " + std::strerror(errno);
  }
  ~ScopedMount() {
    if (error.empty()) ::umount2(dir.c_str(), MNT_DETACH);
  }
};

// systemd's notify socket, as the daemon sees it under Type=notify.
struct NotifySocket {
  int fd = -1;
  std::string path;
  explicit NotifySocket(const fs::path& p) : path(p.string()) {
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~NotifySocket() { ::close(fd); }
  // Every message received so far, appended to `all`.
  const std::string& Drain() {
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
      all += std::string(buf, static_cast<size_t>(n)) + "\n";
    return all;
  }
  std::string all;
};

// Fills the file system holding `dir` with one file until a write fails
// with ENOSPC; returns the file (remove it to give the space back).
fs::path FillUp(const fs::path& dir) {
  fs::path filler = dir / "filler";
  int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  std::string chunk(64 * 1024, 'x');
  for (;;) {
    ssize_t n = ::write(fd, chunk.data(), chunk.size());
    if (n < 0) {
      REQUIRE(errno == ENOSPC);
      break;
    }
    if (n < static_cast<ssize_t>(chunk.size())) chunk.resize(1);  // the last few bytes
  }
  ::close(fd);
  return filler;
}

std::string Title(int n) {
  static const char* const kWords[] = {"harbour",  "ministry", "quota",   "smelter", "tariff",
                                       "licence",  "refinery", "customs", "cathode", "magnet",
                                       "recycler", "auction",  "permit",  "furnace", "ingot"};
  return std::string("China bans gallium exports ") + kWords[n % 15] + " " + kWords[(n + 4) % 15] +
         " " + kWords[(n + 9) % 15] + " batch" + std::to_string(n * 7919);
}

std::string Rss(int items) {
  std::string xml = "<rss version=\"2.0\"><channel><title>Wire</title>";
  for (int n = 0; n < items; ++n)
    xml += "<item><title>" + Title(n) + "</title><guid>g" + std::to_string(n) + "</guid></item>";
  return xml + "</channel></rss>";
}

// A config with one feed (alert_backlog) and one webhook, failures retried
// after a second.
std::string Config(const std::string& feed_url, const std::string& hook_url, uint16_t port) {
  return "rules = [\"rules.toml\"]\n[daemon]\nstate_dir = \"state\"\n"
         "status_listen = \"127.0.0.1:" +
         std::to_string(port) +
         "\"\nmin_interval = \"1s\"\ndefault_interval = \"1s\"\nmax_interval = \"1s\"\n"
         "backoff_base = \"1s\"\nbackoff_cap = \"2s\"\n"
         "[[feed]]\nid = \"wire\"\nalert_backlog = true\nurl = \"" +
         feed_url +
         "\"\n[[receiver]]\nid = \"hook\"\nkind = \"webhook\"\ntimeout = \"10s\"\nurl = \"" +
         hook_url + "\"\n[[route]]\nreceivers = [\"hook\"]\n";
}

const char kRules[] =
    "[[rule]]\nid = \"gallium-ban\"\nseverity = \"critical\"\n"
    "when = 'mineral:gallium AND clause:export-ban'\n";

// Per outbox state, the rows of the database (opened read-only beside the
// daemon: a read needs no space).
std::map<OutboxState, int> OutboxStates(const fs::path& database, int* alerts) {
  storage::DatabaseOptions options;
  options.read_only = true;
  auto db = storage::Database::Open(database.string(), options);
  REQUIRE(db.ok());
  auto listed = (*db)->ListAlerts(UtcTime{}, "");
  REQUIRE(listed.ok());
  std::map<OutboxState, int> states;
  for (const storage::AlertRecord& a : *listed)
    for (const storage::OutboxStatus& d : a.deliveries) ++states[d.state];
  *alerts = static_cast<int>(listed->size());
  return states;
}

// The webhook: what it was sent, per webhook-id, and how it answers.
struct Hook {
  std::mutex mu;
  std::map<std::string, int> by_key;    // webhook-id -> requests
  std::map<std::string, int> by_title;  // item title -> requests
  std::atomic<int> answer{204};         // 503 (with Retry-After: 1), 204, or 200 slowly
  HttpTestServer server;
  Hook() {
    server.Route("/hook", [this](const TestRequest& r) {
      {
        std::lock_guard lock(mu);
        ++by_key[r.Header("webhook-id")];
        const size_t at = r.body.find("China bans gallium exports");
        if (at != std::string::npos) ++by_title[r.body.substr(at, r.body.find('"', at) - at)];
      }
      TestReply reply;
      reply.status = answer;
      if (answer == 503) reply.headers = {{"Retry-After", "1"}};
      if (answer == 200) {  // the answer takes 3 s: the disk fills meanwhile
        reply.body = "ok";
        reply.mode = TestReply::Mode::kDrip;
        reply.drip_interval = 1500ms;
      }
      return reply;
    });
  }
  size_t Titles() {
    std::lock_guard lock(mu);
    return by_title.size();
  }
};

// The feed (publishing its first `items` items), the webhook, and the
// config and rules in `dir`.
struct Scene {
  std::atomic<int> items{2};
  HttpTestServer feed;
  Hook hook;
  const uint16_t port = testkit::FreePort();
  explicit Scene(const fs::path& dir) {
    feed.Route("/wire", [this](const TestRequest&) {
      TestReply r;
      r.body = Rss(items);
      return r;
    });
    testkit::WriteFile(dir / "rules.toml", kRules);
    testkit::WriteFile(dir / "config.toml",
                       Config(feed.Url("/wire"), hook.server.Url("/hook"), port));
  }
};

TEST_CASE("disk full: reported, nothing lost, delivery resumes when space returns", "[disk]") {
  testkit::TempDir temp("mineral-disk");
  const fs::path& dir = temp.path;
  fs::create_directories(dir / "state");
  ScopedMount tmpfs(dir / "state", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "size=8m");
  if (!tmpfs.error.empty()) {
    WARN("disk-full scenario not run: needs a private mount namespace and a tmpfs (root): " +
         tmpfs.error);
    return;
  }
  Scene scene(dir);
  Hook& hook = scene.hook;
  std::atomic<int>& items = scene.items;
  hook.answer = 200;  // slowly
  NotifySocket notify(dir / "notify.sock");
  testkit::DaemonProcess daemon(MINERAL_BINARY, {"run", "--config", (dir / "config.toml").string()},
                                dir / "daemon.log", {"NOTIFY_SOCKET=" + notify.path});
  testkit::StatusClient status(scene.port);
  INFO(daemon.Log());
  // The first two alerts are recorded and on their way (slow answers).
  REQUIRE(testkit::Eventually([&] { return hook.Titles() == 2; }));

  // The disk fills while both answers are on the way; then two more items
  // are published.
  const fs::path filler = FillUp(dir / "state");
  items = 4;
  hook.answer = 204;
  // Reported: a warning per failed poll, an error per unrecorded delivery,
  // the counter, and STATUS=.
  REQUIRE(status.WaitFor("/metrics", [](const auto& r) {
    return r.status == 200 && !Has(r, "mineral_store_errors_total 0\n") &&
           Has(r, "mineral_poll_errors_total{kind=\"store\"}");
  }));
  REQUIRE(testkit::Eventually([&] {
    const std::string log = daemon.Log();
    return log.find("<3>\"delivery not recorded\"") != std::string::npos &&
           log.find("full") != std::string::npos;
  }));
  CHECK_THAT(daemon.Log(),
             Catch::Contains("<4>\"poll failed\" feed=wire") && Catch::Contains("error=\"store: "));
  CHECK(testkit::Eventually(
      [&] { return notify.Drain().find("; database failing: ") != std::string::npos; }));
  CHECK(status.Get("/healthz").status == 200);  // alive, and reads still work
  // Nothing new got in while the disk was full, and nothing was sent twice.
  CHECK(hook.Titles() == 2);

  // Space returns: the kept outcomes are stored, the new items recorded and
  // delivered, each alert exactly once.
  fs::remove(filler);
  const fs::path database = dir / "state" / "mineral-alertd.db";
  int alerts = 0;
  CHECK(testkit::Eventually(
      [&] {
        return hook.Titles() == 4 && OutboxStates(database, &alerts)[OutboxState::kDelivered] == 4;
      },
      30s));
  CHECK_THAT(daemon.Log(), Catch::Contains("<6>\"database writes again\""));
  const long peak_rss = daemon.PeakRssKiB();
  daemon.Signal(SIGTERM);
  CHECK(daemon.Wait(15s) == 0);
  std::map<OutboxState, int> states = OutboxStates(database, &alerts);
  CHECK(alerts == 4);
  CHECK(states[OutboxState::kDelivered] == 4);
  CHECK(states.size() == 1);  // none pending, in flight or dead
  std::lock_guard lock(hook.mu);
  long repeats = 0;
  for (const auto& [key, n] : hook.by_key) repeats += n - 1;
  CHECK(repeats == 0);
  CHECK(hook.by_key.size() == 4);

  ScenarioRow row;
  row.scenario = "disk-full";
  row.faults_injected = 1;
  row.alerts_expected = 4;
  row.alerts_delivered = static_cast<long>(hook.by_title.size());
  row.duplicates = repeats;
  row.lost = 4 - row.alerts_delivered;
  row.peak_rss_kib = peak_rss;
  row.notes =
      "tmpfs filled while 2 deliveries were on the way and 2 items published; "
      "reported in log, /metrics and STATUS; all delivered once after space returned";
  Report(row);
}

TEST_CASE("read-only state directory: refused at start, the queue kept, delivered after",
          "[disk]") {
  testkit::TempDir temp("mineral-readonly");
  const fs::path& dir = temp.path;
  Scene scene(dir);
  Hook& hook = scene.hook;
  std::atomic<int>& items = scene.items;
  hook.answer = 503;  // the two alerts wait in the outbox
  const std::vector<std::string> args = {"run", "--config", (dir / "config.toml").string()};
  const fs::path database = dir / "state" / "mineral-alertd.db";
  {
    testkit::DaemonProcess daemon(MINERAL_BINARY, args, dir / "daemon-1.log");
    REQUIRE(testkit::Eventually([&] { return hook.Titles() == 2; }));
    daemon.Signal(SIGTERM);
    REQUIRE(daemon.Wait(15s) == 0);
  }
  int alerts = 0;
  REQUIRE(OutboxStates(database, &alerts)[OutboxState::kPending] == 2);

  {
    // The state directory read-only (a bind mount over itself, remounted
    // read-only: root's writes fail too), two more items published.
    ScopedMount bind(dir / "state", (dir / "state").c_str(), nullptr, MS_BIND, nullptr);
    if (!bind.error.empty()) {
      WARN("read-only scenario not run: needs a private mount namespace (root): " + bind.error);
      return;
    }
    REQUIRE(::mount(nullptr, (dir / "state").c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY,
                    nullptr) == 0);
    items = 4;
    hook.answer = 204;
    testkit::DaemonProcess daemon(MINERAL_BINARY, args, dir / "daemon-2.log");
    // Refused with the reason, at once, with exit status 1 (systemd retries).
    CHECK(daemon.Wait(15s) == 1);
    CHECK_THAT(daemon.Log(),
               Catch::Contains("<3>\"state not writable\" path=" + (dir / "state").string() +
                               " error=\"Read-only file system\""));
    CHECK(hook.Titles() == 2);
  }
  // Still all there, untouched.
  std::map<OutboxState, int> states = OutboxStates(database, &alerts);
  CHECK(alerts == 2);
  CHECK(states[OutboxState::kPending] == 2);

  // Writable again: everything queued and everything new arrives.
  testkit::DaemonProcess daemon(MINERAL_BINARY, args, dir / "daemon-3.log");
  CHECK(testkit::Eventually(
      [&] {
        return hook.Titles() == 4 && OutboxStates(database, &alerts)[OutboxState::kDelivered] == 4;
      },
      30s));
  daemon.Signal(SIGTERM);
  CHECK(daemon.Wait(15s) == 0);
  states = OutboxStates(database, &alerts);
  CHECK(alerts == 4);
  CHECK(states[OutboxState::kDelivered] == 4);

  ScenarioRow row;
  row.scenario = "read-only-state";
  row.faults_injected = 1;
  row.alerts_expected = 4;
  row.alerts_delivered = static_cast<long>(hook.Titles());
  row.lost = 4 - row.alerts_delivered;
  row.notes =
      "start on a read-only state dir: exit 1 with the reason, queue untouched; "
      "writable again: the 2 queued and 2 new alerts delivered";
  Report(row);
}

}  // namespace
}  // namespace mineral::reliability
