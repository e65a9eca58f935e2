#include "notify/webhook/signature.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

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

std::string Sign(std::string_view key, std::string_view id, int64_t timestamp,
                 std::string_view body) {
  std::string content;
  std::string ts = std::to_string(timestamp);
  content.reserve(id.size() + ts.size() + body.size() + 2);
  content.append(id).append(".").append(ts).append(".").append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac, &mac_len);
  return "v1," + Base64Encode(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
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
