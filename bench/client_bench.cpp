// Measures the daemon's outgoing HTTP client, the one that sends KCIs and fetches tokens, on
// sequential calls to one TLS server. The reference opens a new TCP and TLS connection for
// every call (keep_alive_idle 0); the measured case keeps the connection open between calls
// (the default). Both run in the same process against the same server, in the same run.
//
// usage: linetest_client_bench --url URL [--ca-file PEM] [--requests N] [--max-seconds S]
// Prints one JSON line. Stops each case after N calls or S seconds, whichever comes first.

#include "http/client.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

namespace {

using steady = std::chrono::steady_clock;
namespace http = linetest::http;

struct options {
    std::string url;
    std::string ca_file;
    int requests = 1000;
    int max_seconds = 30;
};

[[noreturn]] void usage_error(const std::string& message) {
    std::cerr << "linetest_client_bench: " << message
              << "\nusage: linetest_client_bench --url URL [--ca-file PEM] [--requests N] "
                 "[--max-seconds S]\n";
    std::exit(2);
}

int positive(const std::string& name, const std::string& text) {
    try {
        std::size_t used = 0;
        const int value = std::stoi(text, &used);
        if (used == text.size() && value > 0) {
            return value;
        }
    } catch (const std::exception&) {
    }
    usage_error("invalid " + name + " '" + text + "': expected a positive integer");
}

options parse(int argc, char** argv) {
    options parsed;
    for (int i = 1; i < argc; ++i) {
        const std::string name = argv[i];
        if (i + 1 >= argc) {
            usage_error("missing value after " + name);
        }
        const std::string value = argv[++i];
        if (name == "--url") {
            parsed.url = value;
        } else if (name == "--ca-file") {
            parsed.ca_file = value;
        } else if (name == "--requests") {
            parsed.requests = positive(name, value);
        } else if (name == "--max-seconds") {
            parsed.max_seconds = positive(name, value);
        } else {
            usage_error("unknown option " + name);
        }
    }
    if (parsed.url.empty()) {
        usage_error("missing --url");
    }
    return parsed;
}

// Sends up to `limits.requests` GETs to `limits.url` one after another with one client.
nlohmann::json run_case(const options& limits, std::chrono::milliseconds keep_alive_idle) {
    http::client_options client_options;
    client_options.ca_file = limits.ca_file;
    client_options.keep_alive_idle = keep_alive_idle;
    http::client client(client_options);
    http::client_request request;
    request.target = http::parse_url(limits.url);

    int calls = 0;
    int failed = 0;
    std::string first_error;
    const auto started = steady::now();
    const auto deadline = started + std::chrono::seconds(limits.max_seconds);
    while (calls < limits.requests && steady::now() < deadline) {
        const auto result = client.send(request);
        ++calls;
        if (!result || result->status != 200) {
            ++failed;
            if (first_error.empty()) {
                first_error = result ? "HTTP status " + std::to_string(result->status)
                                     : result.error().message;
            }
        }
    }
    const double seconds = std::chrono::duration<double>(steady::now() - started).count();
    return {{"keep_alive_idle_ms", keep_alive_idle.count()},
            {"calls", calls},
            {"failed", failed},
            {"first_error", first_error},
            {"seconds", seconds},
            {"calls_per_second", calls / seconds}};
}

}  // namespace

int main(int argc, char** argv) {
    const auto parsed = parse(argc, argv);
    try {
        const auto reference = run_case(parsed, std::chrono::milliseconds(0));
        const auto kept = run_case(parsed, http::client_options{}.keep_alive_idle);
        std::cout << nlohmann::json{{"reference_new_connection", reference},
                                    {"kept_connection", kept},
                                    {"throughput_ratio", kept["calls_per_second"].get<double>() /
                                                             reference["calls_per_second"]
                                                                 .get<double>()}}
                         .dump()
                  << '\n';
        return reference["failed"] == 0 && kept["failed"] == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "linetest_client_bench: " << e.what() << '\n';
        return 1;
    }
}
