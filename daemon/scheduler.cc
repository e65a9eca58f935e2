#include "daemon/scheduler.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cctype>
#include <random>
#include <unordered_map>

#include "feeds/parser.h"

namespace mineral::daemon {
namespace {

using Clock = std::chrono::steady_clock;

UtcTime SystemNow() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::function<double()> DefaultRandom() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

// Items' publishing times for AdaptiveInterval: published, else updated.
std::vector<UtcTime> ItemTimes(const std::vector<Item>& items) {
  std::vector<UtcTime> times;
  times.reserve(items.size());
  for (const Item& item : items) {
    if (item.published) {
      times.push_back(*item.published);
    } else if (item.updated) {
      times.push_back(*item.updated);
    }
  }
  return times;
}

}  // namespace

std::chrono::seconds DelayUntilDue(const FeedState& state, UtcTime now) {
  if (!state.next_poll_at || *state.next_poll_at <= now) return std::chrono::seconds(0);
  // A last poll later than now: the wall clock went back since (while the
  // daemon was down, or before a reload).  Waiting until next_poll_at would
  // add the jump to the feed's interval; wait the interval from now instead.
  const UtcTime from = state.last_attempt && *state.last_attempt > now ? *state.last_attempt : now;
  return std::max(std::chrono::seconds(0), *state.next_poll_at - from);
}

std::string HostKey(const std::string& url) {
  // All local files share one line; everything else queues per authority.
  if (url.starts_with("file:")) return "";
  return net::UrlAuthority(url);
}

Scheduler::Scheduler(boost::asio::io_context& io, net::HttpClient& http, FeedSink& sink,
                     SchedulerOptions options)
    : io_(io),
      http_(http),
      sink_(sink),
      options_(std::move(options)),
      queue_(options_.limits),
      timer_(io),
      lag_timer_(io) {
  if (!options_.now) options_.now = SystemNow;
  if (!options_.random) options_.random = DefaultRandom();
}

Scheduler::~Scheduler() {
  *alive_ = false;
  timer_.cancel();
  lag_timer_.cancel();
}

void Scheduler::SetFeeds(std::vector<FeedSettings> feeds, const std::vector<FeedState>& states) {
  std::unordered_map<std::string, const FeedState*> stored;
  for (const FeedState& state : states) stored[state.feed_id] = &state;
  // What is known now (a reload): the live state beats the stored one.
  std::unordered_map<std::string, std::pair<FeedSettings, FeedState>> live;
  std::unordered_map<std::string, std::string> old_hosts;
  for (size_t i = 0; i < feeds_.size(); ++i) {
    std::string id = feeds_[i].spec.id;
    old_hosts[id] = hosts_[i];
    live.emplace(std::move(id), std::make_pair(std::move(feeds_[i]), std::move(states_[i])));
  }

  feeds_ = std::move(feeds);
  states_.clear();
  hosts_.clear();
  index_by_id_.clear();
  for (size_t i = 0; i < feeds_.size(); ++i) {
    const FeedSettings& feed = feeds_[i];
    FeedState state;
    state.feed_id = feed.spec.id;
    if (auto it = live.find(feed.spec.id); it != live.end()) {
      state = it->second.second;
      if (it->second.first.spec.url != feed.spec.url) {
        // A new URL is a new feed to the server: no validators, no redirect.
        state.url.clear();
        state.etag.clear();
        state.last_modified.clear();
        state.next_poll_at.reset();
      }
    } else if (auto s = stored.find(feed.spec.id); s != stored.end()) {
      state = *s->second;
    }
    if (state.url.empty()) state.url = feed.spec.url;
    hosts_.push_back(HostKey(state.url));
    states_.push_back(std::move(state));
    index_by_id_[feed.spec.id] = i;
  }

  if (!running_) return;
  // Rebuild the queue over the new indices.  Polls in flight keep their
  // host slots; their results find their feed by id when they arrive.
  // The loop-pressure cap carries over to the new queue.
  const size_t cap = queue_.max_in_flight();
  queue_ = PollQueue(options_.limits);
  queue_.SetInFlightCap(cap);
  const UtcTime now = options_.now();
  const Clock::time_point steady_now = Clock::now();
  for (size_t i = 0; i < feeds_.size(); ++i) {
    if (in_flight_.contains(feeds_[i].spec.id)) {
      queue_.MarkRunning(i, hosts_[i]);
    } else {
      Schedule(i, now, steady_now);
    }
  }
  // Removed feeds still in flight hold their host slot until they land,
  // under indices no feed has.
  orphans_.clear();
  size_t orphan_index = std::numeric_limits<size_t>::max();
  for (const std::string& id : in_flight_) {
    if (index_by_id_.contains(id)) continue;
    orphans_[id] = orphan_index;
    queue_.MarkRunning(orphan_index--, old_hosts[id]);
  }
  timer_.cancel();
  Wake();
}

void Scheduler::Schedule(size_t index, UtcTime now, Clock::time_point steady_now) {
  queue_.Schedule(index, hosts_[index], steady_now + DelayUntilDue(states_[index], now));
}

void Scheduler::Run() {
  once_ = false;
  stopped_ = false;
  running_ = true;
  const UtcTime now = options_.now();
  const Clock::time_point steady_now = Clock::now();
  for (size_t i = 0; i < feeds_.size(); ++i) Schedule(i, now, steady_now);
  Wake();
  ArmLagSampler();
}

void Scheduler::ArmLagSampler() {
  const auto every = options_.pressure.sample_every;
  const Clock::time_point expected = Clock::now() + every;
  lag_timer_.expires_at(expected);
  lag_timer_.async_wait(
      [this, expected, alive = std::weak_ptr<bool>(alive_)](boost::system::error_code ec) {
        if (ec || alive.expired() || !running_) return;
        // How long the timer's handler waited behind others: the wait any
        // handler queued now can expect.
        loop_lag_ = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - expected);
        const size_t configured = options_.limits.max_in_flight;
        const size_t before = queue_.max_in_flight();
        const size_t limit = NextPollLimit(before, configured, loop_lag_, options_.pressure);
        queue_.SetInFlightCap(limit);
        if (limit > before) {
          timer_.cancel();
          Wake();
        }
        ArmLagSampler();
      });
}

