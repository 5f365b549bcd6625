#include "contract/service_test_request.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace linetest::contract {
namespace {

using json = nlohmann::json;

constexpr std::size_t max_header_length = 200;
constexpr std::size_t max_service_id_length = 50;
constexpr std::size_t max_specification_id_length = 100;
constexpr std::size_t max_characteristics = 50;
constexpr std::size_t max_characteristic_name_length = 100;
constexpr std::size_t max_characteristic_value_length = 1000;
constexpr std::size_t max_echo_length = 60;

// NOTE: the published schema gives problemType the pattern ^[A-Z_]{5,25}, yet its own enum
// contains CPE, which is three characters long. The enum is what the gateway sends, so the
// enum is the rule enforced here. Its values are all upper case, as the pattern intends.
constexpr std::array<std::string_view, 6> problem_types = {
    "OUTAGE", "PERFORMANCE", "STABILITY", "SYNCHRONISATION", "CUSTOMER", "CPE"};
constexpr std::string_view problem_type_list =
    "OUTAGE, PERFORMANCE, STABILITY, SYNCHRONISATION, CUSTOMER, CPE";

// Decodes one UTF-8 sequence at `text[at]` strictly (no overlong forms, no surrogates,
// nothing above U+10FFFF). Returns the code point and its length, or length 0 when invalid.
std::pair<char32_t, std::size_t> decode_utf8(std::string_view text, std::size_t at) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(at);
    if (lead < 0x80) {
        return {lead, 1};
    }
    std::size_t length = 0;
    char32_t code = 0;
    char32_t minimum = 0;
    if ((lead & 0xE0) == 0xC0) {
        length = 2;
        code = lead & 0x1F;
        minimum = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3;
        code = lead & 0x0F;
        minimum = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4;
        code = lead & 0x07;
        minimum = 0x10000;
    } else {
        return {0, 0};
    }
    if (at + length > text.size()) {
        return {0, 0};
    }
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(at + i) & 0xC0) != 0x80) {
            return {0, 0};
        }
        code = (code << 6) | (byte(at + i) & 0x3F);
    }
    if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
        return {0, 0};
    }
    return {code, length};
}

// Returns the offset of the first byte that is not part of valid UTF-8, or npos.
std::size_t find_invalid_utf8(std::string_view text) {
    for (std::size_t at = 0; at < text.size();) {
        const auto [code, length] = decode_utf8(text, at);
        if (length == 0) {
            return at;
        }
        at += length;
    }
    return std::string_view::npos;
}

// Returns the length in code points, which is what the contract's "characters" means.
// Invalid bytes count one each, although parsed JSON strings contain none.
std::size_t character_count(std::string_view text) {
    std::size_t count = 0;
    for (std::size_t at = 0; at < text.size(); ++count) {
        at += std::max<std::size_t>(decode_utf8(text, at).second, 1);
    }
    return count;
}

bool is_control(char32_t code) { return code < 0x20 || (code >= 0x7F && code <= 0x9F); }

// Characters that can reorder or split the text a support engineer or tenant reads.
bool is_invisible_format(char32_t code) {
    return code == 0x2028 || code == 0x2029 || (code >= 0x202A && code <= 0x202E) ||
           (code >= 0x2066 && code <= 0x2069) || code == 0xFEFF;
}

bool has_control(std::string_view text) {
    for (std::size_t at = 0; at < text.size();) {
        const auto [code, length] = decode_utf8(text, at);
        if (length == 0 || is_control(code)) {
            return true;
        }
        at += length;
    }
    return false;
}

void append_hex(std::string& out, unsigned value, int digits) {
    constexpr std::string_view hex = "0123456789ABCDEF";
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
        out += hex[(value >> shift) & 0xF];
    }
}

// Quotes a value for a message: at most `max_echo_length` characters, with quotes,
// backslashes, controls and invisible format characters escaped, so that the echo can
// neither break the message nor hide what it shows.
std::string echo(std::string_view text) {
    std::string out = "\"";
    std::size_t echoed_characters = 0;
    std::size_t at = 0;
    while (at < text.size() && echoed_characters < max_echo_length) {
        const auto [code, length] = decode_utf8(text, at);
        if (length == 0) {
            out += "\\x";
            append_hex(out, static_cast<unsigned char>(text[at]), 2);
            at += 1;
        } else if (code == '"' || code == '\\') {
            out += '\\';
            out += static_cast<char>(code);
            at += 1;
        } else if (is_control(code) || is_invisible_format(code)) {
            out += "\\u";
            append_hex(out, static_cast<unsigned>(code), 4);
            at += length;
        } else {
            out.append(text.substr(at, length));
            at += length;
        }
        ++echoed_characters;
    }
    out += '"';
    if (at < text.size()) {
        out += " (first " + std::to_string(max_echo_length) + " of " +
               std::to_string(character_count(text)) + " characters)";
    }
    return out;
}

