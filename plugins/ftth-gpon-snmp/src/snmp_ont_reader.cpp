#include "snmp_ont_reader.hpp"

#include <array>
#include <optional>
#include <vector>

namespace linetest::gpon {
namespace {

const oid_path sys_up_time_oid = {1, 3, 6, 1, 2, 1, 1, 3, 0};

// HUAWEI-XPON-MIB columns under 1.3.6.1.4.1.2011.6.128.1.1.2; the row index
// {port ifIndex, ONT id} is appended. Order matches `raw_ont_values`.
const oid_path huawei_gpon_prefix = {1, 3, 6, 1, 4, 1, 2011, 6, 128, 1, 1, 2};
constexpr std::array<std::array<std::uint32_t, 3>, 8> huawei_columns = {{
    {46, 1, 15},  // hwGponDeviceOntControlRunStatus
    {46, 1, 16},  // hwGponDeviceOntControlConfigStatus
    {46, 1, 18},  // hwGponDeviceOntControlMatchStatus
    {46, 1, 20},  // hwGponDeviceOntControlRanging
    {46, 1, 24},  // hwGponDeviceOntControlLastDownCause
    {51, 1, 3},   // hwGponOntOpticalDdmTxPower
    {51, 1, 4},   // hwGponOntOpticalDdmRxPower
    {51, 1, 6},   // hwGponOntOpticalDdmOltRxOntPower
}};

// ZXGPON-SERVICE-MIB / ZXGPON-ONTMGMT-MIB columns under 1.3.6.1.4.1.3902.1012.3;
// the row index {PON ifIndex, ONU id} is appended. Order matches `raw_zte_values`.
const oid_path zte_gpon_prefix = {1, 3, 6, 1, 4, 1, 3902, 1012, 3};
const std::array<oid_path, 10> zte_columns = {{
    {28, 2, 1, 1},       // zxGponOntAdminState
    {28, 2, 1, 3},       // zxGponOntO1O7State
    {28, 2, 1, 4},       // zxGponOntPhaseState
    {28, 2, 1, 7},       // last down cause (newer firmware; absent from the 2006 MIB)
    {11, 4, 1, 2},       // zxGponRTDDistance
    {50, 12, 1, 1, 10},  // zxGponPonRxOpticalLevel
    {12, 9, 1, 1},       // zxGponOntUpAlarmOltSide LOSi
    {12, 9, 1, 3},       // LOFi
    {12, 9, 1, 7},       // SFi
    {12, 9, 1, 25},      // LOAMi
}};

oid_path row_oid(const oid_path& prefix, const oid_path& column, const ont_location& location) {
    oid_path name = prefix;
    name.insert(name.end(), column.begin(), column.end());
    name.push_back(location.port_if_index);
    name.push_back(location.ont_id);
    return name;
}

std::optional<std::int32_t> as_int32(const snmp_value& value) {
    if (!value.integer || *value.integer < INT32_MIN || *value.integer > INT32_MAX) {
        return std::nullopt;
    }
    return static_cast<std::int32_t>(*value.integer);
}

// Copies the GET's values into `fields` in order; the first value is sysUpTime.
void assign_values(const std::vector<snmp_value>& values,
                   std::optional<std::uint32_t>& sys_up_time,
                   const std::vector<std::optional<std::int32_t>*>& fields) {
    if (values.empty()) {
        return;
    }
    if (values.front().integer) {
        sys_up_time = static_cast<std::uint32_t>(*values.front().integer);
    }
    for (std::size_t i = 0; i < fields.size() && i + 1 < values.size(); ++i) {
        *fields[i] = as_int32(values[i + 1]);
    }
}

}  // namespace

ont_poll read_huawei_ont(const sdk::equipment_target& target,
                         const ont_location& location,
                         const snmp_limits& limits,
                         const std::function<bool()>& cancelled) {
    std::vector<oid_path> names = {sys_up_time_oid};
    for (const auto& column : huawei_columns) {
        names.push_back(row_oid(huawei_gpon_prefix, {column.begin(), column.end()}, location));
    }
    snmp_session session(target, limits, cancelled);
    auto result = session.get(names);

    ont_poll poll;
    poll.captured_at = std::chrono::system_clock::now();
    poll.status = result.status;
    poll.error = result.error;
    if (poll.status == poll_status::ok) {
        auto& v = poll.values;
        assign_values(result.values, v.sys_up_time,
                      {&v.run_status, &v.config_status, &v.match_status, &v.ranging,
                       &v.last_down_cause, &v.ont_tx, &v.ont_rx, &v.olt_rx});
    }
    return poll;
}

zte_poll read_zte_ont(const sdk::equipment_target& target,
                      const ont_location& location,
                      const snmp_limits& limits,
                      const std::function<bool()>& cancelled) {
    std::vector<oid_path> names = {sys_up_time_oid};
    for (const auto& column : zte_columns) {
        names.push_back(row_oid(zte_gpon_prefix, column, location));
    }
    snmp_session session(target, limits, cancelled);
    auto result = session.get(names);

    zte_poll poll;
    poll.captured_at = std::chrono::system_clock::now();
    poll.status = result.status;
    poll.error = result.error;
    if (poll.status == poll_status::ok) {
        auto& v = poll.values;
        assign_values(
            result.values, v.sys_up_time,
            {&v.admin_state, &v.activation_state, &v.phase_state, &v.last_down_cause, &v.distance,
             &v.rx_level, &v.alarm_losi, &v.alarm_lofi, &v.alarm_sfi, &v.alarm_loami});
    }
    return poll;
}

}  // namespace linetest::gpon
