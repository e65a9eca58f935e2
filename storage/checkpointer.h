// Checkpointer: copies the write-ahead log into the database file on a
// thread of its own, so that the connection that writes (the daemon's event
// loop, in RecordFetch and the delivery loop) never stops for a checkpoint
// and its fsyncs.  In synchronous=NORMAL a commit only appends to the log;
// the checkpoint is where the copying and the waiting for the disk happen
// (at a million items, about half of the ingest's wall-clock time when the
// writer did them itself; docs/storage.md).
//
// It owns a second connection to the same file, used only by its thread,
// and runs PASSIVE checkpoints: they copy what the log holds without
// waiting for, or blocking, the writer or any reader.  The writer restarts
// the log at its next transaction once a checkpoint has copied all of it,
// so the log stays bounded as with SQLite's own automatic checkpoints.
// Durability does not change: a crash at any point leaves a log that the
// next open replays.
//
// Used by Database, which attaches it to its connection and stops it before
// closing that connection.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "storage/database.h"  // CheckpointStats

struct sqlite3;

namespace mineral::storage {

class Checkpointer {
 public:
  // Checkpoints the database at `path` (through the SQLite VFS `vfs`, "" for
  // the default) whenever Nudge reports a log of at least `threshold_pages`.
  // The thread and its connection start with the first checkpoint.
  Checkpointer(std::string path, std::string vfs, int threshold_pages);
  // Finishes a checkpoint in progress, then stops the thread.
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Replaces SQLite's automatic checkpoints on `writer` (the connection
  // that writes the database; it must outlive this object's use of it):
  // after each of its commits, Nudge with the log's size; once the log
  // holds twice the threshold (this thread behind, failing, or never given
  // a pause in the writes to restart the log after), a PASSIVE checkpoint
  // on `writer` itself, as SQLite's own would do.
  void Attach(sqlite3* writer);

  // The log holds `wal_pages` frames after a commit; wakes the thread when
  // they reach the threshold.  Cheap: called after every commit.
  void Nudge(int wal_pages);

  CheckpointStats Stats() const;

 private:
  void Run();
  void RecordFailure(const std::string& error);
  void CountFailureLocked(const std::string& error);  // mu_ held
  static int OnCommit(void* self, sqlite3* writer, const char* schema, int wal_pages);

  const std::string path_;
  const std::string vfs_;
  const int threshold_pages_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool requested_ = false;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  CheckpointStats stats_;   // guarded by mu_
  std::thread thread_;      // started by the first Nudge that reaches the threshold
};

}  // namespace mineral::storage
