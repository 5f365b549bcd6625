#pragma once

// Command-line handling shared by the benchmark tools: every option is `--name value`, and a
// bad command line prints the problem and the usage line and exits with status 2.

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <utility>

namespace linetest::bench {

class arguments {
public:
    arguments(std::string program, std::string usage)
        : program_(std::move(program)),
          usage_(std::move(usage)) {}

    /// Prints `message` and the usage line to standard error and exits with status 2.
    [[noreturn]] void fail(const std::string& message) const {
        std::cerr << program_ << ": " << message << "\nusage: " << program_ << ' ' << usage_
                  << '\n';
        std::exit(2);
    }

    /// Returns `text` as an integer above zero, or fails naming option `name`.
    int positive(const std::string& name, const std::string& text) const {
        try {
            std::size_t used = 0;
            const int value = std::stoi(text, &used);
            if (used == text.size() && value > 0) {
                return value;
            }
        } catch (const std::exception&) {
        }
        fail("invalid " + name + " '" + text + "': expected a positive integer");
    }

    /// Calls `apply(name, value)` for each `--name value` pair in `argv`. When
    /// `apply` returns false, `name` is an unknown option and the parse fails.
    template <class Apply>
    void parse(int argc, char** argv, Apply apply) const {
        for (int i = 1; i < argc; ++i) {
            const std::string name = argv[i];
            if (i + 1 >= argc) {
                fail("missing value after " + name);
            }
            if (!apply(name, std::string(argv[++i]))) {
                fail("unknown option " + name);
            }
        }
    }

private:
    std::string program_;
    std::string usage_;
};

}  // namespace linetest::bench
