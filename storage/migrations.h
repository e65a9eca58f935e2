// The schema, as an ordered, append-only list of migration steps.
//
// Step i (0-based) takes a database at schema version i to version i + 1;
// the version is SQLite's PRAGMA user_version.  Never edit a released step:
// append a new one (and a test that migrates a database written by the
// previous version).
#pragma once

#include <span>

namespace mineral::storage {

// Steps run with foreign keys off, so that they may rebuild a table; the
// references are checked (PRAGMA foreign_key_check) before each commits.

// Every step's SQL (one or more statements), oldest first.
std::span<const char* const> MigrationSteps();

// The version a database has after every step: MigrationSteps().size().
int CurrentSchemaVersion();

}  // namespace mineral::storage
