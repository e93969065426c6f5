// CommitMail: one generated message (bench/mail_mix.h) through a MessageIngest the way an
// SMTP session hands it over: spooled, then committed with its envelope (MAIL FROM and
// RCPT TO in angle brackets, EHLO, TLS, client address), for the benchmarks that write
// through the real archive path. Thread-safe when the ingest is.
#pragma once

#include <cstdint>

#include "archive/ingest.h"
#include "bench/mail_mix.h"

namespace chainmail::bench {

// Returns the commit's status; `session` varies the client port and session id.
Status CommitMail(MessageIngest& ingest, const GeneratedMail& mail, uint32_t session);

}  // namespace chainmail::bench
