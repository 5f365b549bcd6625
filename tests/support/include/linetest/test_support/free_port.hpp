#pragma once

#include <cstdint>

namespace linetest::test_support {

// Both functions bind port 0 on 127.0.0.1, read the port the kernel chose and close the socket.
// Another process can take the port before the caller binds it. Prefer letting the server under
// test bind port 0 and report its port, and use these only where a port must be named up front
// (a configuration file, a peer that cannot report its port).

/// Returns a TCP port on 127.0.0.1 that was free a moment ago.
/// @throws std::system_error when no socket can be bound.
std::uint16_t free_tcp_port();

/// Returns a UDP port on 127.0.0.1 that was free a moment ago (for SNMP agents).
/// @throws std::system_error when no socket can be bound.
std::uint16_t free_udp_port();

}  // namespace linetest::test_support
