#include "storage/checkpointer.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>
#include <time.h>

#include <exception>
#include <memory>
#include <string>

namespace mineral::storage {
namespace {

// The writer checkpoints itself once the log holds this many times the
// threshold.
constexpr int kWriterSteps = 2;

// For opening the log beside a writer (a PASSIVE checkpoint never waits).
constexpr int kBusyTimeoutMs = 1000;

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

Checkpointer::Checkpointer(std::string path, std::string vfs, int threshold_pages)
    : path_(std::move(path)), vfs_(std::move(vfs)), threshold_pages_(threshold_pages) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Checkpointer::Attach(sqlite3* writer) { sqlite3_wal_hook(writer, &OnCommit, this); }

int Checkpointer::OnCommit(void* self, sqlite3* writer, const char* schema, int wal_pages) {
  auto* checkpointer = static_cast<Checkpointer*>(self);
  if (wal_pages < kWriterSteps * checkpointer->threshold_pages_) {
    // Nothing may be thrown through SQLite's C frames: should the thread
    // not start (std::system_error), the log grows until the writer's own
    // checkpoint below.
    try {
      checkpointer->Nudge(wal_pages);
    } catch (const std::exception& e) {
      try {
        checkpointer->RecordFailure(e.what());
      } catch (...) {  // the mutex itself failed: only the count is lost
      }
    }
    return SQLITE_OK;
  }
  // The log only restarts at a write transaction that begins after a
  // checkpoint copied all of it, which a writer that never pauses may not
  // give the thread.  The thread is not woken again here, so that once its
  // checkpoint ends (until then this one is refused: busy) this one copies
  // the few frames left and the next transaction restarts the log.
  sqlite3_wal_checkpoint_v2(writer, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  return SQLITE_OK;
}

void Checkpointer::Nudge(int wal_pages) {
  if (wal_pages < threshold_pages_) return;
  {
    std::lock_guard lock(mu_);
    requested_ = true;
    if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  }
  wake_.notify_one();
}

void Checkpointer::RecordFailure(const std::string& error) {
  std::lock_guard lock(mu_);
  CountFailureLocked(error);
}

void Checkpointer::CountFailureLocked(const std::string& error) {
  ++stats_.failures;
  stats_.last_error = error;
}

CheckpointStats Checkpointer::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void Checkpointer::Run() {
  std::unique_ptr<SQLite::Database> db;
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return requested_ || stopping_; });
    if (stopping_) return;
    requested_ = false;
    lock.unlock();

    const double cpu_start = ThreadCpuSeconds();
    int rc = SQLITE_OK;
    std::string error;
    try {
      // Opened here, not in the constructor: the connection belongs to this
      // thread (multi-thread mode, no per-call mutex), and a database that
      // never grows a large log never needs it.
      if (!db) {
        db = std::make_unique<SQLite::Database>(
            path_, SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX, kBusyTimeoutMs, vfs_);
        // A connection opens the log when it first reads; until then a
        // checkpoint finds no log and does nothing.
        db->exec("SELECT 1 FROM sqlite_schema LIMIT 1");
      }
      int log_frames = 0;
      rc = sqlite3_wal_checkpoint_v2(db->getHandle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                     &log_frames, nullptr);
      // SQLITE_BUSY: another checkpoint (the writer's own) holds the lock
      // and does the work, so this one neither did it nor failed.
      if (rc == SQLITE_OK && log_frames < 0) {
        rc = SQLITE_ERROR;
        error = "the database is not in WAL mode";
      }
      if (rc != SQLITE_OK && rc != SQLITE_BUSY && error.empty()) {
        error = sqlite3_errmsg(db->getHandle());
      }
    } catch (const std::exception& e) {
      rc = SQLITE_ERROR;
      error = e.what();
      db.reset();  // open again at the next request
    }
    const double cpu = ThreadCpuSeconds() - cpu_start;

    lock.lock();
    stats_.cpu_seconds += cpu;
    if (rc == SQLITE_BUSY) {
      ++stats_.busy;
    } else if (rc == SQLITE_OK) {
      ++stats_.checkpoints;
    } else {
      // The writer checkpoints on its own when the log keeps growing
      // (OnCommit), so a failure here delays, never loses.
      CountFailureLocked(error);
    }
  }
}

}  // namespace mineral::storage
