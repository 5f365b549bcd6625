// Bounded HTTP load client for linetestd benchmarks. Sends at most --requests requests over
// --connections keep-alive connections to 127.0.0.1, stops after --max-seconds whatever the
// count, and prints one JSON line with latency percentiles and throughput.
//
// usage: linetest_load --port P --endpoint post|live [--requests N] [--connections C]
//                      [--max-seconds S] [--token-file F] [--first-id ID]
//                      [--service-prefix PREFIX] [--tenant T] [--specification SPEC]
//   post: POST /service-tests with ids first-id.., serviceId PREFIX<index>; expects 201.
//   live: GET /health/live; expects 200. The reference for the same daemon and client.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

struct options {
    std::uint16_t port = 0;
    std::string endpoint = "live";
    std::size_t requests = 1000;
    std::size_t connections = 4;
    double max_seconds = 60;
    std::string token;
    std::int64_t first_id = 1;
    std::string service_prefix = "BENCH-";
    std::string tenant = "EXAMPLE-ISP";
    std::string specification = "ftthl2r";
};

[[noreturn]] void usage_error(const std::string& message) {
    std::cerr << "linetest_load: " << message
              << "\nusage: linetest_load --port P --endpoint post|live [--requests N] "
                 "[--connections C] [--max-seconds S] [--token-file F] [--first-id ID] "
                 "[--service-prefix PREFIX] [--tenant T] [--specification SPEC]\n";
    std::exit(2);
}

options parse(int argc, char** argv) {
    options out;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc) {
            usage_error(arg + " needs a value");
        }
        const std::string value = argv[++i];
        try {
            if (arg == "--port") {
                out.port = static_cast<std::uint16_t>(std::stoul(value));
            } else if (arg == "--endpoint") {
                out.endpoint = value;
            } else if (arg == "--requests") {
                out.requests = std::stoul(value);
            } else if (arg == "--connections") {
                out.connections = std::stoul(value);
            } else if (arg == "--max-seconds") {
                out.max_seconds = std::stod(value);
            } else if (arg == "--token-file") {
                std::ifstream in(value);
                std::getline(in, out.token);
                if (out.token.empty()) {
                    usage_error("--token-file " + value + " is missing or empty");
                }
            } else if (arg == "--first-id") {
                out.first_id = std::stoll(value);
            } else if (arg == "--service-prefix") {
                out.service_prefix = value;
            } else if (arg == "--tenant") {
                out.tenant = value;
            } else if (arg == "--specification") {
                out.specification = value;
            } else {
                usage_error("unknown option " + arg);
            }
        } catch (const std::logic_error&) {
            usage_error("invalid value '" + value + "' for " + arg);
        }
    }
    if (out.port == 0) {
        usage_error("--port is required");
    }
    if (out.endpoint != "post" && out.endpoint != "live") {
        usage_error("--endpoint must be post or live, got '" + out.endpoint + "'");
    }
    if (out.endpoint == "post" && out.token.empty()) {
        usage_error("--endpoint post needs --token-file");
    }
    if (out.connections == 0 || out.requests == 0 || out.max_seconds <= 0) {
        usage_error("--requests, --connections and --max-seconds must be positive");
    }
    return out;
}

bhttp::request<bhttp::string_body> build_request(const options& opts, std::size_t index) {
    bhttp::request<bhttp::string_body> req;
    req.version(11);
    req.set(bhttp::field::host, "127.0.0.1");
    req.keep_alive(true);
    if (opts.endpoint == "live") {
        req.method(bhttp::verb::get);
        req.target("/health/live");
        return req;
    }
    req.method(bhttp::verb::post);
    req.target("/service-tests");
    req.set(bhttp::field::authorization, "Bearer " + opts.token);
    req.set(bhttp::field::content_type, "application/json");
    req.set("X-Request-ID", "bench-request-" + std::to_string(index));
    req.set("X-Conversation-ID", "bench-conversation-" + std::to_string(index));
    req.set("Tenant", opts.tenant);
    const nlohmann::json body = {
        {"id", opts.first_id + static_cast<std::int64_t>(index)},
        {"serviceId", opts.service_prefix + std::to_string(index)},
        {"serviceSpecification", {{"id", opts.specification}}},
        {"problemType", "STABILITY"}};
    req.body() = body.dump();
    req.prepare_payload();
    return req;
}

}  // namespace