// Returns what a wrong value was, for the "got X" part of messages.
std::string describe(const json& value) {
    switch (value.type()) {
        case json::value_t::object:
            return "an object";
        case json::value_t::array:
            return "an array";
        case json::value_t::string:
            return echo(value.get_ref<const std::string&>());
        case json::value_t::null:
        case json::value_t::boolean:
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
        case json::value_t::number_float:
            return echo(value.dump());
        case json::value_t::binary:
        case json::value_t::discarded:
            break;
    }
    return "an unsupported value";
}

class problem_list {
public:
    explicit problem_list(std::size_t limit)
        : limit_(limit) {}

    void add(std::string message) {
        if (messages_.size() < limit_) {
            messages_.push_back(std::move(message));
        } else {
            ++dropped_;
        }
    }

    bool empty() const noexcept { return messages_.empty(); }

    std::vector<std::string> take() {
        if (dropped_ > 0) {
            messages_.push_back(std::to_string(dropped_) + " more problem" +
                                (dropped_ == 1 ? "" : "s") + " not listed");
        }
        return std::move(messages_);
    }

private:
    std::size_t limit_;
    std::size_t dropped_ = 0;
    std::vector<std::string> messages_;
};

// Returns the header's value, or empty after recording why it is unusable.
std::optional<std::string> check_header(std::string_view name,
                                        const std::optional<std::string_view>& value,
                                        problem_list& problems) {
    const std::string label = std::string(name) + " header";
    if (!value) {
        problems.add(label + " is missing");
        return std::nullopt;
    }
    if (value->empty()) {
        problems.add(label + " is empty");
        return std::nullopt;
    }
    if (value->size() > max_header_length) {
        problems.add(label + " must be at most " + std::to_string(max_header_length) +
                     " characters long; got " + std::to_string(value->size()));
        return std::nullopt;
    }
    const bool printable =
        std::all_of(value->begin(), value->end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
    if (!printable) {
        problems.add(label + " must contain printable ASCII characters only");
        return std::nullopt;
    }
    return std::string(*value);
}

struct depth_exceeded {};

// Parses with a callback that rejects deep nesting before the document is built and records
// duplicate keys, which nlohmann would otherwise resolve silently by keeping the last one.
json parse_strict(std::string_view body,
                  std::size_t max_depth,
                  std::vector<std::string>& duplicate_keys) {
    std::vector<std::unordered_set<std::string>> open_objects;
    const auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
        switch (event) {
            case json::parse_event_t::object_start:
            case json::parse_event_t::array_start:
                if (static_cast<std::size_t>(depth) >= max_depth) {
                    throw depth_exceeded{};
                }
                if (event == json::parse_event_t::object_start) {
                    open_objects.emplace_back();
                }
                break;
            case json::parse_event_t::object_end:
                open_objects.pop_back();
                break;
            case json::parse_event_t::key:
                if (!open_objects.back().insert(parsed.get<std::string>()).second) {
                    duplicate_keys.push_back(parsed.get<std::string>());
                }
                break;
            case json::parse_event_t::array_end:
            case json::parse_event_t::value:
                break;
        }
        return true;
    };
    return json::parse(body.begin(), body.end(), callback);
}

// nlohmann reports the offset of the last byte it read, which is the end of the unexpected
// token, hence "near" in the message.
std::string syntax_error_position(std::string_view body, std::size_t byte) {
    std::size_t line = 1;
    std::size_t column = 0;
    for (std::size_t i = 0; i < std::min(byte, body.size()); ++i) {
        if (body[i] == '\n') {
            ++line;
            column = 0;
        } else {
            ++column;
        }
    }
    return "line " + std::to_string(line) + ", column " +
           std::to_string(std::max<std::size_t>(column, 1));
}

