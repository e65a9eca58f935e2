// TLS for the testkit's servers: a fresh self-signed P-256 certificate for
// "wrong.example.invalid" (a verifying client must refuse it).
#pragma once

#include <boost/asio/ssl/context.hpp>

namespace mineral::testkit {

void UseSelfSignedCertificate(boost::asio::ssl::context& ctx);

}  // namespace mineral::testkit
