#include "notify/webhook/signature.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include <charconv>
#include <memory>
#include <string>
#include <unordered_map>

namespace mineral::notify::webhook {

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return Status::ParseError("base64 length is not a multiple of 4");
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return Status::ParseError("not base64");
  // EVP_DecodeBlock counts padding as zero bytes: drop them.
  size_t len = static_cast<size_t>(n);
  if (!text.empty() && text.back() == '=') --len;
  if (text.size() > 1 && text[text.size() - 2] == '=') --len;
  out.resize(len);
  return out;
}

Result<std::string> SigningKey(std::string_view secret) {
  constexpr std::string_view kPrefix = "whsec_";
  if (!secret.starts_with(kPrefix)) return std::string(secret);
  Result<std::string> key = Base64Decode(secret.substr(kPrefix.size()));
  if (!key.ok()) return Status::InvalidArgument("signing secret: whsec_ value is not base64");
  return key;
}

namespace {

struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};
using MacCtx = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;

// The HMAC-SHA256 context keyed with `key`, made once per key (and thread)
// and re-initialized for each message: EVP_MAC_init without a key starts
// over from the keyed state.  HMAC() fetches the algorithm and the digest
// from OpenSSL's provider store at every call, which cost twice the hashing
// of a webhook body, and a copy of a keyed context per message allocates
// its three digest states.  Null if OpenSSL fails.
EVP_MAC_CTX* KeyedHmac(std::string_view key) {
  static EVP_MAC* const hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);  // kept for good
  if (hmac == nullptr) return nullptr;
  thread_local std::unordered_map<std::string, MacCtx> keyed;
  // The last key asked for, looked up without hashing or a copy of it (a
  // receiver signs every message with the same key).
  thread_local const std::pair<const std::string, MacCtx>* last = nullptr;
  if (last == nullptr || last->first != key) {
    auto it = keyed.find(std::string(key));
    if (it == keyed.end()) {
      MacCtx ctx(EVP_MAC_CTX_new(hmac));
      char digest[] = "SHA256";
      const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                                   OSSL_PARAM_construct_end()};
      static const unsigned char kNoKey = 0;
      const auto* bytes =
          key.empty() ? &kNoKey : reinterpret_cast<const unsigned char*>(key.data());
      if (!ctx || EVP_MAC_init(ctx.get(), bytes, key.size(), params) != 1) return nullptr;
      if (keyed.size() >= 64) keyed.clear();  // keys rotated away over many reloads
      it = keyed.emplace(std::string(key), std::move(ctx)).first;
    }
    last = &*it;
  }
  // A message cut short (an update that failed) is dropped here too.
  if (EVP_MAC_init(last->second.get(), nullptr, 0, nullptr) != 1) return nullptr;
  return last->second.get();
}

}  // namespace

std::string Sign(std::string_view key, std::string_view id, int64_t timestamp,
                 std::string_view body) {
  char ts_text[24];
  const auto ts_end = std::to_chars(ts_text, ts_text + sizeof ts_text, timestamp).ptr;
  const std::string_view ts(ts_text, static_cast<size_t>(ts_end - ts_text));
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  EVP_MAC_CTX* ctx = KeyedHmac(key);
  auto update = [&](std::string_view part) {
    return EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(part.data()), part.size()) ==
           1;
  };
  const bool signed_here = ctx != nullptr && update(id) && update(".") && update(ts) &&
                           update(".") && update(body) &&
                           EVP_MAC_final(ctx, mac, &mac_len, sizeof mac) == 1;
  if (!signed_here) {
    // OpenSSL refused the cached way: the one-shot call, as before.
    std::string content;
    content.reserve(id.size() + ts.size() + body.size() + 2);
    content.append(id).append(".").append(ts).append(".").append(body);
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac, &len);
    mac_len = len;
  }
  // "v1," and the base64 text, written in place.
  std::string out(3 + 4 * ((mac_len + 2) / 3), '\0');
  out[0] = 'v';
  out[1] = '1';
  out[2] = ',';
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + 3), mac,
                                static_cast<int>(mac_len));
  out.resize(3 + static_cast<size_t>(n));
  return out;
}

std::vector<std::pair<std::string, std::string>> SignatureHeaders(
    const std::vector<std::string>& keys, std::string_view id, int64_t timestamp,
    std::string_view body) {
  std::string signatures;
  for (const std::string& key : keys) {
    if (!signatures.empty()) signatures += ' ';
    signatures += Sign(key, id, timestamp, body);
  }
  return {{"webhook-id", std::string(id)},
          {"webhook-timestamp", std::to_string(timestamp)},
          {"webhook-signature", signatures}};
}

}  // namespace mineral::notify::webhook
