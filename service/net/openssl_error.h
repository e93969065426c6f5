// OpenSslError: turns OpenSSL's thread-local error queue into text for a Status.
//
// OpenSSL records errors per thread; callers clear the queue (ERR_clear_error) before an
// operation and take the text right after it fails, on the same thread.
#pragma once

#include <string>

namespace chainmail {

// Empties this thread's OpenSSL error queue and returns its entries joined by "; ", or
// `fallback` when the queue is empty.
std::string TakeOpenSslErrors(const std::string& fallback = "unknown OpenSSL error");

}  // namespace chainmail
