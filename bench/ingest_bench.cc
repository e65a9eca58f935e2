// ingest_bench [--items N] [--per-poll K] [--feeds F] [--dir DIR] [--cache-mib M]
//              [--checkpoint-pages P] [--keep]
//
// N generated items (default 1,000,000) through storage::Database::RecordFetch
// in polls of K items (default 100) spread over F feeds (default 1,000):
// dedupe by key, a cheap matcher firing on ~1% of items, alerts with
// clustering, two outbox rows per alert, feed state; one transaction per poll
// into a file database.  Printed beside a floor measured in the same run:
// the same rows inserted with a bare INSERT in one transaction into a table
// of the same columns (no unique index, no matching, no outbox).  The two
// take turns, 200 polls at a time (RecordFetch, then the floor's INSERTs of
// the same items), so that a slower or busier stretch of a shared machine
// weighs on both sides of the ratio alike.
//
// Also prints the stored size per item and the time of one incremental poll
// (K items, 90% already known) once the database holds all N items.
//
// Checkpoints run on the storage library's own thread; their CPU time is
// added to RecordFetch's in the CPU line, and the wall clock of RecordFetch
// no longer waits for them.
//
// --checkpoint-pages 0 turns automatic checkpoints off, so that the WAL
// keeps every frame written: the bench then also prints the WAL pages
// written per poll (use a smaller --items: the log grows ~165 MB per 100,000).
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/resource.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "allocator/allocator.h"
#include "storage/database.h"

namespace {

using Clock = std::chrono::steady_clock;
using mineral::Item;
using mineral::UtcTime;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// CPU time of this thread (user + system, which includes copying pages into
// the OS cache), in seconds: on a shared machine, less noisy than the wall
// clock, which also counts the time other processes held the cores.
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// User and system CPU time of this thread, in seconds: system time is mostly
// the WAL's and the checkpoints' write and read calls.
struct CpuSplit {
  double user = 0;
  double sys = 0;
};

CpuSplit ThreadCpu() {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  auto secs = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6;
  };
  return {secs(ru.ru_utime), secs(ru.ru_stime)};
}

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Word `w` of a 5,000-word vocabulary; word 0 is the one the matcher wants.
std::string Word(uint64_t w) { return w == 0 ? "gallium" : "w" + std::to_string(w); }

std::string Words(uint64_t seed, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    seed = Mix(seed);
    if (i) out += ' ';
    // ~1% of titles (8 words) contain word 0.
    out += Word(seed % 800 == 0 ? 0 : 1 + seed % 4999);
  }
  return out;
}

// Item number `n`: ~70-byte title, ~300-byte summary, like a news feed entry.
Item MakeItem(uint64_t n, int feed) {
  Item item;
  item.key = "https://news.example/" + std::to_string(feed) + "/story-" + std::to_string(n);
  item.guid = item.key;
  item.link = item.key;
  item.title = Words(n * 2 + 1, 8);
  item.summary_text = Words(n * 2 + 2, 45);
  item.published = UtcTime{std::chrono::seconds{1'700'000'000 + static_cast<int64_t>(n)}};
  item.language = "en";
  item.categories = {"metals"};
  return item;
}

// Clock step between polls: 432 s makes the default 10,000 polls 50 days,
// i.e. 20,000 new items a day, so the 3-day clustering window holds what it
// would in service (about 6% of the alerts) rather than all of them.
constexpr int64_t kSecondsPerPoll = 432;

// RecordFetch and the floor take turns, this many polls at a time (about a
// tenth to a half of a second of RecordFetch).
constexpr int kPollsPerChunk = 200;

std::vector<mineral::AlertCandidate> CheapMatcher(const Item& item) {
  const size_t at = item.title.find("gallium");
  if (at == std::string::npos) return {};
  mineral::AlertCandidate c;
  c.rule_id = "gallium";
  c.severity = "warning";
  c.receivers = {"hook", "mail"};
  c.evidence = {{"gallium", "title", at, 7}};
  return {c};
}

uint64_t FileBytes(const std::string& path) {
  uint64_t total = 0;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path + suffix, ec);
    if (!ec) total += size;
  }
  return total;
}

