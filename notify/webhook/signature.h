// Standard Webhooks signatures (https://www.standardwebhooks.com, spec
// "Signature scheme"): the signed content is `id.timestamp.body`, signed
// with HMAC-SHA256 and sent base64-encoded as `v1,<sig>`; several secrets
// (rotation) give several space-separated signatures in one header.
//
//   webhook-id:        the message id (stable across retries)
//   webhook-timestamp: Unix seconds of this attempt
//   webhook-signature: v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= v1,...
//
// A secret written `whsec_<base64>` is the spec's form: the key is the
// base64-decoded part.  Any other secret is used as raw bytes.  Pure.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/status.h"

namespace mineral::notify::webhook {

// The HMAC key of a configured secret (whsec_ prefix decoded).
Result<std::string> SigningKey(std::string_view secret);

// "v1,<base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))>".
std::string Sign(std::string_view key, std::string_view id, int64_t timestamp,
                 std::string_view body);

// The three headers for `keys` (already decoded), in the order above.
std::vector<std::pair<std::string, std::string>> SignatureHeaders(
    const std::vector<std::string>& keys, std::string_view id, int64_t timestamp,
    std::string_view body);

std::string Base64Encode(std::string_view bytes);
// Standard alphabet, padding required; nullopt-like error on bad input.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace mineral::notify::webhook