void Scheduler::PollOnce(std::function<void()> done) {
  once_ = true;
  stopped_ = false;
  once_done_ = std::move(done);
  once_left_ = feeds_.size();
  const Clock::time_point steady_now = Clock::now();
  for (size_t i = 0; i < feeds_.size(); ++i) queue_.Schedule(i, hosts_[i], steady_now);
  if (once_left_ == 0) {
    boost::asio::post(io_, [done = std::move(once_done_)] { done(); });
    return;
  }
  Wake();
}

void Scheduler::Stop() {
  stopped_ = true;
  running_ = false;
  timer_.cancel();
  lag_timer_.cancel();
  http_.CancelAll();
}

void Scheduler::Wake() {
  if (stopped_) return;
  for (size_t index : queue_.TakeDue(Clock::now())) StartPoll(index);
  ArmTimer();
}

void Scheduler::ArmTimer() {
  auto wake = queue_.NextWakeup(Clock::now());
  if (!wake) return;  // nothing queued, or all waiting on polls in flight
  timer_.expires_at(*wake);
  timer_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](boost::system::error_code ec) {
    if (ec || alive.expired()) return;
    Wake();
  });
}

void Scheduler::StartPoll(size_t index) {
  net::HttpRequest request = BuildRequest(feeds_[index], states_[index]);
  in_flight_.insert(feeds_[index].spec.id);
  http_.Fetch(std::move(request),
              [this, id = feeds_[index].spec.id,
               alive = std::weak_ptr<bool>(alive_)](net::HttpResponse response) {
                if (alive.expired()) return;
                OnResponse(id, std::move(response));
              });
}

void Scheduler::OnResponse(const std::string& feed_id, net::HttpResponse response) {
  in_flight_.erase(feed_id);
  auto found = index_by_id_.find(feed_id);
  if (found == index_by_id_.end()) {
    // Removed by a reload while in flight: free its slot, drop the result.
    if (auto orphan = orphans_.find(feed_id); orphan != orphans_.end()) {
      queue_.Finished(orphan->second);
      orphans_.erase(orphan);
    }
    Wake();
    return;
  }
  const size_t index = found->second;
  queue_.Finished(index);
  if (response.error == net::FetchError::kCancelled) return;  // Stop(): state unchanged

  const FeedSettings& feed = feeds_[index];
  const FeedState before = states_[index];
  const UtcTime now = options_.now();
  const double unit = options_.random();

  PollReport report;
  report.feed = &feed;
  report.elapsed = response.elapsed;

  std::vector<Item> items;
  ParseSummary summary;
  const bool has_body = response.ok() && response.status >= 200 && response.status < 300;
  if (has_body) {
    feeds::ParseOptions parse;
    parse.format = feed.format;
    parse.mapping = feed.mapping.get();
    parse.fetch_url = response.final_url;
    parse.content_type = std::string(response.Header("content-type"));
    parse.source_feed = feed.spec.id;
    parse.max_document_bytes = feed.request_defaults.max_body_bytes;
    Result<feeds::ParsedFeed> parsed = feeds::Parse(response.body, parse);
    if (parsed.ok()) {
      items = std::move(parsed->items);
      summary.ttl_minutes = parsed->feed.ttl_minutes;
      summary.item_times = ItemTimes(items);
      report.warning = parsed->error;
    } else {
      summary.status = parsed.status();
    }
  }

  FeedState state =
      NextFeedState(before, response, has_body ? &summary : nullptr, now, unit, feed.policy);
  report.error_kind = PollErrorKind(response, has_body ? &summary : nullptr);
  const bool got_feed = has_body && summary.status.ok();
  report.record = got_feed ? sink_.RecordItems(feed, state, items) : sink_.SaveState(state);
  if (!report.record.ok()) {
    // Nothing was stored: keep the old validators (the next poll must fetch
    // the whole document again) and retry like any other failure.
    FeedState failed = before;
    failed.polls = state.polls;
    failed.last_attempt = now;
    failed.last_status = state.last_status;
    failed.consecutive_failures = before.consecutive_failures + 1;
    failed.last_error = "store: " + report.record.message();
    report.error_kind = "store";
    failed.next_poll_at =
        now +
        feeds::Jitter(feeds::Backoff(failed.consecutive_failures, feed.policy), unit, feed.policy);
    state = std::move(failed);
    (void)sink_.SaveState(state);  // best effort: the store just failed
  }
  states_[index] = state;
  hosts_[index] = HostKey(state.url);
  report.items = items.size();
  report.state = state;
  if (on_polled_) on_polled_(report);

  if (once_) {
    if (--once_left_ == 0 && once_done_) {
      auto done = std::move(once_done_);
      once_done_ = nullptr;
      done();
      return;
    }
  } else if (running_) {
    Schedule(index, now, Clock::now());
  }
  Wake();
}

}  // namespace mineral::daemon
