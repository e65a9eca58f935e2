// poll_bench: one polling cycle of the real Scheduler over a list of feed
// URLs (bench/run_poll_bench.sh serves them from a local nginx), with the
// validators kept between runs in a state file, the same way the floor
// (../shared/bench/floor/fetch_multi.c) keeps them.
//
//   poll_bench --urls FILE --state FILE [--conns N]
//
// Every 2xx body is parsed and normalized (that is part of polling); the
// record step only counts items, since storing them is ingest_bench's job.
// Prints one line of counts; the driver measures time, CPU and peak RSS from
// outside, as it does for the floor.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/scheduler.h"
#include "net/curl_http_client.h"

namespace {

using mineral::FeedState;
using mineral::Item;
using mineral::Status;
using mineral::daemon::FeedSettings;

struct CountingSink : mineral::daemon::FeedSink {
  size_t items = 0;
  Status RecordItems(const FeedSettings&, const FeedState&, const std::vector<Item>& got) override {
    items += got.size();
    return Status();
  }
  Status SaveState(const FeedState&) override { return Status(); }
};

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// url \t etag \t last_modified, one feed per line.
std::unordered_map<std::string, FeedState> ReadState(const std::string& path) {
  std::unordered_map<std::string, FeedState> states;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    FeedState s;
    std::getline(fields, s.url, '\t');
    std::getline(fields, s.etag, '\t');
    std::getline(fields, s.last_modified, '\t');
    states[s.url] = s;
  }
  return states;
}

int Usage() {
  std::cerr << "usage: poll_bench --urls FILE --state FILE [--conns N]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string urls_path, state_path;
  size_t conns = 64;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--urls" && i + 1 < argc) {
      urls_path = argv[++i];
    } else if (arg == "--state" && i + 1 < argc) {
      state_path = argv[++i];
    } else if (arg == "--conns" && i + 1 < argc) {
      conns = std::stoul(argv[++i]);
    } else {
      return Usage();
    }
  }
  if (urls_path.empty() || state_path.empty()) return Usage();

  const std::vector<std::string> urls = ReadLines(urls_path);
  auto stored = ReadState(state_path);
  std::vector<FeedSettings> feeds;
  std::vector<FeedState> states;
  feeds.reserve(urls.size());
  for (size_t i = 0; i < urls.size(); ++i) {
    FeedSettings f;
    f.spec.id = "f" + std::to_string(i);
    f.spec.url = urls[i];
    feeds.push_back(std::move(f));
    auto it = stored.find(urls[i]);
    if (it != stored.end()) {
      FeedState s = it->second;
      s.feed_id = feeds.back().spec.id;
      states.push_back(std::move(s));
    }
  }

  boost::asio::io_context io;
  mineral::net::ClientOptions client_options;
  client_options.max_total_connections = static_cast<long>(conns);
  client_options.max_host_connections = static_cast<long>(conns);
  client_options.max_cached_connections = static_cast<long>(conns);
  mineral::net::CurlHttpClient http(io, client_options);
  CountingSink sink;
  mineral::daemon::SchedulerOptions options;
  options.limits.max_in_flight = conns;
  options.limits.per_host.in_flight = conns;  // one host serves every feed here
  mineral::daemon::Scheduler scheduler(io, http, sink, options);
  scheduler.SetFeeds(std::move(feeds), states);

  size_t ok = 0, not_modified = 0, errors = 0;
  scheduler.OnPolled([&](const mineral::daemon::PollReport& r) {
    if (r.state.consecutive_failures != 0) {
      ++errors;
      if (errors <= 3) std::cerr << r.state.feed_id << ": " << r.state.last_error << "\n";
    } else if (r.state.last_status == 304) {
      ++not_modified;
    } else {
      ++ok;
    }
  });
  auto start = std::chrono::steady_clock::now();
  scheduler.PollOnce([] {});
  io.run();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::ofstream out(state_path, std::ios::trunc);
  for (const FeedState& s : scheduler.states())
    out << s.url << '\t' << s.etag << '\t' << s.last_modified << '\n';

  std::printf("polls=%zu 200=%zu 304=%zu errors=%zu items=%zu seconds=%.3f\n", urls.size(), ok,
              not_modified, errors, sink.items, seconds);
  return errors == 0 ? 0 : 1;
}