// Returns the parsed top-level object, or nothing after recording why there is none.
std::optional<json> parse_body(std::string_view body,
                               const parse_limits& limits,
                               problem_list& problems) {
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        problems.add("request body is empty; send a JSON object");
        return std::nullopt;
    }
    if (const auto bad = find_invalid_utf8(body); bad != std::string_view::npos) {
        problems.add("request body is not valid UTF-8 (first invalid byte at offset " +
                     std::to_string(bad) + ")");
        return std::nullopt;
    }
    std::vector<std::string> duplicate_keys;
    json document;
    try {
        document = parse_strict(body, limits.max_depth, duplicate_keys);
    } catch (const depth_exceeded&) {
        problems.add("request body nests objects or arrays deeper than " +
                     std::to_string(limits.max_depth) + " levels");
        return std::nullopt;
    } catch (const json::parse_error& error) {
        problems.add("request body is not valid JSON: syntax error near " +
                     syntax_error_position(body, error.byte));
        return std::nullopt;
    } catch (const json::exception&) {
        // Number overflow (for example 1e400) surfaces as out_of_range, not parse_error.
        problems.add("request body is not valid JSON: a number is out of range");
        return std::nullopt;
    }
    if (!duplicate_keys.empty()) {
        for (const auto& key : duplicate_keys) {
            problems.add("request body repeats the key " + echo(key) +
                         " within one object; send each key once");
        }
        return std::nullopt;
    }
    if (!document.is_object()) {
        problems.add("request body must be a JSON object; got " + describe(document));
        return std::nullopt;
    }
    return document;
}

// Returns the member, or nullptr when absent or, if `null_is_absent`, null.
const json* member(const json& object, std::string_view key, bool null_is_absent = false) {
    const auto found = object.find(key);
    if (found == object.end() || (null_is_absent && found->is_null())) {
        return nullptr;
    }
    return &*found;
}

std::optional<std::int64_t> check_id(const json& body, problem_list& problems) {
    const json* id = member(body, "id");
    if (id == nullptr) {
        problems.add("id is missing");
        return std::nullopt;
    }
    const std::string rule = "id must be a whole number from 1 to " + std::to_string(max_test_id) +
                             " written " + "without a fraction or exponent; got ";
    if (id->is_number_unsigned()) {
        const auto value = id->get<std::uint64_t>();
        if (value >= 1 && value <= static_cast<std::uint64_t>(max_test_id)) {
            return static_cast<std::int64_t>(value);
        }
    } else if (id->is_number_integer() && id->get<std::int64_t>() >= 1 &&
               id->get<std::int64_t>() <= max_test_id) {
        return id->get<std::int64_t>();
    }
    problems.add(rule + describe(*id));
    return std::nullopt;
}

// Checks a required or optional string field against length and content rules.
std::optional<std::string> check_string(const json* value,
                                        const std::string& field,
                                        std::size_t min_length,
                                        std::size_t max_length,
                                        problem_list& problems) {
    if (value == nullptr) {
        problems.add(field + " is missing");
        return std::nullopt;
    }
    const std::string range =
        min_length == 0 ? "at most " + std::to_string(max_length)
                        : std::to_string(min_length) + " to " + std::to_string(max_length);
    if (!value->is_string()) {
        problems.add(field + " must be a string of " + range + " characters; got " +
                     describe(*value));
        return std::nullopt;
    }
    const auto& text = value->get_ref<const std::string&>();
    const std::size_t length = character_count(text);
    if (length == 0 && min_length > 0) {
        problems.add(field + " must not be empty");
        return std::nullopt;
    }
    if (length > max_length) {
        problems.add(field + " must be " + range + " characters long; got " +
                     std::to_string(length) + " characters");
        return std::nullopt;
    }
    if (has_control(text)) {
        problems.add(field + " must not contain control characters; got " + echo(text));
        return std::nullopt;
    }
    return text;
}

std::optional<std::string> check_specification(const json& body, problem_list& problems) {
    const json* specification = member(body, "serviceSpecification");
    if (specification == nullptr) {
        problems.add("serviceSpecification is missing");
        return std::nullopt;
    }
    if (!specification->is_object()) {
        problems.add("serviceSpecification must be an object with a string id; got " +
                     describe(*specification));
        return std::nullopt;
    }
    return check_string(member(*specification, "id"), "serviceSpecification.id", 1,
                        max_specification_id_length, problems);
}

