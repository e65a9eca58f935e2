// delivery_bench: N alerts through the real delivery path to a local webhook
// sink, beside a floor measured in the same run against the same sink.
//
//   delivery_bench [--alerts N] [--conns C] [--dir DIR] [--paced-rate R]
//                  [--only backlog|floor]
//
// ours     the real pieces: storage::Database (SQLite, WAL) records the
//          alerts in polls of 100 (RecordFetch, one transaction each, one
//          outbox row per alert) on the same io_context as the DeliveryLoop,
//          which claims, renders the v1 payload, signs it (Standard
//          Webhooks), POSTs it through CurlHttpClient with C connections,
//          and marks each row delivered with its attempt logged.  The
//          producer and the loop interleave, as polls and deliveries do in
//          the daemon: latency is commit -> receipt under full load.
// paced    the same with alerts committed at R/s in polls of 10 (a busy
//          day, not a flood): commit -> receipt when nothing queues.
// floor    bare libcurl (multi interface, C connections, keep-alive) POSTing
//          the very bodies the sink received from `ours`, nothing else:
//          POST start -> receipt.
// cpu      the CPU time (user + system) of the thread that sends, backlog
//          and floor, per 1000 alerts: steadier than alerts/s when other
//          processes share the cores; and that time over the phase's wall
//          time ("busy"): below ~90 % on a quiet machine the thread waits,
//          on the sink or for a core.
//
// --only backlog runs that phase alone, and --only floor the backlog (for
// its bodies) then the floor, each printing its line and CPU: for perf
// record and strace -c (the floor's share is the difference).
//
// The sink is testkit::HttpTestServer (its own thread), answering 204 and
// stamping each receipt; it is the same server for every phase.
#include <curl/curl.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/delivery_loop.h"
#include "net/curl_http_client.h"
#include "notify/http_receiver.h"
#include "notify/webhook/payload.h"
#include "storage/database.h"
#include "tests/testkit/http_test_server.h"

namespace {

using namespace mineral;
using Clock = std::chrono::steady_clock;
using testkit::TestReply;
using testkit::TestRequest;

// Receipts by alert number (parsed from the item link in the body).
struct Sink {
  std::mutex mutex;
  std::vector<Clock::time_point> received;
  std::vector<std::string> bodies;
  std::atomic<int> count{0};
  int duplicates = 0;

  void Reset(size_t n) {
    std::lock_guard lock(mutex);
    received.assign(n, Clock::time_point{});
    bodies.assign(n, "");
    count = 0;
    duplicates = 0;
  }

  void Receive(const TestRequest& r) {
    auto now = Clock::now();
    size_t at = r.body.find("https://bench.example/");
    if (at == std::string::npos) return;
    size_t n = std::strtoul(r.body.c_str() + at + 22, nullptr, 10);
    std::lock_guard lock(mutex);
    if (n >= received.size()) return;
    if (received[n] != Clock::time_point{}) {
      ++duplicates;
      return;
    }
    received[n] = now;
    bodies[n] = r.body;
    ++count;
  }
};

// CPU time of the calling thread (the loop's, or the floor's), user and
// system: unlike wall time, it barely moves when other processes share the
// cores, so its ratio is the steadier comparison on a busy machine.
double ThreadCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Figures {
  double cpu_seconds = 0;  // of the loop's (or the floor's) thread
  double seconds = 0;
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double record_seconds = 0;  // in RecordFetch (ours)
};

Figures Summarize(const std::vector<Clock::time_point>& start,
                  const std::vector<Clock::time_point>& end) {
  std::vector<double> latencies;
  Clock::time_point first = Clock::time_point::max();
  Clock::time_point last{};
  for (size_t i = 0; i < start.size(); ++i) {
    latencies.push_back(std::chrono::duration<double, std::milli>(end[i] - start[i]).count());
    first = std::min(first, start[i]);
    last = std::max(last, end[i]);
  }
  std::sort(latencies.begin(), latencies.end());
  Figures f;
  f.seconds = std::chrono::duration<double>(last - first).count();
  f.per_second = static_cast<double>(start.size()) / f.seconds;
  f.p50_ms = latencies[latencies.size() / 2];
  f.p99_ms = latencies[latencies.size() * 99 / 100];
  return f;
}

// `count` pseudo-random words, deterministic per seed: every alert is its own
// story (the store joins near-identical titles into one alert).
std::string Words(uint64_t seed, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    uint64_t w = seed >> 33;
    if (!out.empty()) out += ' ';
    for (int c = 0; c < 7; ++c) {
      out += static_cast<char>('a' + w % 26);
      w /= 26;
    }
  }
  return out;
}

