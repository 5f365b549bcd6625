#include "snmp_line_reader.hpp"

#include <linetest/snmp/session.hpp>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

namespace linetest::dsl {
namespace {

using object_id = snmp::oid_path;
using integer_field = std::optional<std::int64_t> raw_line_values::*;
using octets_field = std::optional<std::string> raw_line_values::*;

// One object of the GET and the member of `raw_line_values` it fills; exactly
// one of the two member pointers is set.
struct requested_object {
    object_id name;
    integer_field integer = nullptr;
    octets_field octets = nullptr;
};

constexpr std::uint32_t unit_xtuc = 1;
constexpr std::uint32_t unit_xtur = 2;
// VDSL2 band rows that carry the margin and attenuation averaged over the direction.
constexpr std::uint32_t band_upstream = 1;
constexpr std::uint32_t band_downstream = 2;

constexpr auto wait_slice = std::chrono::milliseconds(50);

object_id join(const object_id& prefix, std::initializer_list<std::uint32_t> suffix) {
    object_id name = prefix;
    name.insert(name.end(), suffix);
    return name;
}

std::vector<requested_object> interface_objects(std::uint32_t if_index) {
    const object_id if_entry = {1, 3, 6, 1, 2, 1, 2, 2, 1};
    return {
        {{1, 3, 6, 1, 2, 1, 1, 3, 0}, &raw_line_values::sys_up_time},
        {join(if_entry, {7, if_index}), &raw_line_values::admin_status},
        {join(if_entry, {8, if_index}), &raw_line_values::oper_status},
        {join(if_entry, {9, if_index}), &raw_line_values::last_change},
    };
}

// VDSL2-LINE-MIB (RFC 5650), 1.3.6.1.2.1.10.251. Channel and PM rows are read
// at the line's ifIndex.
std::vector<requested_object> vdsl2_objects(std::uint32_t ifx) {
    const object_id line = {1, 3, 6, 1, 2, 1, 10, 251, 1, 1, 1, 1};     // xdsl2LineEntry
    const object_id band = {1, 3, 6, 1, 2, 1, 10, 251, 1, 1, 2, 1};     // xdsl2LineBandEntry
    const object_id channel = {1, 3, 6, 1, 2, 1, 10, 251, 1, 2, 2, 1};  // xdsl2ChannelStatusEntry
    const object_id pm_line = {1, 3, 6, 1, 2, 1, 10, 251, 1, 4, 1, 1, 1};  // xdsl2PMLineCurrEntry
    const object_id pm_init = {1,   3, 6, 1, 2, 1, 10,
                               251, 1, 4, 1, 2, 1};  // xdsl2PMLineInitCurrEntry
    const object_id pm_channel = {1, 3, 6, 1, 2, 1, 10, 251, 1, 4, 2, 1, 1};  // xdsl2PMChCurrEntry
    using r = raw_line_values;
    return {
        {join(line, {15, ifx}), &r::init_result},
        {join(line, {18, ifx}), nullptr, &r::status_xtur},
        {join(line, {19, ifx}), nullptr, &r::status_xtuc},
        {join(line, {20, ifx}), &r::attainable_ds},
        {join(line, {21, ifx}), &r::attainable_us},
        {join(band, {2, ifx, band_downstream}), &r::atten_ds},
        {join(band, {2, ifx, band_upstream}), &r::atten_us},
        {join(band, {4, ifx, band_downstream}), &r::margin_ds},
        {join(band, {4, ifx, band_upstream}), &r::margin_us},
        {join(channel, {2, ifx, unit_xtuc}), &r::rate_xtuc},
        {join(channel, {2, ifx, unit_xtur}), &r::rate_xtur},
        {join(pm_line, {6, ifx, unit_xtuc}), &r::es_xtuc},
        {join(pm_line, {6, ifx, unit_xtur}), &r::es_xtur},
        {join(pm_line, {7, ifx, unit_xtuc}), &r::ses_xtuc},
        {join(pm_line, {7, ifx, unit_xtur}), &r::ses_xtur},
        {join(pm_line, {9, ifx, unit_xtuc}), &r::uas_xtuc},
        {join(pm_line, {9, ifx, unit_xtur}), &r::uas_xtur},
        {join(pm_init, {4, ifx}), &r::full_inits_15min},
        {join(pm_init, {5, ifx}), &r::failed_inits_15min},
        {join(pm_init, {11, ifx}), &r::full_inits_1day},
        {join(pm_init, {12, ifx}), &r::failed_inits_1day},
        {join(pm_channel, {5, ifx, unit_xtuc}), &r::crc_xtuc},
        {join(pm_channel, {5, ifx, unit_xtur}), &r::crc_xtur},
    };
}

// ADSL2-LINE-MIB (RFC 4706), 1.3.6.1.2.1.10.238; margin and attenuation are
// line columns per direction rather than band rows.
std::vector<requested_object> adsl2_objects(std::uint32_t ifx) {
    const object_id line = {1, 3, 6, 1, 2, 1, 10, 238, 1, 1, 1, 1};     // adsl2LineEntry
    const object_id channel = {1, 3, 6, 1, 2, 1, 10, 238, 1, 2, 1, 1};  // adsl2ChannelStatusEntry
    const object_id pm_line = {1, 3, 6, 1, 2, 1, 10, 238, 1, 4, 1, 1, 1};  // adsl2PMLineCurrEntry
    const object_id pm_init = {1,   3, 6, 1, 2, 1, 10,
                               238, 1, 4, 1, 2, 1};  // adsl2PMLineCurrInitEntry
    const object_id pm_channel = {1, 3, 6, 1, 2, 1, 10, 238, 1, 4, 2, 1, 1};  // adsl2PMChCurrEntry
    using r = raw_line_values;
    return {
        {join(line, {9, ifx}), &r::init_result},
        {join(line, {12, ifx}), nullptr, &r::status_xtur},
        {join(line, {13, ifx}), nullptr, &r::status_xtuc},
        {join(line, {14, ifx}), &r::atten_ds},
        {join(line, {15, ifx}), &r::atten_us},
        {join(line, {18, ifx}), &r::margin_ds},
        {join(line, {19, ifx}), &r::margin_us},
        {join(line, {20, ifx}), &r::attainable_ds},
        {join(line, {21, ifx}), &r::attainable_us},
        {join(channel, {3, ifx, unit_xtuc}), &r::rate_xtuc},
        {join(channel, {3, ifx, unit_xtur}), &r::rate_xtur},
        {join(pm_line, {6, ifx, unit_xtuc}), &r::es_xtuc},
        {join(pm_line, {6, ifx, unit_xtur}), &r::es_xtur},
        {join(pm_line, {7, ifx, unit_xtuc}), &r::ses_xtuc},
        {join(pm_line, {7, ifx, unit_xtur}), &r::ses_xtur},
        {join(pm_line, {9, ifx, unit_xtuc}), &r::uas_xtuc},
        {join(pm_line, {9, ifx, unit_xtur}), &r::uas_xtur},
        {join(pm_init, {2, ifx}), &r::full_inits_15min},
        {join(pm_init, {3, ifx}), &r::failed_inits_15min},
        {join(pm_init, {7, ifx}), &r::full_inits_1day},
        {join(pm_init, {8, ifx}), &r::failed_inits_1day},
        {join(pm_channel, {5, ifx, unit_xtuc}), &r::crc_xtuc},
        {join(pm_channel, {5, ifx, unit_xtur}), &r::crc_xtur},
    };
}

std::vector<requested_object> line_objects(const dsl_line& line) {
    auto objects = interface_objects(line.if_index);
    auto xdsl = line.profile == line_profile::adsl2_rfc4706 ? adsl2_objects(line.if_index)
                                                            : vdsl2_objects(line.if_index);
    objects.insert(objects.end(), xdsl.begin(), xdsl.end());
    return objects;
}

const object_id& name_of(const std::vector<requested_object>& objects, integer_field field) {
    auto found =
        std::find_if(objects.begin(), objects.end(),
                     [field](const requested_object& object) { return object.integer == field; });
    return found->name;
}

line_poll failed_poll(poll_status status, std::string error) {
    line_poll poll;
    poll.status = status;
    poll.error = std::move(error);
    poll.captured_at = std::chrono::system_clock::now();
    return poll;
}

std::chrono::milliseconds remaining_until(std::chrono::steady_clock::time_point deadline) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                 std::chrono::steady_clock::now());
}