int main(int argc, char** argv) {
    const options opts = parse(argc, argv);
    const unsigned expected = opts.endpoint == "post" ? 201 : 200;
    const auto deadline =
        steady::now() + std::chrono::duration_cast<steady::duration>(
                            std::chrono::duration<double>(opts.max_seconds));

    std::atomic<std::size_t> next{0};
    std::mutex mutex;
    std::vector<double> latencies_ms;
    std::map<unsigned, std::size_t> statuses;
    std::size_t transport_errors = 0;

    const auto started = steady::now();
    std::vector<std::thread> threads;
    for (std::size_t c = 0; c < opts.connections; ++c) {
        threads.emplace_back([&] {
            asio::io_context io;
            beast::tcp_stream stream(io);
            std::vector<double> local;
            std::map<unsigned, std::size_t> local_statuses;
            std::size_t local_errors = 0;
            bool connected = false;
            beast::flat_buffer buffer;
            for (;;) {
                const std::size_t index = next++;
                if (index >= opts.requests || steady::now() >= deadline) {
                    break;
                }
                try {
                    if (!connected) {
                        stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), opts.port));
                        connected = true;
                    }
                    auto req = build_request(opts, index);
                    const auto sent = steady::now();
                    bhttp::write(stream, req);
                    bhttp::response<bhttp::string_body> res;
                    bhttp::read(stream, buffer, res);
                    local.push_back(
                        std::chrono::duration<double, std::milli>(steady::now() - sent).count());
                    ++local_statuses[res.result_int()];
                    if (!res.keep_alive()) {
                        stream.close();
                        connected = false;
                    }
                } catch (const std::exception&) {
                    ++local_errors;
                    beast::error_code ignored;
                    stream.socket().close(ignored);
                    connected = false;
                    buffer.clear();
                }
            }
            const std::lock_guard lock(mutex);
            latencies_ms.insert(latencies_ms.end(), local.begin(), local.end());
            for (const auto& [status, count] : local_statuses) {
                statuses[status] += count;
            }
            transport_errors += local_errors;
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    const double seconds = std::chrono::duration<double>(steady::now() - started).count();

    std::sort(latencies_ms.begin(), latencies_ms.end());
    const auto percentile = [&](double p) {
        if (latencies_ms.empty()) {
            return 0.0;
        }
        const auto rank = static_cast<std::size_t>(p * static_cast<double>(latencies_ms.size() - 1));
        return latencies_ms[rank];
    };
    nlohmann::json status_counts = nlohmann::json::object();
    for (const auto& [status, count] : statuses) {
        status_counts[std::to_string(status)] = count;
    }
    const std::size_t ok = statuses.count(expected) ? statuses.at(expected) : 0;
    const nlohmann::json result = {
        {"endpoint", opts.endpoint},
        {"requests", latencies_ms.size()},
        {"expected_status", expected},
        {"ok", ok},
        {"statuses", status_counts},
        {"transport_errors", transport_errors},
        {"connections", opts.connections},
        {"seconds", seconds},
        {"requests_per_second", seconds > 0 ? static_cast<double>(latencies_ms.size()) / seconds : 0},
        {"latency_ms", {{"p50", percentile(0.50)}, {"p90", percentile(0.90)},
                        {"p99", percentile(0.99)}, {"max", percentile(1.0)}}}};
    std::cout << result.dump() << '\n';
    return ok == latencies_ms.size() && transport_errors == 0 ? 0 : 1;
}
