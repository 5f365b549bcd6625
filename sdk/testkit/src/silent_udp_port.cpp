#include <linetest/testkit/silent_udp_port.hpp>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace linetest::testkit {

silent_udp_port::silent_udp_port() {
    socket_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (socket_ < 0) {
        throw std::runtime_error(std::string("silent_udp_port: socket() failed: ") +
                                 std::strerror(errno));
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (::bind(socket_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::getsockname(socket_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        int error = errno;
        ::close(socket_);
        throw std::runtime_error(
            std::string("silent_udp_port: cannot bind a UDP port on 127.0.0.1: ") +
            std::strerror(error));
    }
    port_ = ntohs(address.sin_port);
}

silent_udp_port::~silent_udp_port() { ::close(socket_); }

std::string silent_udp_port::endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

}  // namespace linetest::testkit