// Sleeps for `duration` in short slices. Returns false when cancelled first.
bool wait_unless_cancelled(std::chrono::milliseconds duration,
                           const std::function<bool()>& cancelled) {
    auto until = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < until) {
        if (cancelled()) {
            return false;
        }
        auto left = until - std::chrono::steady_clock::now();
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(left, wait_slice));
    }
    return !cancelled();
}

}  // namespace

line_poll read_dsl_line(const sdk::equipment_target& target,
                        const dsl_line& line,
                        const read_limits& limits,
                        const std::function<bool()>& cancelled) {
    int attempts = limits.retries + 1;
    int requests = limits.counter_delta.count() > 0 ? 2 : 1;
    // The session caps the per-attempt timeout so that both reads fit the deadline, and
    // checks the deadline and `cancelled` before it opens and before each request.
    snmp::snmp_session session(
        target, snmp::snmp_limits{limits.timeout, limits.retries, limits.deadline, requests},
        cancelled);
    if (session.open_status() != poll_status::ok) {
        return failed_poll(session.open_status(), session.open_error());
    }
    auto timeout = session.timeout();

    auto objects = line_objects(line);
    std::vector<object_id> names;
    names.reserve(objects.size());
    for (const auto& object : objects) {
        names.push_back(object.name);
    }
    auto first = session.get(names);
    auto first_done = std::chrono::steady_clock::now();
    if (first.status != poll_status::ok) {
        return failed_poll(first.status, first.error);
    }

    line_poll poll;
    poll.status = poll_status::ok;
    poll.captured_at = first.captured_at;
    for (std::size_t i = 0; i < objects.size(); ++i) {
        if (objects[i].integer != nullptr) {
            poll.values.*objects[i].integer = first.values[i].integer;
        } else {
            poll.values.*objects[i].octets = first.values[i].octets;
        }
    }

    // The second read needs a counter to compare and enough time left for all its attempts.
    bool has_counter = poll.values.crc_xtuc || poll.values.crc_xtur;
    auto wait =
        std::min(limits.counter_delta, remaining_until(limits.deadline) - timeout * attempts);
    if (!has_counter || requests == 1 || wait <= std::chrono::milliseconds(0)) {
        if (has_counter && requests == 2) {
            poll.error = "no time left before the deadline for the second CRC read";
        }
        return poll;
    }
    if (!wait_unless_cancelled(wait, cancelled)) {
        return failed_poll(poll_status::cancelled, "cancelled between the two CRC reads");
    }
    auto second = session.get({name_of(objects, &raw_line_values::crc_xtuc),
                                name_of(objects, &raw_line_values::crc_xtur)});
    if (second.status != poll_status::ok) {
        poll.error = "second CRC read failed: " + second.error;
        return poll;
    }
    crc_sample sample;
    sample.captured_at = second.captured_at;
    sample.interval = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - first_done);
    sample.crc_xtuc = second.values[0].integer;
    sample.crc_xtur = second.values[1].integer;
    poll.second_crc = sample;
    return poll;
}

}  // namespace linetest::dsl
