#include "line_reading.hpp"

#include <limits>

namespace linetest::dsl {
namespace {

constexpr std::int64_t out_of_range = 2147483646;
constexpr std::int64_t not_available = 2147483647;
constexpr double tenths = 10.0;
constexpr double ticks_per_second = 100.0;

std::optional<std::uint32_t> as_uint32(std::optional<std::int64_t> raw) {
    if (!raw || *raw < 0 || *raw > std::numeric_limits<std::uint32_t>::max()) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(*raw);
}

std::optional<std::int32_t> as_int32(std::optional<std::int64_t> raw) {
    if (!raw || *raw < std::numeric_limits<std::int32_t>::min() ||
        *raw > std::numeric_limits<std::int32_t>::max()) {
        return std::nullopt;
    }
    return static_cast<std::int32_t>(*raw);
}

// Decodes a 0.1 dB value within [min, max] tenths; the sentinels fall outside.
std::optional<double> decode_tenths(std::optional<std::int64_t> raw,
                                    std::int64_t min,
                                    std::int64_t max) {
    if (!raw || *raw == out_of_range || *raw == not_available || *raw < min || *raw > max) {
        return std::nullopt;
    }
    return static_cast<double>(*raw) / tenths;
}

std::optional<std::uint32_t> counter_delta(std::optional<std::int64_t> first,
                                           std::optional<std::int64_t> second) {
    auto before = as_uint32(first);
    auto after = as_uint32(second);
    if (!before || !after || *after < *before) {
        return std::nullopt;
    }
    return *after - *before;
}

}  // namespace

line_status_bits decode_line_status(const std::string& octets) noexcept {
    line_status_bits bits;
    if (octets.empty()) {
        return bits;
    }
    auto first = static_cast<unsigned char>(octets.front());
    bits.no_defect = (first & 0x80U) != 0;
    bits.loss_of_framing = (first & 0x40U) != 0;
    bits.loss_of_signal = (first & 0x20U) != 0;
    bits.loss_of_power = (first & 0x10U) != 0;
    bits.init_failure = (first & 0x08U) != 0;
    return bits;
}

std::string line_status_text(const line_status_bits& bits) {
    std::string text;
    auto add = [&text](bool set, const char* name) {
        if (set) {
            text += text.empty() ? name : std::string(",") + name;
        }
    };
    add(bits.no_defect, "noDefect");
    add(bits.loss_of_framing, "lossOfFraming");
    add(bits.loss_of_signal, "lossOfSignal");
    add(bits.loss_of_power, "lossOfPower");
    add(bits.init_failure, "initFailure");
    return text.empty() ? "none" : text;
}

std::optional<line_reading> decode_line_values(const line_poll& poll, bool ds_unit_is_xtur) {
    const auto& values = poll.values;
    auto oper_status = as_int32(values.oper_status);
    bool has_line_row =
        values.init_result || values.status_xtuc || values.status_xtur || values.attainable_ds;
    if (!oper_status || !has_line_row) {
        return std::nullopt;
    }

    line_reading reading;
    reading.captured_at = poll.captured_at;
    reading.oper_status = *oper_status;
    reading.admin_status = as_int32(values.admin_status);
    auto up_time = as_uint32(values.sys_up_time);
    if (up_time) {
        reading.dslam_up_time_s = static_cast<double>(*up_time) / ticks_per_second;
    }
    auto last_change = as_uint32(values.last_change);
    if (up_time && last_change && *last_change > 0 && *last_change <= *up_time) {
        reading.sync_age_s = static_cast<double>(*up_time - *last_change) / ticks_per_second;
    }
    reading.init_result = as_int32(values.init_result);
    if (values.status_xtuc) {
        reading.status_xtuc = decode_line_status(*values.status_xtuc);
    }
    if (values.status_xtur) {
        reading.status_xtur = decode_line_status(*values.status_xtur);
    }

    reading.attainable_ds_bps = as_uint32(values.attainable_ds);
    reading.attainable_us_bps = as_uint32(values.attainable_us);
    auto rate_xtuc = as_uint32(values.rate_xtuc);
    auto rate_xtur = as_uint32(values.rate_xtur);
    reading.actual_ds_bps = ds_unit_is_xtur ? rate_xtur : rate_xtuc;
    reading.actual_us_bps = ds_unit_is_xtur ? rate_xtuc : rate_xtur;

    reading.snr_margin_ds_db = decode_tenths(values.margin_ds, -640, 630);
    reading.snr_margin_us_db = decode_tenths(values.margin_us, -640, 630);
    reading.attenuation_ds_db = decode_tenths(values.atten_ds, 0, 1270);
    reading.attenuation_us_db = decode_tenths(values.atten_us, 0, 1270);

    reading.es_xtuc = as_uint32(values.es_xtuc);
    reading.es_xtur = as_uint32(values.es_xtur);
    reading.ses_xtuc = as_uint32(values.ses_xtuc);
    reading.ses_xtur = as_uint32(values.ses_xtur);
    reading.uas_xtuc = as_uint32(values.uas_xtuc);
    reading.uas_xtur = as_uint32(values.uas_xtur);
    reading.full_inits_15min = as_uint32(values.full_inits_15min);
    reading.failed_inits_15min = as_uint32(values.failed_inits_15min);
    reading.full_inits_1day = as_uint32(values.full_inits_1day);
    reading.failed_inits_1day = as_uint32(values.failed_inits_1day);

    if (poll.second_crc) {
        const auto& second = *poll.second_crc;
        reading.crc_delta_xtuc = counter_delta(values.crc_xtuc, second.crc_xtuc);
        reading.crc_delta_xtur = counter_delta(values.crc_xtur, second.crc_xtur);
        reading.crc_interval_s = static_cast<double>(second.interval.count()) / 1000.0;
        reading.crc_captured_at = second.captured_at;
    }
    return reading;
}

std::string if_status_name(std::int32_t code) {
    switch (code) {
        case 1:
            return "up";
        case 2:
            return "down";
        case 3:
            return "testing";
        case 4:
            return "unknown";
        case 5:
            return "dormant";
        case 6:
            return "notPresent";
        case 7:
            return "lowerLayerDown";
        default:
            return "code-" + std::to_string(code);
    }
}

std::string init_result_name(std::int32_t code) {
    switch (code) {
        case 0:
            return "noFail";
        case 1:
            return "configError";
        case 2:
            return "configNotFeasible";
        case 3:
            return "commFail";
        case 4:
            return "noPeerAtu";
        case 5:
            return "otherCause";
        default:
            return "code-" + std::to_string(code);
    }
}

}  // namespace linetest::dsl
