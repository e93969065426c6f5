// TlsServerContext: the OpenSSL server configuration for STARTTLS, built once from a PEM
// certificate chain and private key and shared by every connection.
//
// Policy: TLS 1.2 minimum, Mozilla's "intermediate" TLS 1.2 cipher list (forward secret
// AEAD suites only) and OpenSSL's TLS 1.3 defaults, no compression, no renegotiation.
// Raw OpenSSL rather than Poco NetSSL so that each session can record the negotiated
// protocol and cipher (tls_stream.h).
//
// Thread safety: immutable after FromPemFiles; native() may be used by any number of
// threads at once to create SSL objects (OpenSSL locks the session cache itself).
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>

#include "archive/format/status.h"

namespace chainmail {

class TlsServerContext {
 public:
  // `certificate_chain_path`: the server certificate first, then any intermediates.
  // Errors (unreadable file, bad PEM, key not matching the certificate) carry OpenSSL's
  // error text and the file name.
  static Result<std::shared_ptr<TlsServerContext>> FromPemFiles(
      const std::string& certificate_chain_path, const std::string& private_key_path);

  ~TlsServerContext();
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

  // Owned by this object; valid for its lifetime.
  SSL_CTX* native() const { return ctx_; }

 private:
  explicit TlsServerContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

}  // namespace chainmail
