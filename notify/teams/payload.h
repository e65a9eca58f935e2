// Microsoft Teams payload for a Workflows ("Post to a channel when a webhook
// request is received") URL: a message with one Adaptive Card 1.4
// attachment.  The card has a headline, then per alert its linked title,
// summary, a fact set (severity, rule, source, matched) and an Open button.
// Pure.  Alerts beyond 10 are counted in a closing line (cards are capped
// at 28 KB).
#pragma once

#include <string>

#include "notify/alert.h"

namespace mineral::notify::teams {

std::string RenderPayload(const Message& message);

}  // namespace mineral::notify::teams
