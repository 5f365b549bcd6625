#pragma once

#include <spdlog/common.h>

#include <string>
#include <string_view>
#include <vector>

namespace linetest::contract {

/// Kind of failure of a call to the daemon, independent of HTTP.
///
/// Handlers name the kind and `describe` looks up status, code, log level and retry advice
/// in one table, so the mapping changes in one place once the gateway's supplier-side enum
/// is confirmed. There is no zero enumerator, and a value-initialised kind maps to `internal`.
enum class failure_kind {
    malformed_request = 1,   ///< Headers, JSON or field rules broken (the parser's problems).
    not_authorised,          ///< No, invalid or expired credentials.
    forbidden,               ///< Valid credentials that may not act for the named tenant.
    invalid_request,         ///< Well formed but refused: the test rejection path.
    not_found,               ///< No such path.
    method_not_allowed,      ///< Known path, other method. The caller adds an `Allow` header.
    unsupported_media_type,  ///< Content-Type other than application/json.
    payload_too_large,       ///< Body above the configured size limit.
    not_implemented,         ///< A specification the supplier never offers.
    unavailable,             ///< Store down, queue full or draining: try again later.
    internal,                ///< A bug or unexpected failure; details go to the log only.
};

/// One row of the error table.
struct failure_info {
    unsigned status;        ///< HTTP status.
    std::string_view code;  ///< Envelope `code`.
    spdlog::level::level_enum log_level;
    /// True when sending the same request again, unchanged, may succeed later. The gateway
    /// does not retry `POST /service-tests` itself, so this guides operators and tests.
    bool retryable;
    /// False when the body must not carry the caller's messages, because they may contain
    /// internal details. The body then carries `fixed_message`.
    bool messages_public;
    std::string_view fixed_message;  ///< Sent when the caller gives no message.
};

/// Returns the table row for `kind`.
///
/// NOTE: the Supplier API does not publish its error enum for `POST /service-tests`. The
/// codes follow the enum of the gateway's other APIs (MALFORMED_REQUEST, NOT_AUTHORISED,
/// INVALID_REQUEST, NOT_FOUND, NOT_IMPLEMENTED, SUPPLIER_FAULT) and the status list the
/// operation documents (201, 400, 401, 403, 422, 500, 501, 503). Our choices beyond that:
/// - 403 carries NOT_AUTHORISED.
/// - Content-Type and body-size problems get 400 MALFORMED_REQUEST, because the gateway may
///   treat a status the operation does not list (413, 415) as an unexpected response.
/// - 405 keeps its status, with code MALFORMED_REQUEST, because only requests the gateway
///   never sends (another method) can get it.
const failure_info& describe(failure_kind kind) noexcept;

/// A complete error response.
struct error_reply {
    failure_kind kind;
    unsigned status;
    std::string code;
    std::string uuid;  ///< Fresh random UUID, also in `body`; log it with the request ids.
    std::vector<std::string> messages;  ///< What `body` carries.
    std::string body;  ///< `{"uuid": ..., "code": ..., "messages": [...]}`, compact JSON.
};

/// Builds the error response for `kind`.
///
/// `messages` must be tenant-safe, because the gateway relays them to the tenant. They are dropped
/// for kinds whose row has `messages_public == false`, and replaced by the row's fixed
/// message when empty. Bytes that are not valid UTF-8 are replaced by U+FFFD, so a message
/// echoing plugin or inventory text cannot make the encoder throw.
/// Throws `std::runtime_error` only when the random source for the uuid fails.
error_reply make_error_reply(failure_kind kind, std::vector<std::string> messages = {});

/// Logs `reply` through the `contract` logger at the level of its table row, with the
/// envelope uuid and the correlation ids as trailing fields. `detail` is the reason for the
/// operator and must not contain a credential. The body's messages are not repeated.
void log_error_reply(const error_reply& reply,
                     std::string_view detail,
                     std::string_view request_id,
                     std::string_view conversation_id);

}  // namespace linetest::contract
