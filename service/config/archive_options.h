// The archive's options as the configuration sets them, shared by chainmaild and the CLI
// so both open the same archive the same way — including the checkpoint signer, so that
// whichever process commits, checkpoints follow.
#pragma once

#include "archive/archive.h"
#include "service/config/config.h"

namespace chainmail {

enum class SigningKeyUse {
  kCreate,      // the daemon: create the key on first start; failure is fatal
  kIfReadable,  // the CLI: sign when the key can be read (the daemon signs otherwise)
};

Result<ArchiveOptions> ArchiveOptionsFrom(const Config& config, SigningKeyUse use);

}  // namespace chainmail
