#include "updates/kci_encoder.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <regex>
#include <utility>

#include "core/time.hpp"

namespace linetest::updates {

namespace {

using nlohmann::json;

struct code_mapping {
    std::string_view diagnostic;
    std::string_view gateway;
    bool known_gateway_code;  ///< The gateway code appears in its published outcome table.
};

// NOTE: the gateway publishes only part of its outcome code table, and
// KNOWN_INCIDENT is the one code of ours found in it. Every other code is sent
// unchanged as both `code` and `supplierCodes` until the gateway confirms an
// equivalent. SERVICE_OK in particular should become the gateway's GREEN code.
constexpr std::array code_table{
    code_mapping{"KNOWN_INCIDENT", "KNOWN_INCIDENT", true},
    code_mapping{"SERVICE_OK", "SERVICE_OK", false},
    code_mapping{"CPE_POWERED_OFF", "CPE_POWERED_OFF", false},
    code_mapping{"NO_SYNC_LOS", "NO_SYNC_LOS", false},
    code_mapping{"PROVISIONING_FAULT", "PROVISIONING_FAULT", false},
    code_mapping{"NO_CPE_DETECTED", "NO_CPE_DETECTED", false},
    code_mapping{"OPTICAL_RX_LOW", "OPTICAL_RX_LOW", false},
    code_mapping{"OPTICAL_RX_HIGH", "OPTICAL_RX_HIGH", false},
    code_mapping{"OPTICAL_TX_FAULT", "OPTICAL_TX_FAULT", false},
    code_mapping{"HIGH_ERROR_RATE", "HIGH_ERROR_RATE", false},
    code_mapping{"LINE_UNSTABLE", "LINE_UNSTABLE", false},
    code_mapping{"RATE_BELOW_PRODUCT", "RATE_BELOW_PRODUCT", false},
    code_mapping{"OPTICAL_MARGINAL", "OPTICAL_MARGINAL", false},
    code_mapping{"MARGIN_LOW", "MARGIN_LOW", false},
    code_mapping{"ERRORS_ELEVATED", "ERRORS_ELEVATED", false},
    code_mapping{"RECENT_RESYNC", "RECENT_RESYNC", false},
    code_mapping{"EQUIPMENT_UNREACHABLE", "EQUIPMENT_UNREACHABLE", false},
    code_mapping{"INVENTORY_MISMATCH", "INVENTORY_MISMATCH", false},
    code_mapping{"TEST_TIMED_OUT", "TEST_TIMED_OUT", false},
    code_mapping{"PLUGIN_FAILED", "PLUGIN_FAILED", false},
};

const code_mapping* find_mapping(std::string_view diagnostic_code) {
    const auto it = std::find_if(code_table.begin(), code_table.end(), [&](const code_mapping& m) {
        return m.diagnostic == diagnostic_code;
    });
    return it == code_table.end() ? nullptr : &*it;
}

json service_test_entity(const store::test_record& test, std::string_view status) {
    json entity = {
        {"id", test.id},
        {"supplierReference", test.supplier_reference},
        {"status", status},
        {"serviceId", test.service_id},
    };
    json specification = {{"id", test.specification_id}};
    if (!test.specification_name.empty()) {
        specification["name"] = test.specification_name;
    }
    entity["serviceSpecification"] = std::move(specification);
    entity["problemType"] = test.problem_type;
    if (!test.characteristics_json.empty()) {
        json characteristics = json::parse(test.characteristics_json, nullptr, false);
        if (characteristics.is_discarded() || !characteristics.is_array()) {
            throw std::invalid_argument("test " + std::to_string(test.id) +
                                        ": stored characteristics are not a JSON array");
        }
        if (!characteristics.empty()) {
            entity["characteristics"] = std::move(characteristics);
        }
    }
    return entity;
}

json envelope(const kci_header& header, std::string_view reason_code) {
    if (header.id.empty() || header.sequence_number < 1) {
        throw std::invalid_argument("KCI needs an id and a sequence number from 1, got id '" +
                                    header.id + "' and " + std::to_string(header.sequence_number));
    }
    return json{
        {"id", header.id},
        {"sequenceNumber", header.sequence_number},
        {"issuedOn", core::format_utc(header.issued_on)},
        {"reasonCode", reason_code},
    };
}

bool is_uuid(const std::string& text) {
    static const std::regex pattern(
        "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
    return std::regex_match(text, pattern);
}

class checker {
public:
    explicit checker(std::vector<std::string>& problems)
        : problems_(problems) {}

    const json* field(const json& object,
                      const std::string& path,
                      const std::string& key,
                      bool required) {
        const auto it = object.find(key);
        if (it == object.end()) {
            if (required) {
                problems_.push_back(path + key + ": is required");
            }
            return nullptr;
        }
        return &*it;
    }

    const std::string* string(const json& object,
                              const std::string& path,
                              const std::string& key,
                              bool required) {
        const json* value = field(object, path, key, required);
        if (value == nullptr) {
            return nullptr;
        }
        if (!value->is_string()) {
            problems_.push_back(path + key + ": must be a string");
            return nullptr;
        }
        return &value->get_ref<const std::string&>();
    }

    void one_of(const json& object,
                const std::string& path,
                const std::string& key,
                std::initializer_list<std::string_view> allowed,
                bool required) {
        const std::string* value = string(object, path, key, required);
        if (value != nullptr &&
            std::find(allowed.begin(), allowed.end(), *value) == allowed.end()) {
            problems_.push_back(path + key + ": unexpected value '" + *value + "'");
        }
    }

    void date_time(const json& object,
                   const std::string& path,
                   const std::string& key,
                   bool required) {
        const std::string* value = string(object, path, key, required);
        if (value != nullptr && !core::parse_utc(*value)) {
            problems_.push_back(path + key + ": must be an RFC 3339 UTC time, got '" + *value +
                                "'");
        }
    }

    void string_array(const json& object, const std::string& path, const std::string& key) {
        const json* value = field(object, path, key, false);
        if (value == nullptr) {
            return;
        }
        if (!value->is_array() || !std::all_of(value->begin(), value->end(),
                                               [](const json& v) { return v.is_string(); })) {
            problems_.push_back(path + key + ": must be an array of strings");
        }
    }

    void add(std::string problem) { problems_.push_back(std::move(problem)); }

private:
    std::vector<std::string>& problems_;
};

void validate_result(checker& check, const json& result) {
    const std::string path = "serviceTest.result.";
    check.date_time(result, path, "testValidity", true);

    const auto measures = result.find("testMeasures");
    if (measures == result.end() || !measures->is_array()) {
        check.add(path + "testMeasures: must be an array");
    } else {
        for (std::size_t i = 0; i < measures->size(); ++i) {
            const json& measure = (*measures)[i];
            const std::string item = path + "testMeasures[" + std::to_string(i) + "].";
            if (!measure.is_object()) {
                check.add(item.substr(0, item.size() - 1) + ": must be an object");
                continue;
            }
            check.string(measure, item, "metricName", true);
            check.date_time(measure, item, "captureDateTime", true);
            check.string(measure, item, "metricValue", true);
            check.string(measure, item, "unitOfMeasure", false);
            const auto violation = measure.find("ruleViolation");
            if (violation == measure.end() || !violation->is_boolean()) {
                check.add(item + "ruleViolation: must be a boolean");
            }
            check.string(measure, item, "ruleSeverity", false);
        }
    }

    const auto outcome = result.find("testOutcome");
    if (outcome == result.end() || !outcome->is_object()) {
        check.add(path + "testOutcome: must be an object");
        return;
    }
    const std::string outcome_path = path + "testOutcome.";
    check.one_of(*outcome, outcome_path, "testResult",
                 {"GREEN", "AMBER", "RED", "FAILED", "UNAVAILABLE"}, true);
    const std::string* code = check.string(*outcome, outcome_path, "code", true);
    if (code != nullptr && code->empty()) {
        check.add(outcome_path + "code: must not be empty");
    }
    check.string(*outcome, outcome_path, "description", true);
    check.string_array(*outcome, outcome_path, "supplierCodes");
    check.string(*outcome, outcome_path, "supplierText", false);
}

void validate_service_test(checker& check, const json& entity) {
    const std::string path = "serviceTest.";
    const auto id = entity.find("id");
    if (id == entity.end() || !id->is_number_integer() || id->get<std::int64_t>() < 1) {
        check.add(path + "id: must be an integer from 1");
    }
    const std::string* reference = check.string(entity, path, "supplierReference", true);
    if (reference != nullptr && reference->empty()) {
        check.add(path + "supplierReference: must not be empty");
    }
    check.one_of(entity, path, "status", {"IN_PROGRESS", "COMPLETED", "REJECTED"}, true);
    check.string(entity, path, "serviceId", true);
    check.string(entity, path, "problemType", true);

    const auto specification = entity.find("serviceSpecification");
    if (specification == entity.end() || !specification->is_object()) {
        check.add(path + "serviceSpecification: must be an object");
    } else {
        check.string(*specification, path + "serviceSpecification.", "id", true);
        check.string(*specification, path + "serviceSpecification.", "name", false);
    }
    if (const auto characteristics = entity.find("characteristics");
        characteristics != entity.end()) {
        const bool valid =
            characteristics->is_array() &&
            std::all_of(characteristics->begin(), characteristics->end(), [](const json& c) {
                return c.is_object() && c.contains("name") && c["name"].is_string() &&
                       c.contains("value") && c["value"].is_string();
            });
        if (!valid) {
            check.add(path + "characteristics: must be an array of {name, value} strings");
        }
    }

    const auto result = entity.find("result");
    const bool completed = entity.value("status", "") == "COMPLETED";
    if (completed && (result == entity.end() || !result->is_object())) {
        check.add(path + "result: is required when status is COMPLETED");
    } else if (!completed && result != entity.end()) {
        check.add(path + "result: must be absent unless status is COMPLETED");
    } else if (completed) {
        validate_result(check, *result);
    }
}

}  // namespace

std::string gateway_outcome_code(std::string_view diagnostic_code) {
    const code_mapping* mapping = find_mapping(diagnostic_code);
    return std::string(mapping != nullptr ? mapping->gateway : diagnostic_code);
}

bool has_known_gateway_code(std::string_view diagnostic_code) {
    const code_mapping* mapping = find_mapping(diagnostic_code);
    return mapping != nullptr && mapping->known_gateway_code;
}

nlohmann::json encode_result(const sdk::report& report, clock::time_point completed_at) {
    if (report.result == sdk::test_result::invalid) {
        throw std::invalid_argument(
            "report has no test result; the host must turn a report "
            "without one into FAILED before encoding it");
    }
    if (report.code.empty()) {
        throw std::invalid_argument(
            "report has no diagnostic code; the host must set one "
            "(PLUGIN_FAILED for a bad report) before encoding it");
    }
    json measures = json::array();
    for (const auto& measurement : report.measurements) {
        // A reading without its own time was taken during the test, so the completion
        // time is the closest honest value.
        const auto captured =
            measurement.captured_at == clock::time_point{} ? completed_at : measurement.captured_at;
        json measure = {
            {"metricName", measurement.name},
            {"captureDateTime", core::format_utc(captured)},
            {"metricValue", measurement.value},
        };
        if (!measurement.unit.empty()) {
            measure["unitOfMeasure"] = measurement.unit;
        }
        measure["ruleViolation"] = measurement.rule_violation;
        if (measurement.rule_violation && !measurement.rule_severity.empty()) {
            measure["ruleSeverity"] = measurement.rule_severity;
        }
        measures.push_back(std::move(measure));
    }
    json outcome = {
        {"testResult", sdk::to_string(report.result)},
        {"code", gateway_outcome_code(report.code)},
        {"description", report.description},
        {"supplierCodes", json::array({report.code})},
    };
    if (!report.supplier_text.empty()) {
        outcome["supplierText"] = report.supplier_text;
    }
    // NOTE: testValidity = completion + 2 hours is inferred, because the gateway lets
    // an outcome permit a service problem for 2 hours. No field definition gives the value.
    return json{
        {"testValidity", core::format_utc(completed_at + test_validity_window)},
        {"testMeasures", std::move(measures)},
        {"testOutcome", std::move(outcome)},
    };
}

std::string encode_result_kci(const store::test_record& test,
                              const sdk::report& report,
                              const kci_header& header,
                              clock::time_point completed_at) {
    return encode_result_kci(test, encode_result(report, completed_at), header);
}

std::string encode_result_kci(const store::test_record& test,
                              const nlohmann::json& result,
                              const kci_header& header) {
    // NOTE: the entity property `serviceTest`, reasonCode UPDATE and status COMPLETED
    // are inferred from the gateway's tenant-facing ServiceTest schema and its
    // reasonCode descriptions. A test that could not run is also COMPLETED, and its
    // testResult (FAILED or UNAVAILABLE) gives the reason.
    json body = envelope(header, "UPDATE");
    const auto outcome = result.find("testOutcome");
    if (outcome != result.end() && outcome->contains("supplierCodes")) {
        body["supplierCodes"] = (*outcome)["supplierCodes"];
    }
    json entity = service_test_entity(test, "COMPLETED");
    entity["result"] = result;
    body["serviceTest"] = std::move(entity);
    return body.dump();
}

std::string encode_accepted_kci(const store::test_record& test, const kci_header& header) {
    // NOTE: COMMITTED is the reasonCode the gateway ties to status IN_PROGRESS; whether
    // it accepts a supplier KCI for an accepted test at all is not documented, so the
    // daemon sends this one only when configured to.
    json body = envelope(header, "COMMITTED");
    body["serviceTest"] = service_test_entity(test, "IN_PROGRESS");
    return body.dump();
}

std::vector<std::string> validate_kci(const nlohmann::json& body) {
    std::vector<std::string> problems;
    checker check(problems);
    if (!body.is_object()) {
        problems.push_back("body: must be a JSON object");
        return problems;
    }
    const std::string* id = check.string(body, "", "id", true);
    if (id != nullptr && !is_uuid(*id)) {
        problems.push_back("id: must be a UUID, got '" + *id + "'");
    }
    const auto sequence = body.find("sequenceNumber");
    // Capped at INT_MAX because decode_kci and kci_record hold it in an int.
    if (sequence == body.end() || !sequence->is_number_integer() ||
        sequence->get<std::int64_t>() < 1 ||
        sequence->get<std::int64_t>() > std::numeric_limits<int>::max()) {
        problems.push_back("sequenceNumber: must be an integer from 1 to " +
                           std::to_string(std::numeric_limits<int>::max()));
    }
    check.date_time(body, "", "issuedOn", true);
    check.one_of(body, "", "reasonCode", {"COMMITTED", "UPDATE"}, true);
    check.string_array(body, "", "supplierCodes");
    const auto entity = body.find("serviceTest");
    if (entity == body.end() || !entity->is_object()) {
        problems.push_back("serviceTest: must be an object");
    } else {
        validate_service_test(check, *entity);
    }
    return problems;
}

decoded_kci decode_kci(std::string_view text) {
    json body = json::parse(text, nullptr, false);
    if (body.is_discarded()) {
        throw kci_format_error("KCI body is not valid JSON");
    }
    const auto problems = validate_kci(body);
    if (!problems.empty()) {
        std::string message = "KCI body is invalid:";
        for (const auto& problem : problems) {
            message += "\n  " + problem;
        }
        throw kci_format_error(message);
    }
    decoded_kci out;
    out.id = body["id"].get<std::string>();
    out.sequence_number = body["sequenceNumber"].get<int>();
    out.issued_on = *core::parse_utc(body["issuedOn"].get<std::string>());
    out.reason_code = body["reasonCode"].get<std::string>();
    const json& entity = body["serviceTest"];
    out.test_id = entity["id"].get<std::int64_t>();
    out.supplier_reference = entity["supplierReference"].get<std::string>();
    out.status = entity["status"].get<std::string>();
    if (entity.contains("result")) {
        const json& outcome = entity["result"]["testOutcome"];
        out.test_result = outcome["testResult"].get<std::string>();
        out.outcome_code = outcome["code"].get<std::string>();
    }
    out.body = std::move(body);
    return out;
}

}  // namespace linetest::updates
