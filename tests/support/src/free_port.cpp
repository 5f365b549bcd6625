#include "linetest/test_support/free_port.hpp"

#include <cerrno>
#include <string>
#include <system_error>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace linetest::test_support {

namespace {

std::uint16_t bind_loopback_port_zero(int type, const char* kind) {
    int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        throw std::system_error(errno, std::generic_category(),
                                std::string("free_port: cannot create a ") + kind + " socket");
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        int error = errno;
        ::close(fd);
        throw std::system_error(
            error, std::generic_category(),
            std::string("free_port: cannot bind a ") + kind + " socket to 127.0.0.1:0");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

}  // namespace

std::uint16_t free_tcp_port() { return bind_loopback_port_zero(SOCK_STREAM, "TCP"); }

std::uint16_t free_udp_port() { return bind_loopback_port_zero(SOCK_DGRAM, "UDP"); }

}  // namespace linetest::test_support
