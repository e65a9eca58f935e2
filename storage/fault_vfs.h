// A SQLite VFS for fault injection in tests: it wraps the default VFS and
// counts I/O steps (xRead, xWrite, xTruncate, xSync, and shared-memory lock
// requests); once armed, the Nth step from then on fails as a full disk
// (writes), an I/O error (reads, syncs, truncates) or a busy lock.  Open a
// Database with DatabaseOptions::vfs = kFaultVfsName to use it.
// sqlite3_test_control's fault hooks exist only in test builds of SQLite.
//
// Not thread-safe: one test thread arms and disarms it.
#pragma once

namespace mineral::storage::testing {

inline constexpr const char* kFaultVfsName = "mineral-fault";

// Registers the VFS (not as the default) on first use.
void RegisterFaultVfs();

// Fails step number `n` (1-based) counted from this call; when `sticky`,
// every later step fails too (a disk that stays full).
void ArmFault(long n, bool sticky);

// Stops failing; returns whether an armed fault fired.
bool DisarmFault();

// Steps counted since the last ArmFault (armed or not).
long FaultSteps();

}  // namespace mineral::storage::testing
