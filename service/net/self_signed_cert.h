// Self-signed STARTTLS certificate for the first start (DESIGN.md "Configuration and
// first start"): when no certificate is configured the daemon creates one so that
// STARTTLS works out of the box; gateways that verify pin it or replace it.
//
// Thread safety: a free function with no shared state; two processes racing on the same
// paths cannot clobber each other (files are created exclusively), one of them fails.
#pragma once

#include <string>

#include "archive/format/status.h"

namespace chainmail {

// When neither file exists: generates an EC P-256 key and a self-signed X.509 v3
// certificate for `hostname` (CN and SAN DNS:hostname, plus DNS:localhost, IP:127.0.0.1,
// IP:::1; random 128-bit serial; valid from an hour ago for 825 days; CA:FALSE,
// keyUsage digitalSignature, extendedKeyUsage serverAuth), and writes the key (PKCS#8
// PEM, mode 0600 from creation) and the certificate (PEM, 0644), each atomically.
// When both exist: does nothing. When exactly one exists: InvalidArgument naming the
// missing one (a certificate without its key, or the reverse, is never silently replaced).
// `hostname` must be a DNS name (letters, digits, '-', '.').
Status EnsureSelfSignedCertificate(const std::string& cert_path, const std::string& key_path,
                                   const std::string& hostname);

}  // namespace chainmail