// Wall-clock and CPU time summed over the calls it times.
struct Stopwatch {
  Clock::duration time{};
  double cpu = 0;

  template <typename F>
  decltype(auto) Time(F&& f) {
    const Clock::time_point start = Clock::now();
    const double cpu_start = CpuSeconds();
    struct Stop {  // also when `f` returns a value
      Stopwatch& w;
      Clock::time_point start;
      double cpu_start;
      ~Stop() {
        w.cpu += CpuSeconds() - cpu_start;
        w.time += Clock::now() - start;
      }
    } stop{*this, start, cpu_start};
    return f();
  }
};

// The floor: the same rows, a bare INSERT each, all in one transaction
// that stays open from the first poll to Commit().  Only the calls into
// SQLite are timed, as for RecordFetch.
class Floor {
 public:
  explicit Floor(const std::string& path)
      : db_(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE) {
    db_.exec("PRAGMA journal_mode=WAL");
    db_.exec("PRAGMA synchronous=NORMAL");
    db_.exec(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, feed INTEGER, key TEXT, content_hash "
        "INTEGER, first_seen INTEGER, last_seen INTEGER, guid TEXT, title TEXT, link TEXT, "
        "published INTEGER, updated INTEGER, summary_text TEXT, content_text TEXT, language "
        "TEXT, categories TEXT, authors TEXT, origin TEXT)");
    insert_.emplace(db_,
                    "INSERT INTO items (feed, key, content_hash, first_seen, last_seen, guid, "
                    "title, link, published, updated, summary_text, content_text, language, "
                    "categories, authors, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, "
                    "'', ?, ?, '', '')");
    clock.Time([&] { txn_.emplace(db_); });
  }

  void Insert(const std::vector<Item>& batch, int feed, int64_t poll) {
    clock.Time([&] {
      for (const Item& item : batch) {
        SQLite::Statement& insert = *insert_;
        insert.bind(1, feed);
        insert.bind(2, item.key);
        insert.bind(3, static_cast<int64_t>(item.key.size()));
        insert.bind(4, poll);
        insert.bind(5, poll);
        insert.bind(6, item.guid);
        insert.bind(7, item.title);
        insert.bind(8, item.link);
        insert.bind(9, item.published->time_since_epoch().count());
        insert.bind(10, item.summary_text);
        insert.bind(11, item.language);
        insert.bind(12, item.categories[0]);
        insert.exec();
        insert.reset();
      }
    });
  }

  void Commit() {
    clock.Time([&] { txn_->commit(); });
    insert_.reset();
  }

  Stopwatch clock;

 private:
  SQLite::Database db_;
  std::optional<SQLite::Statement> insert_;
  std::optional<SQLite::Transaction> txn_;
};

