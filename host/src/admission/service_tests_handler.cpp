#include "admission/service_tests_handler.hpp"

#include "contract/created_response.hpp"
#include "contract/error_envelope.hpp"
#include "contract/service_test_request.hpp"
#include "core/log.hpp"
#include "core/random.hpp"

#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <chrono>

namespace linetest::admission {

namespace bhttp = boost::beast::http;

namespace {

constexpr std::size_t max_logged_header = 100;

/// Makes an untrusted header value safe for one log line: printable ASCII only, bounded.
std::string printable(std::string_view value) {
    std::string out;
    for (char c : value.substr(0, max_logged_header)) {
        out.push_back(c >= 0x21 && c <= 0x7e ? c : '?');
    }
    if (value.size() > max_logged_header) {
        out.append("...");
    }
    return out.empty() ? "-" : out;
}

std::optional<std::string_view> header_value(const http::request& request, std::string_view name) {
    const auto found = request.find(name);
    if (found == request.end()) {
        return std::nullopt;
    }
    return std::string_view(found->value().data(), found->value().size());
}

http::response json_response(bhttp::status status, std::string body) {
    http::response response{status, 11};
    response.set(bhttp::field::content_type, "application/json");
    response.body() = std::move(body);
    return response;
}

http::response to_response(const contract::error_reply& reply) {
    return json_response(static_cast<bhttp::status>(reply.status), reply.body);
}

bool is_json_content_type(std::string_view value) {
    const auto semicolon = value.find(';');
    auto media_type = value.substr(0, semicolon);
    while (!media_type.empty() && media_type.back() == ' ') {
        media_type.remove_suffix(1);
    }
    return boost::beast::iequals(media_type, "application/json");
}

std::string characteristics_json(const sdk::service_test_request& request) {
    auto array = nlohmann::json::array();
    for (const auto& item : request.characteristics) {
        array.push_back({{"name", item.name}, {"value", item.value}});
    }
    return array.dump();
}

}  // namespace

struct service_tests_handler::request_log {
    std::string request_id = "-";
    std::string conversation_id = "-";
    std::string tenant = "-";
    std::string identity = "-";
    std::int64_t test_id = 0;
    std::string supplier_reference = "-";
    /// Names of the verified client certificate, for the mtls mode; not logged here.
    std::vector<std::string> client_identities;

    std::string fields() const {
        return fmt::format("request_id={} conversation_id={} tenant={}", request_id,
                           conversation_id, tenant);
    }

