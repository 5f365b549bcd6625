// libFuzzer target: KCI bodies through updates::decode_kci, which may only throw
// kci_format_error; and, for any input that is JSON, updates::validate_kci on the parsed value.

#include "updates/kci_encoder.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::optional<linetest::updates::decoded_kci> decoded;
    try {
        decoded = linetest::updates::decode_kci(text);
    } catch (const linetest::updates::kci_format_error&) {
    }
    const auto parsed = nlohmann::json::parse(text, nullptr, false);
    if (!parsed.is_discarded()) {
        const auto problems = linetest::updates::validate_kci(parsed);
        // decode_kci and validate_kci must agree on what a valid KCI is.
        if (decoded.has_value() != problems.empty()) {
            __builtin_trap();
        }
    }
    // A decoded KCI must carry the numbers of the text, not truncated copies.
    if (decoded && (decoded->sequence_number != parsed["sequenceNumber"].get<std::int64_t>() ||
                    decoded->test_id != parsed["serviceTest"]["id"].get<std::int64_t>())) {
        __builtin_trap();
    }
    return 0;
}