std::vector<Item> Items(int from, int count) {
  std::vector<Item> items;
  for (int i = from; i < from + count; ++i) {
    Item item;
    item.key = "bench-" + std::to_string(i);
    // No shared words: the story lookup (MinHash bands of the title) finds
    // no candidates, as for unrelated news.
    item.title = Words(static_cast<uint64_t>(i), 9);
    item.link = "https://bench.example/" + std::to_string(i);
    item.origin = "Reuters";
    item.published = UtcTime(std::chrono::seconds(1'764'158'400 + i));
    item.summary_text = Words(static_cast<uint64_t>(i) + 1'000'000, 24) + ".";
    items.push_back(std::move(item));
  }
  return items;
}

std::vector<AlertCandidate> Match(const Item&) {
  AlertCandidate c;
  c.rule_id = "china-gallium-export-controls";
  c.severity = "critical";
  c.labels = {"export-controls", "cn"};
  c.receivers = {"hook"};
  c.evidence = {{"mineral:gallium", "title", 0, 7}, {"export licence", "title", 8, 7}};
  return {c};
}

// One run of the real path: alerts [0, n) committed in polls of `per_poll`,
// `gap` apart (0: as fast as the loop allows), delivered to `url`.
// `backlog`: every alert is committed before the loop starts, and the
// figures are the loop's alone (time from its start to the last receipt).
Figures RunOurs(const std::string& dir, const std::string& url, Sink& sink, int n, int per_poll,
                std::chrono::microseconds gap, int conns, bool backlog = false) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto opened = storage::Database::Open(dir + "/bench.db", {});
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    std::exit(1);
  }
  auto db = std::move(opened).value();
  FeedSpec spec;
  spec.id = "wire";
  spec.url = "https://bench.example/feed";
  spec.alert_backlog = true;
  (void)db->SyncFeeds({spec});

  sink.Reset(static_cast<size_t>(n));
  boost::asio::io_context io;
  net::ClientOptions client_options;
  client_options.max_host_connections = conns;
  client_options.max_total_connections = conns;
  net::CurlHttpClient http(io, client_options);
  daemon::DeliveryLoop loop(io, *db);
  notify::HttpReceiverOptions o;
  o.id = "hook";
  o.url = url;
  o.signing_keys = {"bench-secret"};
  daemon::ReceiverSettings settings;
  settings.concurrency = conns;
  loop.AddReceiver(std::make_unique<notify::HttpReceiver>(http, notify::webhook::RenderPayload, o),
                   settings);
  if (!backlog) loop.Start();

  std::vector<Clock::time_point> committed(static_cast<size_t>(n));
  boost::asio::steady_timer timer(io);
  int next = 0;
  double record_seconds = 0;
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  std::function<void()> produce = [&] {
    if (next >= n) return;
    int count = std::min(per_poll, n - next);
    FeedState state;
    state.feed_id = "wire";
    auto record_start = Clock::now();
    auto recorded = db->RecordFetch(state, Items(next, count), now, Match);
    record_seconds += std::chrono::duration<double>(Clock::now() - record_start).count();
    if (!recorded.ok() || recorded->outbox_rows != count) {
      std::fprintf(stderr, "record failed: %s\n", recorded.status().ToString().c_str());
      std::exit(1);
    }
    auto t = Clock::now();
    for (int i = next; i < next + count; ++i) committed[static_cast<size_t>(i)] = t;
    next += count;
    loop.Wake();
    if (gap.count() == 0) {
      boost::asio::post(io, produce);
    } else {
      timer.expires_after(gap);
      timer.async_wait([&](const boost::system::error_code&) { produce(); });
    }
  };
  boost::asio::post(io, produce);
  double cpu_start = ThreadCpuSeconds();
  if (backlog) {
    while (next < n) io.run_one();
    auto start = Clock::now();
    std::fill(committed.begin(), committed.end(), start);
    cpu_start = ThreadCpuSeconds();
    loop.Start();
  }
  while (sink.count < n) io.run_for(std::chrono::milliseconds(5));
  double cpu_seconds = ThreadCpuSeconds() - cpu_start;
  bool drained = false;
  loop.Stop([&] { drained = true; });
  while (!drained) io.run_for(std::chrono::milliseconds(5));
  std::lock_guard lock(sink.mutex);
  Figures f = Summarize(committed, sink.received);
  f.record_seconds = record_seconds;
  f.cpu_seconds = cpu_seconds;
  return f;
}

