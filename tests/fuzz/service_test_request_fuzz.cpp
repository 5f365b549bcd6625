// libFuzzer target: POST /service-tests bodies through contract::parse_service_test_request,
// which promises never to throw for any input. A parse must give a value or problems, never
// both and never neither, and an accepted id must be in range.

#include "contract/service_test_request.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    linetest::contract::request_headers headers;
    headers.request_id = "6a1f3c2e-0d4b-4e8a-9f61-2b7c5d8e9a10";
    headers.conversation_id = "0b2e4d6f-8a1c-4e3b-9d5f-7c9e1a3b5d70";
    headers.tenant = "EXAMPLE-ISP";
    const auto result = linetest::contract::parse_service_test_request(body, headers);
    if (result.ok() == !result.problems.empty()) {
        __builtin_trap();
    }
    if (result.ok()) {
        const auto id = result.value->request.id;
        if (id < 0 || id > linetest::contract::max_test_id) {
            __builtin_trap();
        }
        // The fingerprint is stored and compared later, so it must build for anything accepted.
        static_cast<void>(linetest::contract::fingerprint(result.value->request));
    }
    return 0;
}
