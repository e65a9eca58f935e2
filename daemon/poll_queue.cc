#include "daemon/poll_queue.h"

#include <algorithm>

namespace mineral::daemon {

void PollQueue::Schedule(size_t feed, const std::string& host, SteadyTime due) {
  const uint64_t generation = ++generation_;
  queued_[feed] = {host, generation};
  timeline_.push({due, feed, generation});
}

void PollQueue::Remove(size_t feed) {
  auto it = queued_.find(feed);
  if (it == queued_.end()) return;
  // Timeline entries go stale (their generation no longer matches); a host
  // line is searched, since it is short compared with the timeline.
  auto host = hosts_.find(it->second.host);
  if (host != hosts_.end()) {
    auto& ready = host->second.ready;
    ready.erase(std::remove(ready.begin(), ready.end(), feed), ready.end());
  }
  queued_.erase(it);
}

const HostLimits& PollQueue::LimitsFor(const std::string& name) const {
  auto it = limits_.host_overrides.find(name);
  return it == limits_.host_overrides.end() ? limits_.per_host : it->second;
}

bool PollQueue::CanStart(const std::string& name, const Host& host, SteadyTime now) const {
  return running_ < max_in_flight() && host.running < LimitsFor(name).in_flight &&
         host.next_start <= now && !host.ready.empty();
}

std::vector<size_t> PollQueue::TakeDue(SteadyTime now) {
  // Move what has come due into its host's line.
  while (!timeline_.empty() && timeline_.top().due <= now) {
    const Entry entry = timeline_.top();
    timeline_.pop();
    auto it = queued_.find(entry.feed);
    if (it == queued_.end() || it->second.generation != entry.generation) continue;
    auto& ready = hosts_[it->second.host].ready;
    // A line holds a feed once, even if it was rescheduled while waiting.
    if (std::find(ready.begin(), ready.end(), entry.feed) == ready.end())
      ready.push_back(entry.feed);
  }

  // Hosts take turns, one start each per round, beginning after the host
  // that started last, until no host can start anything.
  std::vector<size_t> started;
  bool progress = true;
  while (progress && running_ < max_in_flight()) {
    progress = false;
    auto first = hosts_.upper_bound(turn_);
    for (size_t visited = 0; visited < hosts_.size(); ++visited) {
      if (first == hosts_.end()) first = hosts_.begin();
      auto& [name, host] = *first;
      if (CanStart(name, host, now)) {
        const size_t feed = host.ready.front();
        host.ready.pop_front();
        host.running += 1;
        host.next_start = now + LimitsFor(name).spacing;
        running_ += 1;
        started_[feed] = name;
        queued_.erase(feed);
        started.push_back(feed);
        turn_ = name;
        progress = true;
        if (running_ >= max_in_flight()) break;
      }
      ++first;
    }
  }
  return started;
}

void PollQueue::MarkRunning(size_t feed, const std::string& host) {
  hosts_[host].running += 1;
  running_ += 1;
  started_[feed] = host;
}

void PollQueue::Finished(size_t feed) {
  auto it = started_.find(feed);
  if (it == started_.end()) return;
  auto host = hosts_.find(it->second);
  if (host != hosts_.end() && host->second.running > 0) host->second.running -= 1;
  running_ -= 1;
  started_.erase(it);
}

std::optional<SteadyTime> PollQueue::NextWakeup(SteadyTime now) const {
  std::optional<SteadyTime> wake;
  auto consider = [&wake](SteadyTime t) {
    if (!wake || t < *wake) wake = t;
  };
  if (!timeline_.empty()) consider(timeline_.top().due);
  if (running_ < max_in_flight()) {
    for (const auto& [name, host] : hosts_) {
      if (!host.ready.empty() && host.running < LimitsFor(name).in_flight)
        consider(std::max(now, host.next_start));
    }
  }
  return wake;
}

}  // namespace mineral::daemon