// The floor: bare libcurl multi, `conns` transfers at once over kept-alive
// connections, POSTing `bodies` with the same Content-Type.
Figures RunFloor(const std::string& url, Sink& sink, const std::vector<std::string>& bodies,
                 int conns) {
  sink.Reset(bodies.size());
  std::vector<Clock::time_point> started(bodies.size());
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(conns));
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");  // as CurlHttpClient: no 1 s wait for a 100
  std::vector<CURL*> free_handles;
  for (int i = 0; i < conns; ++i) free_handles.push_back(curl_easy_init());
  auto discard = +[](char*, size_t size, size_t count, void*) { return size * count; };
  size_t next = 0;
  size_t done = 0;
  const double cpu_start = ThreadCpuSeconds();
  while (done < bodies.size()) {
    while (!free_handles.empty() && next < bodies.size()) {
      CURL* easy = free_handles.back();
      free_handles.pop_back();
      curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
      curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, bodies[next].data());
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(bodies[next].size()));
      curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
      curl_easy_setopt(easy, CURLOPT_PRIVATE, reinterpret_cast<void*>(next));
      started[next] = Clock::now();
      curl_multi_add_handle(multi, easy);
      ++next;
    }
    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      curl_multi_remove_handle(multi, msg->easy_handle);
      free_handles.push_back(msg->easy_handle);
      ++done;
    }
    // Freed handles start at once; wait only when every handle is busy.
    bool can_start = !free_handles.empty() && next < bodies.size();
    if (done < bodies.size() && !can_start) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  const double cpu_seconds = ThreadCpuSeconds() - cpu_start;
  for (CURL* easy : free_handles) curl_easy_cleanup(easy);
  curl_slist_free_all(headers);
  curl_multi_cleanup(multi);
  std::lock_guard lock(sink.mutex);
  Figures f = Summarize(started, sink.received);
  f.cpu_seconds = cpu_seconds;
  return f;
}

void Print(const char* name, const Figures& f) {
  std::printf("%-7s %8.0f alerts/s  %7.2f s   p50 %8.1f ms   p99 %8.1f ms\n", name, f.per_second,
              f.seconds, f.p50_ms, f.p99_ms);
}

}  // namespace

