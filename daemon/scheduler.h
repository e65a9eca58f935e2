// Scheduler: the daemon's pulse.  Polls every feed when it is due, on one
// io_context, through an HttpClient, within the politeness limits of a
// PollQueue; parses what comes back and hands it to the record step.
//
//   due (PollQueue) -> BuildRequest -> HttpClient::Fetch -> feeds::Parse
//     -> NextFeedState -> FeedSink::RecordItems (or SaveState) -> reschedule
//
// Nothing here blocks: a hung server holds one transfer until its deadline
// and delays only its own feed.  Due times are kept on the monotonic clock,
// so a wall-clock jump neither stalls polling nor fires everything at once;
// the stored next_poll_at (UTC) is converted once, when feeds are set.
//
// Thread-safety: not thread-safe; use it on the io_context's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "daemon/loop_pressure.h"
#include "daemon/poll_queue.h"
#include "daemon/poll_step.h"
#include "model/feed_state.h"
#include "model/item.h"
#include "model/status.h"
#include "net/http_client.h"

namespace mineral::daemon {

// The record step (storage plugs in here).  Called on the loop's thread.
class FeedSink {
 public:
  virtual ~FeedSink() = default;
  // A poll that returned a feed: store its items and `state` together (one
  // transaction).  A failure means nothing was stored; the scheduler then
  // keeps the feed's old validators, so the next poll fetches it again.
  virtual Status RecordItems(const FeedSettings& feed, const FeedState& state,
                             const std::vector<Item>& items) = 0;
  // Any other poll (304, error): store `state` only.
  virtual Status SaveState(const FeedState& state) = 0;
};

// What one poll did, for logs and the CLI.
struct PollReport {
  const FeedSettings* feed = nullptr;
  FeedState state;      // after the poll
  size_t items = 0;     // items in the document (0 unless a feed came back)
  std::string warning;  // the document was ill-formed but gave items: why
  Status record;        // the record step's status
  // Why the poll failed (PollErrorKind, or "store" when recording failed);
  // "" when it succeeded.
  std::string error_kind;
  std::chrono::milliseconds elapsed{0};
};

struct SchedulerOptions {
  PolitenessLimits limits;
  // The wall clock, for stored times (default: system_clock).
  std::function<UtcTime()> now;
  // Jitter draws in [0, 1) (default: a seeded Mersenne twister).
  std::function<double()> random;
  // While Run polls, fewer polls run at once when the loop runs late, so
  // that deliveries on the same loop are not starved (loop_pressure.h).
  LoopPressurePolicy pressure;
};

class Scheduler {
 public:
  Scheduler(boost::asio::io_context& io, net::HttpClient& http, FeedSink& sink,
            SchedulerOptions options = {});
  ~Scheduler();

  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // The feeds to poll and their stored states (matched by feed id; a feed
  // without one starts fresh, due at once).
  //
  // While Run is polling this is a reload: feeds are matched by id; a kept
  // feed keeps its in-memory state and its place in time (a changed URL
  // starts it afresh, without validators); a new feed is due at once; a
  // removed feed is dropped, and a poll of it still in flight is discarded.
  // Polls in flight keep counting against the limits.
  void SetFeeds(std::vector<FeedSettings> feeds, const std::vector<FeedState>& states);

  // New politeness limits (reload); applied from the next SetFeeds.
  void SetLimits(const PolitenessLimits& limits) { options_.limits = limits; }

  // Polls every feed whenever it is due, until Stop().
  void Run();

  // Polls every feed once, now (politeness still applies), then calls
  // `done`.  For `poll-once` and tests.
  void PollOnce(std::function<void()> done);

  // No new polls; polls in flight are cancelled and leave their feed's
  // state as it was.
  void Stop();

  // Called after every poll.
  void OnPolled(std::function<void(const PollReport&)> callback) {
    on_polled_ = std::move(callback);
  }

  const std::vector<FeedState>& states() const { return states_; }
  const std::vector<FeedSettings>& feeds() const { return feeds_; }
  size_t in_flight() const { return queue_.running(); }
  // How many polls may run at once now (the politeness limit, or less
  // while the loop is under pressure), and the loop's last measured lag.
  size_t poll_limit() const { return queue_.max_in_flight(); }
  std::chrono::milliseconds loop_lag() const { return loop_lag_; }

 private:
  void Wake();
  void StartPoll(size_t index);
  void OnResponse(const std::string& feed_id, net::HttpResponse response);
  void ArmTimer();
  // Samples the loop's lag every pressure.sample_every and sets the poll
  // limit from it.
  void ArmLagSampler();
  void Schedule(size_t index, UtcTime now, std::chrono::steady_clock::time_point steady_now);

  boost::asio::io_context& io_;
  net::HttpClient& http_;
  FeedSink& sink_;
  SchedulerOptions options_;
  PollQueue queue_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer lag_timer_;
  std::chrono::milliseconds loop_lag_{0};
  std::vector<FeedSettings> feeds_;
  std::vector<FeedState> states_;
  std::vector<std::string> hosts_;
  std::unordered_map<std::string, size_t> index_by_id_;
  std::unordered_set<std::string> in_flight_;        // feed ids with a poll running
  std::unordered_map<std::string, size_t> orphans_;  // removed while in flight -> queue index
  bool running_ = false;                             // Run() and not stopped
  std::function<void(const PollReport&)> on_polled_;
  std::function<void()> once_done_;
  size_t once_left_ = 0;
  bool once_ = false;
  bool stopped_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// How long from `now` until a feed with `state` is due: 0 when it is
// overdue or never polled.  Converts the stored wall-clock next_poll_at to
// a monotonic delay once (SetFeeds, Run); a last poll after `now` means the
// wall clock went back, and the delay counts from that poll, not from now,
// so a jump back does not stall the feed; after a jump forward the overdue
// feeds are due now and start within the politeness limits.  While the
// scheduler runs, due times are monotonic and a jump changes nothing.
std::chrono::seconds DelayUntilDue(const FeedState& state, UtcTime now);

// The host part of a URL, lower case, with its port ("www.sec.gov",
// "127.0.0.1:8080"); "" for file: URLs (all local files share one line).
std::string HostKey(const std::string& url);

}  // namespace mineral::daemon
