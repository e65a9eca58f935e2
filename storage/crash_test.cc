// Crash test (issue 5): a helper process ingests a deterministic stream of
// feeds and is SIGKILLed at random moments, at least 50 times.  After each
// kill the store is reopened (as a restarted daemon would) and checked: each
// poll fully recorded (items, matches, alerts, outbox rows) or absent, no
// alert twice, no outbox row lost or left in flight.  When a run completes,
// its database must hold exactly what an uninterrupted run stores.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <random>
#include <thread>

#include "storage/database.h"
#include "storage/test_util.h"

namespace mineral::storage {
namespace {

using testing::TempDir;

constexpr const char* kRounds = "150";

pid_t StartIngest(const std::string& db_path) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    execl(STORAGE_CRASH_INGEST, STORAGE_CRASH_INGEST, db_path.c_str(), kRounds,
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// Waits for `pid`; returns its exit status, or -signal.
int Wait(pid_t pid) {
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return WEXITSTATUS(status);
}

void CheckAfterRestart(const std::string& db_path) {
  // Reopening is the restart: it puts in-flight outbox rows back to pending.
  auto db = Database::Open(db_path, DatabaseOptions{});
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  db.value().reset();
  const std::vector<std::string> problems = testing::CheckStreamInvariants(db_path);
  for (const std::string& p : problems) UNSCOPED_INFO(p);
  REQUIRE(problems.empty());
}

TEST_CASE("SIGKILL at random moments never leaves a poll half recorded") {
  TempDir dir;
  const std::string reference_path = dir.File("reference.db");
  REQUIRE(Wait(StartIngest(reference_path)) == 0);
  CheckAfterRestart(reference_path);
  const std::string reference = testing::DumpStream(reference_path);

  const auto seed =
      static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count());
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  // Up to about one run's length, so kills land early (open, migration) as
  // well as deep in the stream.
  std::uniform_int_distribution<int> delay_us(0, 40'000);

  int kills = 0;
  int completed = 0;
  for (int epoch = 0; kills < 50; ++epoch) {
    const std::string path = dir.File("crash-" + std::to_string(epoch) + ".db");
    while (true) {
      const pid_t pid = StartIngest(path);
      std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        REQUIRE(WIFEXITED(status));
        REQUIRE(WEXITSTATUS(status) == 0);
        break;
      }
      if (kills >= 50) {
        // Enough kills: let this run finish and compare it below.
        REQUIRE(Wait(pid) == 0);
        break;
      }
      REQUIRE(kill(pid, SIGKILL) == 0);
      const int result = Wait(pid);
      if (result == -SIGKILL) ++kills;
      CheckAfterRestart(path);
    }
    ++completed;
    CheckAfterRestart(path);
    CHECK(testing::DumpStream(path) == reference);
  }
  INFO("kills " << kills << ", completed runs " << completed);
  CHECK(kills >= 50);
}

}  // namespace
}  // namespace mineral::storage
