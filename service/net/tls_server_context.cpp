#include "service/net/tls_server_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "service/net/openssl_error.h"

namespace chainmail {
namespace {

// Mozilla "intermediate" (v5.7), TLS 1.2 part; TLS 1.3 suites are OpenSSL's defaults.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

constexpr unsigned char kSessionIdContext[] = "chainmail-smtp";

Status Fail(const std::string& what) {
  return Status::InvalidArgument(what + ": " + TakeOpenSslErrors());
}

}  // namespace

Result<std::shared_ptr<TlsServerContext>> TlsServerContext::FromPemFiles(
    const std::string& certificate_chain_path, const std::string& private_key_path) {
  ERR_clear_error();
  SSL_CTX* raw = SSL_CTX_new(TLS_server_method());
  if (raw == nullptr) return Fail("cannot create TLS context");
  std::shared_ptr<TlsServerContext> context(new TlsServerContext(raw));
  SSL_CTX* ctx = context->native();

  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    return Fail("cannot set the minimum TLS version");
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  // RELEASE_BUFFERS: an idle connection holds no record buffers (memory stays bounded).
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) return Fail("cannot set TLS ciphers");
  SSL_CTX_set_dh_auto(ctx, 1);
  SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof kSessionIdContext - 1);

  if (SSL_CTX_use_certificate_chain_file(ctx, certificate_chain_path.c_str()) != 1) {
    return Fail("cannot load TLS certificate chain " + certificate_chain_path);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, private_key_path.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Fail("cannot load TLS private key " + private_key_path);
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return Fail("TLS private key " + private_key_path + " does not match certificate " +
                certificate_chain_path);
  }
  return context;
}

TlsServerContext::~TlsServerContext() { SSL_CTX_free(ctx_); }

}  // namespace chainmail