std::optional<std::string> check_problem_type(const json& body, problem_list& problems) {
    const json* problem_type = member(body, "problemType");
    if (problem_type == nullptr) {
        problems.add("problemType is missing");
        return std::nullopt;
    }
    if (problem_type->is_string()) {
        const auto& text = problem_type->get_ref<const std::string&>();
        if (std::find(problem_types.begin(), problem_types.end(), text) != problem_types.end()) {
            return text;
        }
    }
    problems.add("problemType must be one of " + std::string(problem_type_list) + "; got " +
                 describe(*problem_type));
    return std::nullopt;
}

std::optional<std::vector<sdk::characteristic>> check_characteristics(const json& body,
                                                                      problem_list& problems) {
    const json* list = member(body, "characteristics", true);
    if (list == nullptr) {
        return std::vector<sdk::characteristic>{};
    }
    if (!list->is_array()) {
        problems.add("characteristics must be an array of {name, value} objects; got " +
                     describe(*list));
        return std::nullopt;
    }
    if (list->size() > max_characteristics) {
        problems.add("characteristics must have at most " + std::to_string(max_characteristics) +
                     " entries; got " + std::to_string(list->size()));
        return std::nullopt;
    }
    std::vector<sdk::characteristic> result;
    bool all_valid = true;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const json& entry = (*list)[i];
        const std::string field = "characteristics[" + std::to_string(i) + "]";
        if (!entry.is_object()) {
            problems.add(field + " must be an object with string name and value; got " +
                         describe(entry));
            all_valid = false;
            continue;
        }
        auto name = check_string(member(entry, "name"), field + ".name", 1,
                                 max_characteristic_name_length, problems);
        auto value = check_string(member(entry, "value"), field + ".value", 0,
                                  max_characteristic_value_length, problems);
        if (name && value) {
            result.push_back({std::move(*name), std::move(*value)});
        } else {
            all_valid = false;
        }
    }
    if (!all_valid) {
        return std::nullopt;
    }
    return result;
}

void append_field(std::string& out, std::string_view label, std::string_view text) {
    out += label;
    out += '=';
    out += std::to_string(text.size());
    out += ':';
    out += text;
    out += ';';
}

}  // namespace

parse_result parse_service_test_request(std::string_view body,
                                        const request_headers& headers,
                                        const parse_limits& limits) {
    problem_list problems(limits.max_problems);
    auto request_id = check_header("X-Request-ID", headers.request_id, problems);
    auto conversation_id = check_header("X-Conversation-ID", headers.conversation_id, problems);
    auto tenant = check_header("Tenant", headers.tenant, problems);

    const auto document = parse_body(body, limits, problems);
    if (!document) {
        return {std::nullopt, problems.take()};
    }
    const auto id = check_id(*document, problems);
    auto service_id = check_string(member(*document, "serviceId"), "serviceId", 1,
                                   max_service_id_length, problems);
    auto specification_id = check_specification(*document, problems);
    auto problem_type = check_problem_type(*document, problems);
    auto characteristics = check_characteristics(*document, problems);

    if (!problems.empty()) {
        return {std::nullopt, problems.take()};
    }
    parsed_service_test parsed;
    parsed.request.id = *id;
    parsed.request.tenant = std::move(*tenant);
    parsed.request.service_id = std::move(*service_id);
    parsed.request.specification_id = std::move(*specification_id);
    parsed.request.problem_type = std::move(*problem_type);
    parsed.request.characteristics = std::move(*characteristics);
    parsed.request_id = std::move(*request_id);
    parsed.conversation_id = std::move(*conversation_id);
    return {std::move(parsed), {}};
}

std::string fingerprint(const sdk::service_test_request& request) {
    // Length-prefixed fields make the text unambiguous for any bytes, including separators
    // inside values, without depending on a JSON library's escaping choices.
    std::string out = "service-test-v1;id=" + std::to_string(request.id) + ';';
    append_field(out, "serviceId", request.service_id);
    append_field(out, "serviceSpecification.id", request.specification_id);
    append_field(out, "problemType", request.problem_type);
    out += "characteristics=" + std::to_string(request.characteristics.size()) + ';';
    for (const auto& entry : request.characteristics) {
        append_field(out, "name", entry.name);
        append_field(out, "value", entry.value);
    }
    return out;
}

}  // namespace linetest::contract
