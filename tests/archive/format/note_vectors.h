// Known answers for signed notes, copied from independent implementations and specs.
//
// Go reference (golang.org/x/mod/sumdb/note, note.go package doc and note_test.go
// TestSign/TestOpen): the PeterNeumann signer and verifier keys, the two-line text and its
// signature line, and EnochRoot's verifier key and signature over the same text.
// C2SP signed-note (the worked example that implementations quote from the spec):
// example.com/foo's verifier key and its signed "This is an example message.".
// Each was cross-checked before use: the key IDs recomputed with Python hashlib, the
// PeterNeumann signature reproduced with `openssl pkeyutl -sign -rawin` from the seed, and
// the other signatures verified with an independent Ed25519 (Python `cryptography`).
#pragma once

#include <string>

namespace chainmail::note_vectors {

inline const std::string kPeterVerifierKey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
// The seed inside "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
// (base64 of 0x01 || seed).
inline const std::string kPeterSeedHex =
    "810a1402d5146c8d84f2443330f54080ebf98ee17d9c74f6252fc5d5c7283173";
inline const std::string kPeterText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
inline const std::string kPeterSignatureLine =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
inline const std::string kPeterNote = kPeterText + "\n" + kPeterSignatureLine;

inline const std::string kEnochVerifierKey =
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
inline const std::string kEnochSignatureLine =
    "\xE2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"
    "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

inline const std::string kSpecVerifierKey =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
inline const std::string kSpecNote =
    "This is an example message.\n"
    "\n"
    "\xE2\x80\x94 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM="
    "\n";

}  // namespace chainmail::note_vectors
