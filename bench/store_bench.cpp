// Measures durable inserts into the SQLite store (WAL, synchronous=FULL), the write behind
// every 201. The reference is one thread inserting alone, so every insert waits for its own
// fsync. The measured case is several threads inserting at once, as the HTTP threads, workers
// and KCI dispatcher of a busy daemon do, where concurrent writes share a group commit. Both
// run in the same process, on files in the same directory, in the same run.
//
// usage: linetest_store_bench [--directory DIR] [--inserts N] [--threads T] [--max-seconds S]
// Prints one JSON line. Stops each case after N inserts or S seconds, whichever comes first.

#include "arguments.hpp"
#include "core/random.hpp"
#include "store/sqlite_store.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {

using steady = std::chrono::steady_clock;
namespace store = linetest::store;

struct options {
    std::filesystem::path directory = std::filesystem::temp_directory_path();
    int inserts = 2000;
    int threads = 8;
    int max_seconds = 30;
};

struct result {
    int inserts = 0;
    double seconds = 0;
    store::commit_counts commits;
};

options parse(int argc, char** argv) {
    const linetest::bench::arguments arguments(
        "linetest_store_bench", "[--directory DIR] [--inserts N] [--threads T] [--max-seconds S]");
    options parsed;
    arguments.parse(argc, argv, [&](const std::string& name, const std::string& value) {
        if (name == "--directory") {
            parsed.directory = value;
        } else if (name == "--inserts") {
            parsed.inserts = arguments.positive(name, value);
        } else if (name == "--threads") {
            parsed.threads = arguments.positive(name, value);
        } else if (name == "--max-seconds") {
            parsed.max_seconds = arguments.positive(name, value);
        } else {
            return false;
        }
        return true;
    });
    return parsed;
}

store::test_record make_test(std::int64_t id) {
    store::test_record record;
    record.id = id;
    record.supplier_reference = "BENCH-" + std::to_string(id);
    record.tenant = "EXAMPLE-ISP";
    record.request_id = linetest::core::random_uuid();
    record.conversation_id = linetest::core::random_uuid();
    record.service_id = "BENCH-SERVICE-" + std::to_string(id);
    record.specification_id = "ftthl2r";
    record.specification_name = "FTTH Layer 2 Retail";
    record.problem_type = "NO_SERVICE";
    record.characteristics_json = "[]";
    record.fingerprint = std::to_string(id);
    record.plugin = "gpon";
    return record;
}

// Inserts up to `inserts` tests from `threads` threads into a new database in `directory`.
result run_case(const std::filesystem::path& directory, int threads, const options& limits) {
    std::filesystem::remove_all(directory);
    const auto database = store::sqlite_store::open(directory / "linetest.db");
    std::atomic<int> next{0};
    const auto started = steady::now();
    const auto deadline = started + std::chrono::seconds(limits.max_seconds);
    std::vector<std::jthread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (int i = next++; i < limits.inserts && steady::now() < deadline; i = next++) {
                database->insert_test(make_test(i + 1), {});
            }
        });
    }
    workers.clear();
    result measured;
    measured.seconds = std::chrono::duration<double>(steady::now() - started).count();
    measured.commits = database->commits();
    measured.inserts = static_cast<int>(measured.commits.writes);
    return measured;
}

nlohmann::json describe(const result& measured) {
    return {{"inserts", measured.inserts},
            {"seconds", measured.seconds},
            {"inserts_per_second", measured.inserts / measured.seconds},
            {"commits", measured.commits.groups},
            {"writes_per_commit", static_cast<double>(measured.commits.writes) /
                                      static_cast<double>(measured.commits.groups)}};
}

}  // namespace

int main(int argc, char** argv) {
    const auto parsed = parse(argc, argv);
    // The store logs each database it opens; stdout carries only the JSON result.
    spdlog::set_level(spdlog::level::warn);
    const auto root = parsed.directory / ("linetest-store-bench-" + linetest::core::random_uuid());
    int status = 0;
    try {
        const auto reference = run_case(root / "one-thread", 1, parsed);
        const auto concurrent = run_case(root / "threads", parsed.threads, parsed);
        std::cout << nlohmann::json{{"reference_one_thread", describe(reference)},
                                    {"threads", parsed.threads},
                                    {"concurrent", describe(concurrent)},
                                    {"throughput_ratio", (concurrent.inserts / concurrent.seconds) /
                                                             (reference.inserts / reference.seconds)}}
                         .dump()
                  << '\n';
    } catch (const std::exception& e) {
        std::cerr << "linetest_store_bench: " << e.what() << '\n';
        status = 1;
    }
    std::filesystem::remove_all(root);
    return status;
}
