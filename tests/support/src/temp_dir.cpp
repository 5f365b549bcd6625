#include "linetest/test_support/temp_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace linetest::test_support {

temp_dir::temp_dir(std::string_view prefix) {
    std::string pattern = "/tmp/" + std::string(prefix) + "-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (::mkdtemp(buffer.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(),
                                "temp_dir: cannot create " + pattern);
    }
    path_ = buffer.data();
}

temp_dir::~temp_dir() { remove(); }

temp_dir::temp_dir(temp_dir&& other) noexcept
    : path_(std::exchange(other.path_, {})) {}

temp_dir& temp_dir::operator=(temp_dir&& other) noexcept {
    if (this != &other) {
        remove();
        path_ = std::exchange(other.path_, {});
    }
    return *this;
}

void temp_dir::remove() noexcept {
    if (path_.empty()) {
        return;
    }
    const char* keep = std::getenv("LINETEST_KEEP_TEST_DIRS");
    if (keep != nullptr && *keep != '\0') {
        std::cerr << "temp_dir: kept " << path_.string() << " (LINETEST_KEEP_TEST_DIRS is set)\n";
        return;
    }
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    if (ec) {
        std::cerr << "temp_dir: cannot remove " << path_.string() << ": " << ec.message() << '\n';
    }
}

}  // namespace linetest::test_support
