// Discord webhook payload: one embed per alert (title linked, summary,
// colour by severity, fields for rule, source and matched terms, the item's
// time).  Mentions are disabled (`allowed_mentions.parse = []`): an item
// title holding "@everyone" pings nobody.  Pure.
//
// Limits (Discord, "Embed Limits"): 10 embeds a message, title 256
// characters, description 4096, field value 1024, 6000 in all: alerts beyond
// 10 are counted in `content`, texts are cut on a UTF-8 boundary.
#pragma once

#include <string>

#include "notify/alert.h"

namespace mineral::notify::discord {

std::string RenderPayload(const Message& message);

// 0xD32F2F critical, 0xF9A825 warning, 0x1976D2 info.
int SeverityColor(std::string_view severity);

}  // namespace mineral::notify::discord
