// Helpers shared by storage's tests (not part of the library).
#pragma once

#include <string>
#include <vector>

namespace mineral::storage::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Checks a database written by the stream of storage/storage_testing.h
// against what the stream says must be there after the rounds each feed
// has recorded: every item of those rounds present with its latest content
// and its matches; every match of a non-baseline item alerted or joined to
// an alert of its rule; every alert with its source and one outbox row per
// receiver; nothing in flight.  Returns one line per violation (none: OK).
std::vector<std::string> CheckStreamInvariants(const std::string& db_path);

// The stream's stored facts that do not depend on timing (items, matches,
// alerts with their sources, outbox keys; not delivery states), one sorted
// line each: two databases that recorded the same rounds dump the same.
std::string DumpStream(const std::string& db_path);

}  // namespace mineral::storage::testing
