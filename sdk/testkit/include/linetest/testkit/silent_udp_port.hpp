#pragma once

#include <cstdint>
#include <string>

namespace linetest::testkit {

/// A UDP socket bound to a free port on 127.0.0.1 and never read, so a request
/// sent there gets no response and no ICMP port-unreachable: to a client it looks
/// like equipment that is down or filtered. The destructor closes the socket.
class silent_udp_port {
public:
    /// Binds the socket. Throws `std::runtime_error` naming the failed call.
    silent_udp_port();
    ~silent_udp_port();

    silent_udp_port(const silent_udp_port&) = delete;
    silent_udp_port& operator=(const silent_udp_port&) = delete;

    std::uint16_t port() const noexcept { return port_; }

    /// `127.0.0.1:<port>`, the form `equipment_target::node` takes.
    std::string endpoint() const;

private:
    int socket_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace linetest::testkit
