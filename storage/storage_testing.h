// Test support for storage/ (built into the tests and the crash helper, not
// into the library): a deterministic stream of feed polls and a matcher, so
// a process killed mid-stream can be checked against what the stream says
// must be stored.
#pragma once

#include <string>
#include <vector>

#include "model/alert.h"
#include "model/feed_state.h"
#include "model/item.h"
#include "model/time.h"

namespace mineral::storage::testing {

constexpr int kStreamFeeds = 4;
constexpr int kStreamItemsPerPoll = 10;  // half of them new each round

// feed-0 .. feed-3; none alerts its backlog.
std::vector<FeedSpec> StreamFeeds();

// The clock value of round `round` (10 minutes apart).
UtcTime StreamTime(int round);

// What feed `feed` serves in round `round`: a sliding window of items, every
// third round amending the oldest one in it.  Stories repeat across feeds
// (same title, other key), so clustering is exercised too.
std::vector<Item> StreamItems(int round, int feed);

// Fires "metal" on titles naming a metal, and "policy" (which asks for
// amendments) on texts mentioning export controls; each queues for two
// receivers.
std::vector<AlertCandidate> StreamMatcher(const Item& item);

}  // namespace mineral::storage::testing
