#pragma once

#include <linetest/sdk/types.hpp>
#include <string>
#include <string_view>

namespace linetest::contract {

/// Returns the compact JSON body of the 201 response to `POST /service-tests`:
/// `{supplierReference, id, serviceId, serviceSpecification: {id, name}, problemType}`.
///
/// The fields echo `request`; `supplierReference` is `request.supplier_reference` and is left
/// out when empty, as the schema marks it optional. `specification_name` comes from the
/// inventory (the request's own `name` is ignored) and is left out when empty. Bytes that are
/// not valid UTF-8 are replaced by U+FFFD, so inventory text cannot make the encoder throw.
/// The output is deterministic, so a replay built from the stored request matches the first
/// answer byte for byte.
std::string created_response_body(const sdk::service_test_request& request,
                                  std::string_view specification_name = {});

}  // namespace linetest::contract
