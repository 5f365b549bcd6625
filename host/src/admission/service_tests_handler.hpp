#pragma once

#include "auth/authenticator.hpp"
#include "executor/executor.hpp"
#include "http/server.hpp"
#include "inventory/inventory.hpp"
#include "plugins/plugin_host.hpp"
#include "store/store.hpp"

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace linetest::admission {

/// Builds the KCIs a test owes at acceptance (none unless the daemon is
/// configured to send an acceptance KCI).
using accepted_kcis_builder = std::function<std::vector<store::kci_record>(const store::test_record&)>;

/// Readings for `GET /metrics`, supplied by the daemon.
using metrics_source = std::function<std::string()>;

struct handler_dependencies {
    auth::authenticator& authenticator;
    store::store& store;
    const plugins::plugin_host& plugins;
    executor::executor& executor;
    const inventory::credential_sets& credentials;
    accepted_kcis_builder accepted_kcis;
    std::function<void()> on_kci_written;
    metrics_source metrics;
    std::string supplier_reference_prefix;
};

/// Routes every request and implements `POST /service-tests`: authenticate,
/// parse, replay check, inventory and plugin checks, one active test per
/// service, then store the test (and any acceptance KCI) before answering 201.
///
/// Also serves `GET /health/live`, `GET /health/ready` and `GET /metrics`
/// without credentials, because they disclose no test data. Every other path
/// is 404 and another method on a known path is 405, in the error envelope.
/// Writes one log line per request with status, latency and ids.
class service_tests_handler {
public:
    explicit service_tests_handler(handler_dependencies dependencies);

    http::response handle(const http::request& request, const http::peer_info& peer);

    /// Ready means recovered and listening; cleared again when draining.
    void set_ready(bool ready) noexcept { ready_ = ready; }

    struct request_log;

private:
    http::response create_service_test(const http::request& request, request_log& log);

    handler_dependencies deps_;
    std::atomic<bool> ready_{false};
};

/// The responses the HTTP server sends by itself, in the same error envelope.
http::error_responder make_error_responder();

}  // namespace linetest::admission
