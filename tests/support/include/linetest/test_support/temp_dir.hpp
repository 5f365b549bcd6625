#pragma once

#include <filesystem>
#include <string_view>

namespace linetest::test_support {

/// A fresh directory under /tmp, removed with its content by the destructor. When the
/// environment variable LINETEST_KEEP_TEST_DIRS is non-empty, the destructor keeps it and prints
/// its path to stderr, so that a failed test's files can be inspected.
class temp_dir {
public:
    /// Creates /tmp/<prefix>-XXXXXX with mode 0700.
    /// @throws std::system_error when the directory cannot be created.
    explicit temp_dir(std::string_view prefix = "linetest");
    ~temp_dir();

    temp_dir(temp_dir&& other) noexcept;
    temp_dir& operator=(temp_dir&& other) noexcept;
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    /// Returns the directory; empty after a move.
    const std::filesystem::path& path() const { return path_; }

    /// Returns `path() / name`.
    std::filesystem::path operator/(const std::filesystem::path& name) const {
        return path_ / name;
    }

private:
    void remove() noexcept;

    std::filesystem::path path_;
};

}  // namespace linetest::test_support
