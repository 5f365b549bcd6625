#include "daemon/daemon.hpp"

#include "admission/service_tests_handler.hpp"
#include "core/config_reader.hpp"
#include "core/log.hpp"
#include "core/random.hpp"
#include "core/time.hpp"
#include "contract/error_envelope.hpp"
#include "executor/executor.hpp"
#include "http/client.hpp"
#include "http/server.hpp"
#include "ops/daemon_config.hpp"
#include "ops/logging.hpp"
#include "ops/systemd.hpp"
#include "store/sqlite_store.hpp"
#include "updates/dispatcher.hpp"
#include "updates/kci_encoder.hpp"
#include "updates/token_source.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <thread>

namespace linetest::daemon {

namespace {

/// Fetches the JWKS over the daemon's own HTTP client.
auth::fetch_function make_jwks_fetcher() {
    return [](const std::string& url) -> auth::fetch_result {
        try {
            http::client client(http::client_options{std::chrono::seconds(5), 1024 * 1024, {}, "linetestd"});
            http::client_request request;
            request.target = http::parse_url(url);
            auto response = client.send(request);
            if (!response) {
                return auth::fetch_result::failure(response.error().message);
            }
            if (response->status != 200) {
                return auth::fetch_result::failure("HTTP status " + std::to_string(response->status));
            }
            return auth::fetch_result::success(std::move(response->body));
        } catch (const std::exception& e) {
            return auth::fetch_result::failure(e.what());
        }
    };
}

/// Posts RFC 7662 introspection requests over the daemon's own HTTP client.
auth::post_function make_introspection_poster() {
    return [](const std::string& url, const std::string& form_body,
              const core::secret& authorization) -> auth::fetch_result {
        try {
            http::client client(
                http::client_options{std::chrono::seconds(5), 64 * 1024, {}, "linetestd"});
            http::client_request request;
            request.method = boost::beast::http::verb::post;
            request.target = http::parse_url(url);
            request.headers.set(boost::beast::http::field::content_type,
                                "application/x-www-form-urlencoded");
            request.headers.set(boost::beast::http::field::accept, "application/json");
            request.headers.set(boost::beast::http::field::authorization, authorization.reveal());
            request.body = form_body;
            auto response = client.send(request);
            if (!response) {
                return auth::fetch_result::failure(response.error().message);
            }
            if (response->status != 200) {
                return auth::fetch_result::failure("HTTP status " +
                                                   std::to_string(response->status));
            }
            return auth::fetch_result::success(std::move(response->body));
        } catch (const std::exception& e) {
            return auth::fetch_result::failure(e.what());
        }
    };
}

store::kci_record make_kci_record(const store::test_record& record, int sequence_number,
                                  const std::string& body, const std::string& kci_id,
                                  store::clock::time_point now) {
    store::kci_record kci;
    kci.test_id = record.id;
    kci.kci_id = kci_id;
    kci.sequence_number = sequence_number;
    kci.body = body;
    kci.conversation_id = record.conversation_id;
    kci.created_at = now;
    kci.next_attempt_at = now;
    return kci;
}

std::string format_metrics(store::sqlite_store& store, const executor::executor& executor,
                           const updates::dispatcher& dispatcher) {
    const auto outbox = store.outbox();
    const auto commits = store.commits();
    const auto counters = dispatcher.read_counters();
    double oldest_age = 0;
    if (outbox.oldest_pending_created_at) {
        oldest_age = std::chrono::duration<double>(store::clock::now() -
                                                   *outbox.oldest_pending_created_at)
                         .count();
    }
    return fmt::format(
        "# TYPE linetest_outbox_pending gauge\nlinetest_outbox_pending {}\n"
        "# TYPE linetest_outbox_dead gauge\nlinetest_outbox_dead {}\n"
        "# TYPE linetest_outbox_oldest_pending_age_seconds gauge\n"
        "linetest_outbox_oldest_pending_age_seconds {:.3f}\n"
        "# TYPE linetest_executor_queued gauge\nlinetest_executor_queued {}\n"
        "# TYPE linetest_executor_running gauge\nlinetest_executor_running {}\n"
        "# TYPE linetest_kci_sent_total counter\nlinetest_kci_sent_total {}\n"
        "# TYPE linetest_kci_retried_total counter\nlinetest_kci_retried_total {}\n"
        "# TYPE linetest_kci_dead_total counter\nlinetest_kci_dead_total {}\n"
        "# TYPE linetest_store_commits_total counter\nlinetest_store_commits_total {}\n"
        "# TYPE linetest_store_writes_total counter\nlinetest_store_writes_total {}\n",
        outbox.pending, outbox.dead, oldest_age, executor.queued(), executor.running(),
        counters.sent, counters.retried, counters.dead, commits.groups, commits.writes);
}

/// Returns the `GET /plugins` response listing the current plugin set, or null when `request`
/// is for another path. Like /metrics it needs no bearer token: the listing names plugins, versions
/// and routes, never instance config, which may contain secrets.
std::optional<http::response> plugins_endpoint(const http::request& request,
                                               const plugins::plugin_host& plugins) {
    const std::string_view target(request.target().data(), request.target().size());
    if (target.substr(0, target.find('?')) != "/plugins") {
        return std::nullopt;
    }
    namespace bhttp = boost::beast::http;
    if (request.method() != bhttp::verb::get) {
        const auto reply = contract::make_error_reply(contract::failure_kind::method_not_allowed,
                                                      {"Use GET on /plugins"});
        http::response response{bhttp::status::method_not_allowed, request.version()};
        response.set(bhttp::field::content_type, "application/json");
        response.set(bhttp::field::allow, "GET");
        response.body() = reply.body;
        response.prepare_payload();
        return response;
    }
    const nlohmann::json body = {
        {"generation", plugins.generation()},
        {"abi_version", sdk::abi_version},
        {"instances", plugins::describe(*plugins.snapshot())},
    };
    http::response response{bhttp::status::ok, request.version()};
    response.set(bhttp::field::content_type, "application/json");
    response.body() = body.dump();
    response.prepare_payload();
    return response;
}

/// Reads `config_file` again and replaces the plugin set. On any error it logs the reason and
/// keeps the running set, so a bad edit never takes plugins away from a running daemon.
void reload_plugins(const std::filesystem::path& config_file, plugins::plugin_host& plugins) {
    auto log = core::logger("plugins");
    log->info("reloading plugins config={} generation={}", config_file.string(),
              plugins.generation());
    try {
        const auto config = ops::load_daemon_config(config_file);
        plugins.reload(config.plugins);
        log->info("plugins reloaded generation={} instances={}", plugins.generation(),
                  plugins.instances().size());
    } catch (const std::exception& e) {
        log->error("plugin reload failed, keeping the running plugins: {} generation={}", e.what(),
                   plugins.generation());
    }
}

}  // namespace

int list_plugins(const std::filesystem::path& config_file) {
    try {
        const auto config = ops::load_daemon_config(config_file);
        const plugins::plugin_set set(config.plugins);
        std::cout << plugins::format_table(set);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "linetestd: " << e.what() << '\n';
        return 2;
    }
}

int list_dead_letters(const std::filesystem::path& config_file) {
    try {
        const auto config = ops::load_daemon_config(config_file);
        const auto store = store::sqlite_store::open(config.database);
        // Bounded so that a store with a long backlog cannot flood the terminal.
        constexpr std::size_t max_listed = 1000;
        const auto dead = store->dead_kcis(max_listed);
        std::cout << "row_id\ttest_id\tsequence\tkci_id\tattempts\tcreated_at\tlast_error\n";
        for (const auto& kci : dead) {
            std::cout << kci.row_id << '\t' << kci.test_id << '\t' << kci.sequence_number << '\t'
                      << kci.kci_id << '\t' << kci.attempts << '\t'
                      << core::format_utc(kci.created_at) << '\t' << kci.last_error << '\n';
        }
        if (dead.size() == max_listed) {
            std::cerr << "linetestd: listed the first " << max_listed
                      << " dead KCIs; resend some and list again to see the rest\n";
        }
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "linetestd: " << e.what() << '\n';
        return 2;
    }
}

int resend_dead_letter(const std::filesystem::path& config_file, std::int64_t row_id) {
    try {
        const auto config = ops::load_daemon_config(config_file);
        const auto store = store::sqlite_store::open(config.database);
        if (!store->requeue_dead(row_id)) {
            std::cerr << "linetestd: outbox row " << row_id
                      << " is not a dead KCI; run --dead-letters to list them\n";
            return 1;
        }
        std::cout << "requeued outbox row " << row_id << '\n';
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "linetestd: " << e.what() << '\n';
        return 2;
    }
}

int check_config(const std::filesystem::path& config_file) {
    try {
        const auto config = ops::load_daemon_config(config_file);
        inventory::load_inventory(config.inventory_file, config.equipment_credentials);
        const plugins::plugin_host plugins(config.plugins);
        std::cout << config_file.string() << ": valid\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "linetestd: " << e.what() << '\n';
        return 2;
    }
}

int run(const std::filesystem::path& config_file) {
    ops::daemon_config config;
    try {
        config = ops::load_daemon_config(config_file);
    } catch (const std::exception& e) {
        std::cerr << "linetestd: " << e.what() << '\n';
        return 2;
    }
    ops::setup_logging(config.logging);
    auto log = core::logger("ops");
    log->info("starting linetestd config={}", config.source.string());

    std::unique_ptr<store::sqlite_store> store;
    std::unique_ptr<plugins::plugin_host> plugins;
    std::unique_ptr<auth::authenticator> authenticator;
    try {
        store = store::sqlite_store::open(config.database);
        log->info("opened store {}", config.database.string());
        auto services = inventory::load_inventory(config.inventory_file, config.equipment_credentials);
        store->replace_services(services);
        log->info("loaded {} services from {}", services.size(), config.inventory_file.string());
        plugins = std::make_unique<plugins::plugin_host>(config.plugins);
        authenticator = std::make_unique<auth::authenticator>(
            config.auth, make_jwks_fetcher(), auth::system_clock_function{},
            auth::steady_clock_function{}, make_introspection_poster());
        log->info("authentication mode={}", auth::mode_name(config.auth.mode));
        if (const auto error = authenticator->initial_load()) {
            log->critical("cannot load the JWKS for bearer tokens: {}", *error);
            return 1;
        }
        authenticator->start();
    } catch (const core::config_error& e) {
        log->critical("invalid configuration: {}", e.what());
        return 2;
    } catch (const std::exception& e) {
        log->critical("start-up failed: {}", e.what());
        return 1;
    }

    updates::client_credentials_token_source tokens(config.updates.token_config());
    updates::dispatcher_options dispatch_options;
    dispatch_options.kcis_url = config.updates.kcis_url();
    dispatch_options.client = config.updates.client_options();
    dispatch_options.retry = config.updates.retry;
    updates::dispatcher dispatcher(*store, tokens, dispatch_options);

    const auto build_result_kci = [](const store::test_record& record, const sdk::report& report,
                                     store::clock::time_point finished_at) {
        updates::kci_header header{core::random_uuid(), record.kci_count + 1, finished_at};
        const auto body = updates::encode_result_kci(record, report, header, finished_at);
        return make_kci_record(record, header.sequence_number, body, header.id, finished_at);
    };
    executor::executor executor(config.executor, *store, *plugins, config.equipment_credentials,
                                build_result_kci, [&dispatcher] { dispatcher.notify(); });

    admission::accepted_kcis_builder accepted_kcis;
    if (config.updates.send_accepted_kci) {
        accepted_kcis = [](const store::test_record& record) {
            const auto now = store::clock::now();
            updates::kci_header header{core::random_uuid(), 1, now};
            const auto body = updates::encode_accepted_kci(record, header);
            return std::vector<store::kci_record>{
                make_kci_record(record, 1, body, header.id, now)};
        };
    }
    admission::service_tests_handler handler(admission::handler_dependencies{
        *authenticator, *store, *plugins, executor, config.equipment_credentials, accepted_kcis,
        [&dispatcher] { dispatcher.notify(); },
        [&] { return format_metrics(*store, executor, dispatcher); },
        config.supplier_reference_prefix});

    boost::asio::io_context io(static_cast<int>(config.http_threads));
    http::server server(
        io, config.server,
        [&handler, &plugins](const http::request& request, const http::peer_info& peer) {
            if (auto listing = plugins_endpoint(request, *plugins)) {
                return std::move(*listing);
            }
            return handler.handle(request, peer);
        },
        admission::make_error_responder());

    try {
        executor.recover();
        dispatcher.start();
        server.start();
    } catch (const std::exception& e) {
        log->critical("start-up failed: {}", e.what());
        executor.stop(std::chrono::seconds(1));
        dispatcher.stop();
        return 1;
    }
    handler.set_ready(true);

    // SIGHUP re-reads the TLS certificate, key and client CA files. New connections use
    // them; open ones finish on the old. A failed reload keeps the old files in use.
    // It also replaces the plugin set (see reload_plugins). Plugins load on this I/O thread,
    // so a slow plugin factory delays the requests queued behind it.
    boost::asio::signal_set reload_signals(io, SIGHUP);
    std::function<void()> wait_for_reload = [&] {
        reload_signals.async_wait([&](boost::system::error_code ec, int) {
            if (ec) {
                return;
            }
            log->info("received SIGHUP; reloading TLS files");
            (void)server.reload_tls();
            reload_plugins(config_file, *plugins);
            wait_for_reload();
        });
    };
    wait_for_reload();

    boost::asio::signal_set signals(io, SIGTERM, SIGINT);
    boost::asio::steady_timer drain_timer(io);
    const auto drain_deadline = std::make_shared<std::chrono::steady_clock::time_point>();
    std::function<void()> poll_drain = [&] {
        if (server.active_connections() == 0 || std::chrono::steady_clock::now() >= *drain_deadline) {
            if (server.active_connections() > 0) {
                log->warn("drain timeout passed with {} connections open; closing them",
                          server.active_connections());
            }
            io.stop();
            return;
        }
        drain_timer.expires_after(std::chrono::milliseconds(50));
        drain_timer.async_wait([&](boost::system::error_code) { poll_drain(); });
    };
    signals.async_wait([&](boost::system::error_code ec, int signal) {
        if (ec) {
            return;
        }
        log->info("received signal {}; draining connections for at most {} ms", signal,
                  config.drain_timeout.count());
        ops::notify_systemd("STOPPING=1");
        handler.set_ready(false);
        reload_signals.cancel();
        server.stop();
        *drain_deadline = std::chrono::steady_clock::now() + config.drain_timeout;
        poll_drain();
    });

    // Ping systemd's watchdog from the I/O loop, so a stuck loop gets the unit restarted.
    boost::asio::steady_timer watchdog_timer(io);
    std::uint64_t watchdog_usec = 0;
    std::function<void()> ping_watchdog = [&] {
        ops::notify_systemd("WATCHDOG=1");
        watchdog_timer.expires_after(std::chrono::microseconds(watchdog_usec / 2));
        watchdog_timer.async_wait([&](boost::system::error_code ec) {
            if (!ec) {
                ping_watchdog();
            }
        });
    };
    if (const char* text = std::getenv("WATCHDOG_USEC"); text != nullptr) {
        watchdog_usec = std::strtoull(text, nullptr, 10);
        if (watchdog_usec > 0) {
            ping_watchdog();
        }
    }

    ops::notify_systemd("READY=1");
    log->info("linetestd ready");

    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < config.http_threads; ++i) {
        threads.emplace_back([&io] { io.run(); });
    }
    io.run();
    for (auto& thread : threads) {
        thread.join();
    }

    log->info("listeners closed; stopping test runs and the KCI dispatcher");
    const bool workers_stopped = executor.stop(config.drain_timeout);
    dispatcher.stop();
    authenticator->stop();
    if (!workers_stopped) {
        // A plugin ignored cancellation. Its test stays RUNNING in the store and
        // resumes at the next start; leaving now avoids waiting on it forever.
        log->error("a plugin did not return after cancellation; exiting without waiting for it");
        spdlog::shutdown();
        std::_Exit(0);
    }
    log->info("linetestd stopped");
    return 0;
}

}  // namespace linetest::daemon
