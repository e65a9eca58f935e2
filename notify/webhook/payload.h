// The generic webhook payload, version 1 (docs/webhook.md; JSON Schema in
// docs/webhook-payload-v1.schema.json).  Pure: the same message gives the
// same bytes, so a retry sends exactly what the first attempt sent.
#pragma once

#include <string>

#include "notify/alert.h"

namespace mineral::notify::webhook {

inline constexpr char kPayloadVersion[] = "1";

// The JSON body (compact, UTF-8) of `message`.
std::string RenderPayload(const Message& message);

// One alert as the JSON object the payload's `alerts` array holds (also the
// line the file receiver appends).
std::string RenderAlertObject(const Alert& alert);

}  // namespace mineral::notify::webhook
