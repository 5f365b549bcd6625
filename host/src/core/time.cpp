#include "core/time.hpp"

#include <cstdio>
#include <ctime>

namespace linetest::core {

std::string format_utc(std::chrono::system_clock::time_point time) {
    using namespace std::chrono;
    const auto millis = floor<milliseconds>(time);
    const auto seconds = floor<std::chrono::seconds>(millis);
    const std::time_t epoch = system_clock::to_time_t(seconds);
    std::tm utc{};
    gmtime_r(&epoch, &utc);
    char text[64];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<int>((millis - seconds).count()));
    return text;
}

std::optional<std::chrono::system_clock::time_point> parse_utc(std::string_view text) {
    std::tm utc{};
    int millis = 0;
    int consumed = 0;
    const std::string copy(text);
    if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &utc.tm_year, &utc.tm_mon,
                    &utc.tm_mday, &utc.tm_hour, &utc.tm_min, &utc.tm_sec, &consumed) != 6) {
        return std::nullopt;
    }
    std::string_view rest = text.substr(static_cast<std::size_t>(consumed));
    if (!rest.empty() && rest.front() == '.') {
        rest.remove_prefix(1);
        int digits = 0;
        while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
            if (digits < 3) {
                millis = millis * 10 + (rest.front() - '0');
            }
            ++digits;
            rest.remove_prefix(1);
        }
        if (digits == 0) {
            return std::nullopt;
        }
        for (; digits < 3; ++digits) {
            millis *= 10;
        }
    }
    if (rest != "Z") {
        return std::nullopt;
    }
    utc.tm_year -= 1900;
    utc.tm_mon -= 1;
    const std::time_t epoch = timegm(&utc);
    if (epoch == static_cast<std::time_t>(-1)) {
        return std::nullopt;
    }
    return std::chrono::system_clock::from_time_t(epoch) + std::chrono::milliseconds(millis);
}

}  // namespace linetest::core
