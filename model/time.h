// Instants in UTC, to the second, and their RFC 3339 form.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace mineral {

// Every time the core stores is UTC with one-second resolution: feeds give no
// more, and comparing instants needs no zone.
using UtcTime = std::chrono::sys_seconds;

// "2003-12-31T10:14:55Z".
std::string FormatRfc3339(UtcTime t);

// The same text written to `out` without allocating (webhook payloads write
// two per alert); returns its length, 20 for years 0-9999.
inline constexpr size_t kRfc3339Capacity = 40;
size_t FormatRfc3339To(UtcTime t, char (&out)[kRfc3339Capacity]);

// Days since 1970-01-01 for a proleptic Gregorian civil date; no range check.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

}  // namespace mineral
