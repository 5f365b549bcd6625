#pragma once

#include <string_view>

namespace linetest::store {

/// Schema version of the SQLite store, kept in `PRAGMA user_version`.
inline constexpr int sqlite_schema_version = 1;

/// Returns the SQL script that moves a database from schema version `from` to
/// `from + 1`, for `from` in [0, sqlite_schema_version).
std::string_view sqlite_migration(int from);

}  // namespace linetest::store
