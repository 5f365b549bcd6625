#pragma once

#include <cstddef>
#include <cstdint>
#include <linetest/sdk/types.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linetest::contract {

/// The three correlation headers of `POST /service-tests`, as the HTTP layer found them.
/// `std::nullopt` means the header was absent, and an empty view means present but empty.
struct request_headers {
    std::optional<std::string_view> request_id;       ///< `X-Request-ID`
    std::optional<std::string_view> conversation_id;  ///< `X-Conversation-ID`
    std::optional<std::string_view> tenant;           ///< `Tenant`
};

/// A request that passed every check of `parse_service_test_request`.
struct parsed_service_test {
    /// Request with `tenant` filled from the `Tenant` header. `supplier_reference` is empty,
    /// because admission allocates it.
    sdk::service_test_request request;
    std::string request_id;
    std::string conversation_id;
};

/// Either a parsed request or every problem found, never both.
struct parse_result {
    std::optional<parsed_service_test> value;
    /// One tenant-safe sentence per problem, in the order: headers, body syntax, fields in
    /// document order. The gateway relays these to the tenant, so they name the field and
    /// the rule and echo at most a short, escaped excerpt of the offending value.
    std::vector<std::string> problems;

    bool ok() const noexcept { return value.has_value(); }
};

/// Limits that guard the parser itself rather than the contract's field rules.
struct parse_limits {
    /// Deepest nesting of objects and arrays accepted, counting the top-level object as 1.
    /// A valid request nests 3 deep, so anything near this limit is hostile or broken.
    std::size_t max_depth = 32;
    /// Number of problems listed before the rest are summarised in one closing message, so
    /// a body with hundreds of bad entries cannot inflate the error response.
    std::size_t max_problems = 20;
};

/// Largest `id` accepted: 2^53 - 1, the largest integer that an IEEE double keeps exactly.
/// Many JSON parsers read every number as a double, so larger ids could change in transit.
inline constexpr std::int64_t max_test_id = (std::int64_t{1} << 53) - 1;

/// Parses and validates a `POST /service-tests` body and its correlation headers.
///
/// Every failure here is a malformed request (400 `MALFORMED_REQUEST`): bad or missing
/// headers, invalid UTF-8, JSON syntax, nesting deeper than `limits.max_depth`, duplicate
/// keys in any object, wrong types, out-of-range values and `problemType` outside its enum.
/// Business checks that need the inventory or a plugin (422) happen later, in admission.
///
/// Unknown fields are ignored, as is `serviceSpecification.name`. `characteristics` is not
/// in the published Supplier API request but is accepted when present, because the gateway
/// may map the tenant's characteristics onto supplier calls. A JSON `null` for an optional
/// field counts as absent, since generated clients often send nulls for unset fields.
///
/// Does not throw for any input. Only `std::bad_alloc` can escape.
parse_result parse_service_test_request(std::string_view body,
                                        const request_headers& headers,
                                        const parse_limits& limits = {});

/// Returns a canonical text of the fields that define the requested test: `id`, `serviceId`,
/// `serviceSpecification.id`, `problemType` and the characteristics in order.
///
/// Two requests have the same fingerprint exactly when those fields are equal, so admission
/// can tell a replay of an accepted request (respond with the same 201) from a different
/// request that reuses an `id` (reject). Tenant, headers, supplier reference and ignored
/// fields are not part of it, because which caller may replay is admission's decision. The text is
/// compact JSON and stable across releases; it may be stored and compared later.
std::string fingerprint(const sdk::service_test_request& request);

}  // namespace linetest::contract
