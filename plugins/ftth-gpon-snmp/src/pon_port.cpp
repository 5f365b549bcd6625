#include "pon_port.hpp"

#include "zte_reading.hpp"

#include <algorithm>
#include <ctime>
#include <map>

namespace linetest::gpon {
namespace {

const oid_path huawei_run_status_column = {1, 3, 6, 1, 4, 1, 2011, 6, 128, 1, 1, 2, 46, 1, 15};
const oid_path huawei_last_down_time_column = {1, 3, 6, 1, 4, 1, 2011, 6, 128, 1, 1, 2, 46, 1, 23};
const oid_path zte_phase_state_column = {1, 3, 6, 1, 4, 1, 3902, 1012, 3, 28, 2, 1, 4};

constexpr std::int32_t huawei_run_status_down = 2;

// Enough GETBULK requests for `max_port_rows` rows at 32 per request, plus one
// to see the end of the subtree.
constexpr std::size_t max_walk_requests = max_port_rows / 32 + 1;

oid_path under_port(const oid_path& column, std::uint32_t port_if_index) {
    oid_path root = column;
    root.push_back(port_if_index);
    return root;
}

// The ONT id is the last sub-identifier of a row under `{column}.{port}`.
std::optional<std::uint32_t> ont_id_of(const snmp_value& value, const oid_path& root) {
    if (value.name.size() != root.size() + 1) {
        return std::nullopt;
    }
    return value.name.back();
}

port_poll failed(const snmp_result& result) {
    port_poll poll;
    poll.status = result.status;
    poll.error = result.error;
    poll.captured_at = std::chrono::system_clock::now();
    return poll;
}

}  // namespace

port_poll read_port_states(const sdk::equipment_target& target,
                           olt_vendor vendor,
                           std::uint32_t port_if_index,
                           const snmp_limits& limits,
                           const std::function<bool()>& cancelled) {
    snmp_session session(target, limits, cancelled);
    bool truncated = false;
    port_poll poll;

    if (vendor == olt_vendor::zte) {
        auto root = under_port(zte_phase_state_column, port_if_index);
        auto states = session.walk(root, max_port_rows, max_walk_requests, truncated);
        if (states.status != poll_status::ok) {
            return failed(states);
        }
        poll.truncated = truncated;
        for (const auto& value : states.values) {
            auto ont_id = ont_id_of(value, root);
            if (ont_id && value.integer) {
                poll.onts.push_back({*ont_id, *value.integer != zte_phase_working, std::nullopt});
            }
        }
    } else {
        auto status_root = under_port(huawei_run_status_column, port_if_index);
        auto statuses = session.walk(status_root, max_port_rows, max_walk_requests, truncated);
        if (statuses.status != poll_status::ok) {
            return failed(statuses);
        }
        poll.truncated = truncated;
        auto time_root = under_port(huawei_last_down_time_column, port_if_index);
        auto times = session.walk(time_root, max_port_rows, max_walk_requests, truncated);
        if (times.status != poll_status::ok) {
            return failed(times);
        }
        poll.truncated = poll.truncated || truncated;
        poll.has_down_times = true;

        std::map<std::uint32_t, std::int64_t> down_times;
        for (const auto& value : times.values) {
            auto ont_id = ont_id_of(value, time_root);
            if (!ont_id || !value.octets) {
                continue;
            }
            if (auto seconds = parse_date_and_time(*value.octets)) {
                down_times[*ont_id] = *seconds;
            }
        }
        for (const auto& value : statuses.values) {
            auto ont_id = ont_id_of(value, status_root);
            if (!ont_id || !value.integer) {
                continue;
            }
            port_ont_state state{*ont_id, *value.integer == huawei_run_status_down, std::nullopt};
            if (auto found = down_times.find(*ont_id); found != down_times.end()) {
                state.down_time_s = found->second;
            }
            poll.onts.push_back(state);
        }
    }
    poll.status = poll_status::ok;
    poll.captured_at = std::chrono::system_clock::now();
    return poll;
}

std::optional<std::int64_t> parse_date_and_time(std::string_view octets) {
    if (octets.size() != 8 && octets.size() != 11) {
        return std::nullopt;
    }
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(octets[i]); };
    int year = byte(0) * 256 + byte(1);
    int month = byte(2);
    int day = byte(3);
    int hour = byte(4);
    int minute = byte(5);
    int second = byte(6);
    // An ONT that was never down may report an all-zero date, so any field out
    // of range means there is no usable time.
    if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
        second > 60) {
        return std::nullopt;
    }
    std::tm fields{};
    fields.tm_year = year - 1900;
    fields.tm_mon = month - 1;
    fields.tm_mday = day;
    fields.tm_hour = hour;
    fields.tm_min = minute;
    fields.tm_sec = second;
    return static_cast<std::int64_t>(timegm(&fields));
}

incident_assessment assess_pon_incident(const port_poll& port,
                                        std::uint32_t tested_ont_id,
                                        const pon_incident_config& config) {
    incident_assessment out;
    out.onts_total = port.onts.size();
    const port_ont_state* tested = nullptr;
    std::vector<std::int64_t> down_times;
    for (const auto& ont : port.onts) {
        if (ont.ont_id == tested_ont_id) {
            tested = &ont;
        }
        if (!ont.down) {
            continue;
        }
        ++out.onts_down;
        if (ont.down_time_s) {
            down_times.push_back(*ont.down_time_s);
        }
    }
    if (tested == nullptr || !tested->down) {
        return out;
    }

    if (!port.has_down_times) {
        out.down_together = out.onts_down;
    } else if (tested->down_time_s) {
        // The largest group of down times within one window that contains the
        // tested ONT's: every window starts at some ONT's down time.
        auto window = config.window.count();
        auto t = *tested->down_time_s;
        for (auto start : down_times) {
            if (start > t || t - start > window) {
                continue;
            }
            auto count = static_cast<std::size_t>(
                std::count_if(down_times.begin(), down_times.end(),
                              [&](std::int64_t x) { return x >= start && x - start <= window; }));
            out.down_together = std::max(out.down_together, count);
        }
    }

    out.incident = out.down_together >= config.min_down_onts &&
                   static_cast<double>(out.down_together) >=
                       config.min_down_ratio * static_cast<double>(out.onts_total);
    return out;
}

}  // namespace linetest::gpon
