// A sample alert, realistic enough to judge a receiver by: what
// `mineral-alertd test-receiver` sends, and the input of the golden-file
// tests.  It holds the characters renderers must escape (<, &, quotes,
// "@everyone") and non-ASCII text (an en dash, Chinese).
#pragma once

#include "notify/alert.h"

namespace mineral::notify {

// One alert with two sources; `idempotency_key` is "test-" + receiver id
// when `receiver` is given.
Alert SampleAlert(const std::string& receiver = "");

// SampleAlert and a second, amended warning-level alert, grouped.
Message SampleGroupMessage(const std::string& receiver);

}  // namespace mineral::notify
