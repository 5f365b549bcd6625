// Measures the daemon's outgoing HTTP client, the one that sends KCIs and fetches tokens, on
// sequential calls to one TLS server. The reference opens a new TCP and TLS connection for
// every call (keep_alive_idle 0); the measured case keeps the connection open between calls
// (the default). Both run in the same process against the same server, in the same run.
//
// usage: linetest_client_bench --url URL [--ca-file PEM] [--requests N] [--max-seconds S]
// Prints one JSON line. Stops each case after N calls or S seconds, whichever comes first.

#include "arguments.hpp"
#include "http/client.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
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

options parse(int argc, char** argv) {
    const linetest::bench::arguments arguments(
        "linetest_client_bench", "--url URL [--ca-file PEM] [--requests N] [--max-seconds S]");
    options parsed;
    arguments.parse(argc, argv, [&](const std::string& name, const std::string& value) {
        if (name == "--url") {
            parsed.url = value;
        } else if (name == "--ca-file") {
            parsed.ca_file = value;
        } else if (name == "--requests") {
            parsed.requests = arguments.positive(name, value);
        } else if (name == "--max-seconds") {
            parsed.max_seconds = arguments.positive(name, value);
        } else {
            return false;
        }
        return true;
    });
    if (parsed.url.empty()) {
        arguments.fail("missing --url");
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
        const auto kept_connection = run_case(parsed, http::client_options{}.keep_alive_idle);
        const double ratio = kept_connection["calls_per_second"].get<double>() /
                             reference["calls_per_second"].get<double>();
        std::cout << nlohmann::json{{"reference_new_connection", reference},
                                    {"kept_connection", kept_connection},
                                    {"throughput_ratio", ratio}}
                         .dump()
                  << '\n';
        for (const auto* measured : {&reference, &kept_connection}) {
            if ((*measured)["failed"] != 0) {
                std::cerr << "linetest_client_bench: " << (*measured)["failed"]
                          << " calls failed with keep_alive_idle_ms "
                          << (*measured)["keep_alive_idle_ms"]
                          << ", the first with: " << (*measured)["first_error"].get<std::string>()
                          << '\n';
                return 1;
            }
        }
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "linetest_client_bench: " << e.what() << '\n';
        return 1;
    }
}