int main(int argc, char** argv) {
  int n = 10'000;
  int conns = 16;
  int paced_rate = 200;
  std::string only;
  std::string dir = (std::filesystem::temp_directory_path() / "mineral-delivery-bench").string();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--alerts" && i + 1 < argc) {
      n = std::atoi(argv[++i]);
    } else if (a == "--conns" && i + 1 < argc) {
      conns = std::atoi(argv[++i]);
    } else if (a == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (a == "--paced-rate" && i + 1 < argc) {
      paced_rate = std::atoi(argv[++i]);
    } else if (a == "--only" && i + 1 < argc &&
               (argv[i + 1] == std::string("backlog") || argv[i + 1] == std::string("floor"))) {
      only = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: delivery_bench [--alerts N] [--conns C] [--dir DIR] "
                   "[--paced-rate R] [--only backlog|floor]\n");
      return 2;
    }
  }
  Sink sink;
  testkit::HttpTestServer server;
  server.Route("/hook", [&sink](const TestRequest& r) {
    sink.Receive(r);
    TestReply reply;
    reply.status = 204;
    return reply;
  });
  const std::string url = server.Url("/hook");
  std::printf("delivery_bench: %d alerts, %d connections, sink %s\n", n, conns, url.c_str());

  Figures backlog = RunOurs(dir, url, sink, n, 100, std::chrono::microseconds(0), conns, true);
  auto print_cpu = [n](const char* name, const Figures& f) {
    std::printf("%-7s %8.0f alerts/s  %7.2f s   cpu %.0f ms per 1000 alerts, busy %.0f %%\n", name,
                f.per_second, f.seconds, 1e6 * f.cpu_seconds / n, 100 * f.cpu_seconds / f.seconds);
  };
  if (!only.empty()) {
    print_cpu("backlog", backlog);
    if (only == "floor") {
      std::vector<std::string> bodies;
      {
        std::lock_guard lock(sink.mutex);
        bodies = sink.bodies;
      }
      print_cpu("floor", RunFloor(url, sink, bodies, conns));
    }
    std::filesystem::remove_all(dir);
    return 0;
  }
  Figures ours = RunOurs(dir, url, sink, n, 100, std::chrono::microseconds(0), conns);
  int duplicates = sink.duplicates;
  std::vector<std::string> bodies;
  {
    std::lock_guard lock(sink.mutex);
    bodies = sink.bodies;
  }
  size_t bytes = 0;
  for (const std::string& b : bodies) bytes += b.size();
  Figures floor = RunFloor(url, sink, bodies, conns);
  int paced_n = std::min(n, paced_rate * 10);  // ten seconds of it
  Figures paced = RunOurs(dir, url, sink, paced_n, 10,
                          std::chrono::microseconds(10'000'000 / paced_rate), conns);
  std::filesystem::remove_all(dir);

  std::printf("body    %zu bytes on average (signed v1 payload)\n", bytes / bodies.size());
  std::printf("%-7s %8.0f alerts/s  %7.2f s   (all committed first: the loop alone)\n", "backlog",
              backlog.per_second, backlog.seconds);
  Print("flood", ours);
  std::printf("        (of which %.2f s recording the alerts: RecordFetch in polls of 100)\n",
              ours.record_seconds);
  Print("floor", floor);
  std::printf(
      "ratio   %.2f (backlog) and %.2f (flood, recording included) of the floor's "
      "throughput\n",
      backlog.per_second / floor.per_second, ours.per_second / floor.per_second);
  std::printf(
      "paced   %d alerts at %d/s in polls of 10: p50 %.1f ms, p99 %.1f ms commit->receipt\n",
      paced_n, paced_rate, paced.p50_ms, paced.p99_ms);
  std::printf(
      "cpu     %.0f ms (backlog) and %.0f ms (floor) on the sending thread per 1000 alerts: "
      "the floor's is %.2f of ours\n",
      1e6 * backlog.cpu_seconds / n, 1e6 * floor.cpu_seconds / n,
      floor.cpu_seconds / backlog.cpu_seconds);
  std::printf(
      "busy    the sending thread on a core %.0f %% (backlog) and %.0f %% (floor) of the time\n",
      100 * backlog.cpu_seconds / backlog.seconds, 100 * floor.cpu_seconds / floor.seconds);
  std::printf("duplicates received: %d\n", duplicates);
  return 0;
}