int Usage() {
  std::fprintf(stderr,
               "usage: ingest_bench [--items N] [--per-poll K] [--feeds F] [--dir DIR] "
               "[--cache-mib M] [--checkpoint-pages P] [--keep]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  namespace st = mineral::storage;
  uint64_t items = 1'000'000;
  int per_poll = 100;
  int feeds = 1000;
  std::string dir = std::filesystem::temp_directory_path().string();
  st::DatabaseOptions options;  // the storage library's defaults
  bool keep = false;            // leave the database files for inspection (dbstat, sqlite3)
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--keep") {
      keep = true;
      continue;
    }
    if (i + 1 >= argc) return Usage();
    const char* value = argv[++i];
    if (arg == "--items") {
      items = std::strtoull(value, nullptr, 10);
    } else if (arg == "--per-poll") {
      per_poll = std::atoi(value);
    } else if (arg == "--feeds") {
      feeds = std::atoi(value);
    } else if (arg == "--dir") {
      dir = value;
    } else if (arg == "--cache-mib") {
      options.cache_bytes = std::strtoll(value, nullptr, 10) << 20;
    } else if (arg == "--checkpoint-pages") {
      options.wal_autocheckpoint_pages = std::atoi(value);
    } else {
      return Usage();
    }
  }
  if (items == 0 || per_poll <= 0 || feeds <= 0 || options.cache_bytes <= 0 ||
      options.wal_autocheckpoint_pages < 0) {
    return Usage();
  }
  const std::string path = dir + "/ingest_bench.db";
  const std::string floor_path = dir + "/ingest_bench_floor.db";
  for (const std::string& p : {path, floor_path}) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p + suffix);
  }

  // --- RecordFetch --------------------------------------------------------
  auto opened = st::Database::Open(path, options);
  if (!opened.ok()) {
    std::fprintf(stderr, "ingest_bench: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  st::Database& db = **opened;
  std::vector<mineral::FeedSpec> specs;
  for (int f = 0; f < feeds; ++f) {
    mineral::FeedSpec spec;
    spec.id = "feed-" + std::to_string(f);
    spec.url = "https://news.example/" + std::to_string(f) + ".xml";
    spec.alert_backlog = true;  // every poll alerts, the baseline too
    specs.push_back(spec);
  }
  if (!db.SyncFeeds(specs).ok()) return 1;
  auto states = db.LoadFeedStates();
  if (!states.ok()) return 1;

  std::optional<Floor> floor(std::in_place, floor_path);
  Stopwatch record;
  // getrusage splits the thread's CPU time between user and system by
  // sampling at clock ticks, so the split is read around whole chunks of
  // polls (tenths of a second), not around each call.
  double record_sys = 0;
  st::RecordCounts total;
  uint64_t n = 0;
  int64_t poll = 0;
  struct Poll {
    int feed;
    int64_t number;
    std::vector<Item> items;
  };
  std::vector<Poll> chunk;
  while (n < items) {
    chunk.clear();
    for (int p = 0; p < kPollsPerChunk && n < items; ++p, ++poll) {
      Poll& next = chunk.emplace_back(Poll{static_cast<int>(poll % feeds), poll, {}});
      for (int k = 0; k < per_poll && n < items; ++k)
        next.items.push_back(MakeItem(n++, next.feed));
    }
    const CpuSplit chunk_start = ThreadCpu();
    for (const Poll& p : chunk) {
      mineral::FeedState& state = (*states)[static_cast<size_t>(p.feed)];
      state.polls++;
      const UtcTime now{std::chrono::seconds{1'700'000'000 + p.number * kSecondsPerPoll}};
      auto counts = record.Time([&] { return db.RecordFetch(state, p.items, now, CheapMatcher); });
      if (!counts.ok()) {
        std::fprintf(stderr, "ingest_bench: %s\n", counts.status().ToString().c_str());
        return 1;
      }
      total.new_items += counts->new_items;
      total.alerts += counts->alerts;
      total.clustered += counts->clustered;
      total.outbox_rows += counts->outbox_rows;
    }
    record_sys += ThreadCpu().sys - chunk_start.sys;
    for (const Poll& p : chunk) floor->Insert(p.items, p.feed, p.number);
  }
  // Checkpoints run on the storage's own thread (DatabaseOptions::
  // background_checkpoints): their CPU time is counted with RecordFetch's.
  const st::CheckpointStats checkpoints = db.CheckpointerStats();

  // Without automatic checkpoints the log holds every frame written so far.
  const int64_t record_polls = poll;
  std::error_code wal_missing;
  const uint64_t wal_bytes = std::filesystem::file_size(path + "-wal", wal_missing);
  constexpr uint64_t kWalHeader = 32, kWalFrame = 24 + 4096;  // 4 KiB pages
  const uint64_t wal_frames =
      wal_missing || wal_bytes < kWalHeader ? 0 : (wal_bytes - kWalHeader) / kWalFrame;

  // One incremental poll at this size: K items of one feed, 90% known.
  Clock::duration incremental{};
  constexpr int kIncrementalPolls = 20;
  for (int r = 0; r < kIncrementalPolls; ++r) {
    const int f = r;
    std::vector<Item> known;
    // The feed's last poll held items [first, first + per_poll).
    if (poll - 1 >= f) {
      const int64_t last_poll = (poll - 1) - ((poll - 1 - f) % feeds);
      const uint64_t first = static_cast<uint64_t>(last_poll) * static_cast<uint64_t>(per_poll);
      for (int k = per_poll / 10; k < per_poll && first + k < items; ++k) {
        known.push_back(MakeItem(first + k, f));
      }
    }
    for (int k = 0; k < per_poll / 10; ++k) known.push_back(MakeItem(items + r * per_poll + k, f));
    mineral::FeedState& state = (*states)[static_cast<size_t>(f)];
    state.polls++;
    const UtcTime now{std::chrono::seconds{1'700'000'000 + (poll + r) * kSecondsPerPoll}};
    const Clock::time_point start = Clock::now();
    auto counts = db.RecordFetch(state, known, now, CheapMatcher);
    incremental += Clock::now() - start;
    if (!counts.ok()) return 1;
  }
  opened.value().reset();
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  const uint64_t bytes = FileBytes(path);

  floor->Commit();
  const Clock::duration floor_time = floor->clock.time;
  const double floor_cpu = floor->clock.cpu;
  floor.reset();  // the last connection's close checkpoints and removes the WAL
  const uint64_t floor_bytes = FileBytes(floor_path);

  const double rate = static_cast<double>(items) / Seconds(record.time);
  const double floor_rate = static_cast<double>(items) / Seconds(floor_time);
  std::printf("allocator             %s\n", mineral::AllocatorName().c_str());
  std::printf("items                 %llu in %lld polls of %d over %d feeds\n",
              static_cast<unsigned long long>(items), static_cast<long long>(poll), per_poll,
              feeds);
  std::printf("recorded              %d new, %d alerts, %d clustered, %d outbox rows\n",
              total.new_items, total.alerts, total.clustered, total.outbox_rows);
  std::printf("RecordFetch           %.0f items/s (%.2f s)\n", rate, Seconds(record.time));
  std::printf("floor (bare INSERT)   %.0f items/s (%.2f s)\n", floor_rate, Seconds(floor_time));
  std::printf("ratio                 %.2fx the floor's time\n", floor_rate / rate);
  const double total_cpu = record.cpu + checkpoints.cpu_seconds;
  std::printf("CPU time              %.2f s, floor %.2f s: %.2fx\n", total_cpu, floor_cpu,
              total_cpu / floor_cpu);
  std::printf("RecordFetch CPU       %.2f s user, %.2f s system\n", record.cpu - record_sys,
              record_sys);
  std::printf("checkpoints           %lld on their own thread, %.2f s CPU%s%s\n",
              static_cast<long long>(checkpoints.checkpoints), checkpoints.cpu_seconds,
              checkpoints.failures ? ", failed: " : "", checkpoints.last_error.c_str());
  if (options.wal_autocheckpoint_pages == 0) {
    std::printf("WAL pages per poll    %.1f (%llu frames, no checkpoints)\n",
                static_cast<double>(wal_frames) / static_cast<double>(record_polls),
                static_cast<unsigned long long>(wal_frames));
  } else {
    // The file keeps the size of the largest log since the last truncation.
    std::printf("WAL file              %.1f MB at the end (checkpoints every %d pages)\n",
                wal_missing ? 0.0 : static_cast<double>(wal_bytes) / 1e6,
                options.wal_autocheckpoint_pages);
  }
  std::printf("bytes per item        %.0f (floor %.0f)\n",
              static_cast<double>(bytes) / static_cast<double>(items),
              static_cast<double>(floor_bytes) / static_cast<double>(items));
  std::printf("incremental poll      %.2f ms (%d items, %d new, at %llu items stored)\n",
              Seconds(incremental) * 1000 / kIncrementalPolls, per_poll, per_poll / 10,
              static_cast<unsigned long long>(items));
  if (keep) return 0;
  for (const std::string& p : {path, floor_path}) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p + suffix);
  }
  return 0;
}
