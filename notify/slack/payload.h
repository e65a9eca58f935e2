// Slack incoming-webhook payload (Block Kit): a header, one section per
// alert (linked title, summary, source, rule, severity, matched terms) and a
// plain `text` fallback for notifications.  Pure.
//
// Limits (Slack, "Block Kit reference"): at most 50 blocks a message, header
// text 150 characters, section text 3000: alerts beyond 15 are summed up in
// one closing line, texts are cut on a UTF-8 boundary.
#pragma once

#include <string>

#include "notify/alert.h"

namespace mineral::notify::slack {

std::string RenderPayload(const Message& message);

// Slack mrkdwn escaping: &, < and > as entities (Slack, "Formatting text").
std::string EscapeMrkdwn(std::string_view text);

}  // namespace mineral::notify::slack