    /// Builds the error response for `kind` from the error table and logs its uuid with the ids.
    http::response reject(contract::failure_kind kind, std::vector<std::string> messages,
                          std::string_view detail) const {
        const auto reply = contract::make_error_reply(kind, std::move(messages));
        contract::log_error_reply(reply, detail, request_id, conversation_id);
        return to_response(reply);
    }
};

service_tests_handler::service_tests_handler(handler_dependencies dependencies)
    : deps_(std::move(dependencies)) {}

http::response service_tests_handler::handle(const http::request& request,
                                             const http::peer_info& peer) {
    const auto started = std::chrono::steady_clock::now();
    request_log log;
    log.request_id = printable(header_value(request, "X-Request-ID").value_or(""));
    log.conversation_id = printable(header_value(request, "X-Conversation-ID").value_or(""));
    log.tenant = printable(header_value(request, "Tenant").value_or(""));
    log.client_identities = peer.client_identities;

    const std::string_view target(request.target().data(), request.target().size());
    const auto path = target.substr(0, target.find('?'));
    http::response response;
    if (path == "/service-tests") {
        if (request.method() == bhttp::verb::post) {
            response = create_service_test(request, log);
        } else {
            response = log.reject(contract::failure_kind::method_not_allowed,
                                  {"Use POST on /service-tests"}, "method not allowed");
            response.set(bhttp::field::allow, "POST");
        }
    } else if (path == "/health/live" || path == "/health/ready" || path == "/metrics") {
        if (request.method() != bhttp::verb::get) {
            response = log.reject(contract::failure_kind::method_not_allowed,
                                  {"Use GET on " + std::string(path)}, "method not allowed");
            response.set(bhttp::field::allow, "GET");
        } else if (path == "/health/live") {
            response = json_response(bhttp::status::ok, R"({"status":"live"})");
        } else if (path == "/health/ready") {
            response = ready_ ? json_response(bhttp::status::ok, R"({"status":"ready"})")
                              : json_response(bhttp::status::service_unavailable,
                                              R"({"status":"not ready"})");
        } else {
            response = http::response{bhttp::status::ok, 11};
            response.set(bhttp::field::content_type, "text/plain; version=0.0.4");
            response.body() = deps_.metrics ? deps_.metrics() : std::string();
        }
    } else {
        response = log.reject(contract::failure_kind::not_found,
                              {"No resource at " + printable(path) +
                               "; the supplier API serves POST /service-tests"},
                              "unknown path");
    }

    const auto latency = std::chrono::duration<double, std::milli>(
        std::chrono::steady_clock::now() - started);
    const bool probe = path != "/service-tests" && response.result_int() < 400;
    core::logger("admission")
        ->log(probe ? spdlog::level::debug : spdlog::level::info,
              "{} {} status={} latency_ms={:.1f} {} test_id={} supplier_reference={} "
              "client={} remote={} connection_id={}",
              std::string(request.method_string()), printable(path), response.result_int(),
              latency.count(), log.fields(), log.test_id, log.supplier_reference, log.identity,
              peer.remote_address, peer.connection_id);
    return response;
}

http::response service_tests_handler::create_service_test(const http::request& request,
                                                          request_log& log) {
    using contract::failure_kind;

    const auto content_type = header_value(request, "Content-Type");
    if (!content_type || !is_json_content_type(*content_type)) {
        return log.reject(failure_kind::unsupported_media_type,
                          {"Content-Type must be application/json"},
                          "content type " + printable(content_type.value_or("")));
    }

    // Two Authorization fields leave it open which one a proxy or this server checks.
    if (request.count(bhttp::field::authorization) > 1) {
        return log.reject(failure_kind::not_authorised, {}, "more than one Authorization header");
    }
    const auto decision = deps_.authenticator.authenticate(
        header_value(request, "Authorization").value_or(""),
        header_value(request, "Tenant").value_or(""), log.fields(), log.client_identities);
    if (!decision.identity.empty()) {
        log.identity = printable(decision.identity);
    }
    if (decision.result == auth::auth_decision::outcome::forbidden) {
        return log.reject(failure_kind::forbidden, {"The caller may not act for this tenant"},
                          "client " + log.identity + " is not permitted for the tenant");
    }
    if (!decision.allowed()) {
        return log.reject(failure_kind::not_authorised, {}, "credentials rejected");
    }

    contract::request_headers headers;
    headers.request_id = header_value(request, "X-Request-ID");
    headers.conversation_id = header_value(request, "X-Conversation-ID");
    headers.tenant = header_value(request, "Tenant");
    auto parsed = contract::parse_service_test_request(request.body(), headers);
    if (!parsed.ok()) {
        return log.reject(failure_kind::malformed_request, parsed.problems, "invalid request");
    }
    auto& test = parsed.value->request;
    log.test_id = test.id;
    const auto fingerprint = contract::fingerprint(test);

    try {
        // A replay of an accepted request gets the same 201. Another request
        // reusing the id is rejected rather than silently merged.
        const auto replay = [&](const store::test_record& stored) -> http::response {
            log.supplier_reference = stored.supplier_reference;
            if (stored.fingerprint != fingerprint || stored.tenant != test.tenant) {
                return log.reject(failure_kind::invalid_request,
                                  {"Service test id " + std::to_string(test.id) +
                                   " was already used for a different request"},
                                  "id reused with a different body");
            }
            auto original = test;
            original.supplier_reference = stored.supplier_reference;
            return json_response(
                bhttp::status::created,
                contract::created_response_body(original, stored.specification_name));
        };
        if (const auto stored = deps_.store.find_test(test.id)) {
            return replay(*stored);
        }

        // Another tenant's service is reported exactly like an unknown one, so a
        // caller cannot probe which service ids exist.
        const auto service = deps_.store.find_service(test.service_id);
        if (!service || service->tenant != test.tenant) {
            return log.reject(failure_kind::invalid_request,
                              {"Service " + test.service_id + " is not a service we provide"},
                              service ? "service belongs to another tenant" : "unknown service");
        }
        if (!service->active) {
            return log.reject(failure_kind::invalid_request,
                              {"Service " + test.service_id + " is not active on our network"},
                              "inactive service");
        }
        if (service->specification_id != test.specification_id) {
            return log.reject(failure_kind::invalid_request,
                              {"Service " + test.service_id +
                               " does not have serviceSpecification.id " + test.specification_id},
                              "specification mismatch, inventory has " + service->specification_id);
        }
        const auto instance = deps_.plugins.route(test.specification_id);
        if (!instance) {
            return log.reject(failure_kind::invalid_request,
                              {"Service tests are not available for serviceSpecification.id " +
                               test.specification_id},
                              "no plugin routed for the specification");
        }
        const auto target = inventory::resolve_target(*service, deps_.credentials);
        std::vector<std::string> reasons;
        try {
            reasons = instance->plugin().validate(test, target);
        } catch (const std::exception& e) {
            return log.reject(failure_kind::invalid_request,
                              {"Service " + test.service_id + " cannot be tested at the moment"},
                              "plugin " + instance->config().name + " threw in validate: " +
                                  e.what());
        }
        if (!reasons.empty()) {
            return log.reject(failure_kind::invalid_request, reasons,
                              "plugin " + instance->config().name + " rejected the request");
        }
        const auto service_busy = [&](const store::test_record& active) {
            return log.reject(failure_kind::invalid_request,
                              {"A service test is already running for service " +
                               test.service_id},
                              "active test_id=" + std::to_string(active.id));
        };
        if (const auto active = deps_.store.find_active_test(test.service_id)) {
            return service_busy(*active);
        }
        if (!deps_.executor.has_capacity()) {
            return log.reject(failure_kind::unavailable, {}, "executor queue is full");
        }

        store::test_record record;
        record.id = test.id;
        record.supplier_reference =
            deps_.supplier_reference_prefix + "-" + core::random_reference_text(10);
        record.tenant = test.tenant;
        record.request_id = parsed.value->request_id;
        record.conversation_id = parsed.value->conversation_id;
        record.service_id = test.service_id;
        record.specification_id = test.specification_id;
        record.specification_name = service->specification_name;
        record.problem_type = test.problem_type;
        record.characteristics_json = characteristics_json(test);
        record.fingerprint = fingerprint;
        record.plugin = instance->config().name;
        record.accepted_at = store::clock::now();
        record.updated_at = record.accepted_at;
        const auto kcis = deps_.accepted_kcis ? deps_.accepted_kcis(record)
                                              : std::vector<store::kci_record>{};
        record.kci_count = static_cast<int>(kcis.size());

        // Store first, respond second: once the 201 leaves, the test survives a crash.
        const auto inserted = deps_.store.insert_test(record, kcis);
        if (inserted.status == store::store::insert_status::duplicate) {
            return replay(inserted.record);
        }
        if (inserted.status == store::store::insert_status::service_busy) {
            // Another request for the service was stored between the check above and this insert.
            return service_busy(inserted.record);
        }
        log.supplier_reference = record.supplier_reference;
        if (!kcis.empty() && deps_.on_kci_written) {
            deps_.on_kci_written();
        }
        if (!deps_.executor.submit(record.id)) {
            core::logger("admission")
                ->warn("executor is stopping; the accepted test runs after the next start "
                       "test_id={} {}",
                       record.id, log.fields());
        }
        test.supplier_reference = record.supplier_reference;
        return json_response(bhttp::status::created,
                             contract::created_response_body(test, record.specification_name));
    } catch (const store::store_error& e) {
        return log.reject(failure_kind::unavailable, {}, std::string("store failed: ") + e.what());
    }
}

http::error_responder make_error_responder() {
    http::error_responder responder;
    responder.malformed = [](const http::framing_failure& failure) {
        const auto reply =
            contract::make_error_reply(contract::failure_kind::malformed_request, {failure.message});
        contract::log_error_reply(reply, failure.message, "-", "-");
        return to_response(reply);
    };
    responder.overloaded = [] {
        const auto reply = contract::make_error_reply(contract::failure_kind::unavailable);
        contract::log_error_reply(reply, "connection cap reached", "-", "-");
        return to_response(reply);
    };
    responder.internal_error = [] {
        const auto reply = contract::make_error_reply(contract::failure_kind::internal);
        contract::log_error_reply(reply, "request handler threw", "-", "-");
        return to_response(reply);
    };
    return responder;
}

}  // namespace linetest::admission
