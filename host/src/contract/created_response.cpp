#include "contract/created_response.hpp"

#include <nlohmann/json.hpp>

namespace linetest::contract {

std::string created_response_body(const sdk::service_test_request& request,
                                  std::string_view specification_name) {
    // ordered_json keeps the documented field order, which makes replays and logs easy to
    // compare by eye.
    nlohmann::ordered_json body = nlohmann::ordered_json::object();
    if (!request.supplier_reference.empty()) {
        body["supplierReference"] = request.supplier_reference;
    }
    body["id"] = request.id;
    body["serviceId"] = request.service_id;
    nlohmann::ordered_json specification = {{"id", request.specification_id}};
    if (!specification_name.empty()) {
        specification["name"] = std::string(specification_name);
    }
    body["serviceSpecification"] = std::move(specification);
    body["problemType"] = request.problem_type;
    return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace linetest::contract
