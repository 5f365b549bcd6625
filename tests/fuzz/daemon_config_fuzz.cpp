// libFuzzer target: daemon config files through ops::load_daemon_config, which may only throw
// core::config_error for a bad file. The input is written to one temp file per process.

#include "ops/daemon_config.hpp"

#include "core/config_reader.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

namespace {

const std::filesystem::path& config_file() {
    static const std::filesystem::path file = [] {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "linetest-fuzz-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            std::abort();
        }
        return std::filesystem::path(pattern) / "linetestd.json";
    }();
    return file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto& file = config_file();
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    ::chmod(file.c_str(), 0600);
    try {
        static_cast<void>(linetest::ops::load_daemon_config(file));
    } catch (const linetest::core::config_error&) {
    }
    return 0;
}
