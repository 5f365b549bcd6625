#include "contract/error_envelope.hpp"

#include <array>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/log.hpp"
#include "core/random.hpp"

namespace linetest::contract {
namespace {

using spdlog::level::level_enum;

// Log levels: debug for what scanners cause (unknown paths and methods), info for responses
// that are normal operation or the caller's own fault, warn for signs of a contract mismatch
// with the gateway or of our own degradation, error for our bugs.
constexpr std::array<failure_info, 11> table = {{
    {400, "MALFORMED_REQUEST", level_enum::warn, false, true, "The request is malformed"},
    {401, "NOT_AUTHORISED", level_enum::info, false, true,
     "The request carries no valid credentials"},
    {403, "NOT_AUTHORISED", level_enum::warn, false, true,
     "The caller may not request service tests for this tenant"},
    {422, "INVALID_REQUEST", level_enum::info, false, true, "The service test was refused"},
    {404, "NOT_FOUND", level_enum::debug, false, true, "No such resource"},
    {405, "MALFORMED_REQUEST", level_enum::debug, false, true,
     "This method is not allowed on this resource"},
    {400, "MALFORMED_REQUEST", level_enum::info, false, true,
     "Content-Type must be application/json"},
    {400, "MALFORMED_REQUEST", level_enum::info, false, true,
     "The request body is larger than this service accepts"},
    {501, "NOT_IMPLEMENTED", level_enum::info, false, true,
     "This service test is not offered by the supplier"},
    {503, "SUPPLIER_FAULT", level_enum::warn, true, false,
     "The service test system is temporarily unavailable; try again later"},
    {500, "SUPPLIER_FAULT", level_enum::err, true, false,
     "The service test system failed unexpectedly; quote this error's uuid to the supplier"},
}};

constexpr std::size_t row_index(failure_kind kind) noexcept {
    const auto value = static_cast<std::size_t>(kind);
    if (value < 1 || value > table.size()) {
        return static_cast<std::size_t>(failure_kind::internal) - 1;
    }
    return value - 1;
}

}  // namespace

const failure_info& describe(failure_kind kind) noexcept { return table[row_index(kind)]; }

error_reply make_error_reply(failure_kind kind, std::vector<std::string> messages) {
    const failure_info& row = describe(kind);
    if (!row.messages_public || messages.empty()) {
        messages = {std::string(row.fixed_message)};
    }
    error_reply reply;
    reply.kind = static_cast<failure_kind>(row_index(kind) + 1);
    reply.status = row.status;
    reply.code = std::string(row.code);
    reply.uuid = core::random_uuid();
    const nlohmann::json body = {
        {"uuid", reply.uuid}, {"code", reply.code}, {"messages", messages}};
    reply.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    // Keep `messages` equal to what the body contains, after any replacement of invalid bytes.
    reply.messages =
        nlohmann::json::parse(reply.body).at("messages").get<std::vector<std::string>>();
    return reply;
}

void log_error_reply(const error_reply& reply,
                     std::string_view detail,
                     std::string_view request_id,
                     std::string_view conversation_id) {
    core::logger("contract")
        ->log(describe(reply.kind).log_level,
              "answered {} {}: {} uuid={} request_id={} conversation_id={}", reply.status,
              reply.code, detail, reply.uuid, request_id, conversation_id);
}

}  // namespace linetest::contract
