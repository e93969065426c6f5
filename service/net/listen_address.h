// ParseListenAddress: a listener address from configuration ("smtp.listen",
// "http.listen"): "host:port" or "[v6]:port", where host is an IP address literal (never
// resolved through DNS, so what the admin wrote is exactly what is bound) and port is
// 0-65535 (0: the kernel picks one; tests use it).
//
// A pure function, safe from any thread.
#pragma once

#include <string_view>

#include "Poco/Net/SocketAddress.h"
#include "archive/format/status.h"

namespace chainmail {

Result<Poco::Net::SocketAddress> ParseListenAddress(std::string_view text);

}  // namespace chainmail
