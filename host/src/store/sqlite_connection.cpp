#include "store/sqlite_connection.hpp"

#include "core/log.hpp"
#include "store/store.hpp"

#include <fmt/format.h>

#include <utility>

#include <sqlite3.h>

namespace linetest::store {

namespace {

// Returns advice for an operator on the common failures, or nothing where
// SQLite's message is enough.
std::string_view hint_for(int code) {
    switch (code & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return "; another connection held the lock past the busy timeout";
        case SQLITE_FULL:
            return "; free space on the file system that holds the database";
        case SQLITE_CANTOPEN:
            return "; check that the directory exists and is writable by this user";
        case SQLITE_READONLY:
        case SQLITE_PERM:
            return "; make the file and its directory writable by this user";
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return "; restore the file from a backup or move it aside";
        case SQLITE_IOERR:
            return "; check the disk and the kernel log for I/O errors";
        default:
            return "";
    }
}

}  // namespace

sqlite_statement::sqlite_statement(sqlite_connection& connection,
                                   sqlite3_stmt* statement,
                                   std::string operation)
    : connection_(connection),
      statement_(statement),
      operation_(std::move(operation)) {}

sqlite_statement::~sqlite_statement() {
    // sqlite3_reset returns the error of the last step again. That error has
    // already been thrown, and the statement is reusable either way.
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
}

sqlite_statement& sqlite_statement::bind(int index, std::int64_t value) {
    if (const int code = sqlite3_bind_int64(statement_, index, value); code != SQLITE_OK) {
        connection_.fail(operation_, code);
    }
    return *this;
}

sqlite_statement& sqlite_statement::bind(int index, std::string_view value) {
    const int code = sqlite3_bind_text64(statement_, index, value.data(), value.size(),
                                         SQLITE_TRANSIENT, SQLITE_UTF8);
    if (code != SQLITE_OK) {
        connection_.fail(operation_, code);
    }
    return *this;
}

bool sqlite_statement::step() {
    const int code = sqlite3_step(statement_);
    if (code == SQLITE_ROW) {
        return true;
    }
    if (code == SQLITE_DONE) {
        return false;
    }
    connection_.fail(operation_, code);
}

void sqlite_statement::run() {
    while (step()) {
    }
}

std::int64_t sqlite_statement::column_int64(int index) {
    return sqlite3_column_int64(statement_, index);
}

int sqlite_statement::column_int(int index) { return sqlite3_column_int(statement_, index); }

std::string sqlite_statement::column_text(int index) {
    const auto* text = sqlite3_column_text(statement_, index);
    const int size = sqlite3_column_bytes(statement_, index);
    if (text == nullptr) {
        return {};
    }
    return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)};
}

bool sqlite_statement::column_is_null(int index) {
    return sqlite3_column_type(statement_, index) == SQLITE_NULL;
}

sqlite_connection::sqlite_connection(std::filesystem::path path)
    : path_(std::move(path)) {
    // SQLITE_OPEN_NOMUTEX: the store serializes all use of the connection itself.
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const int code = sqlite3_open_v2(path_.c_str(), &database_, flags, nullptr);
    if (code != SQLITE_OK) {
        std::string message =
            database_ != nullptr ? sqlite3_errmsg(database_) : sqlite3_errstr(code);
        sqlite3_close(database_);
        database_ = nullptr;
        throw store_error(fmt::format("opening database {} failed: {} (SQLite result code {}){}",
                                      path_.string(), message, code, hint_for(code)));
    }
    sqlite3_extended_result_codes(database_, 1);
    // SQLite falls back to read-only when the OS denies writing, which would
    // only surface at the first INSERT after the daemon had reported ready.
    if (sqlite3_db_readonly(database_, "main") == 1) {
        sqlite3_close(database_);
        database_ = nullptr;
        throw store_error(fmt::format("opening database {} failed: the file is read-only{}",
                                      path_.string(), hint_for(SQLITE_READONLY)));
    }
}

sqlite_connection::~sqlite_connection() {
    for (auto& [sql, statement] : statements_) {
        sqlite3_finalize(statement);
    }
    if (const int code = sqlite3_close(database_); code != SQLITE_OK) {
        core::logger("store")->error("closing database failed: {} (SQLite result code {}) path={}",
                                     sqlite3_errmsg(database_), code, path_.string());
    }
}

sqlite_statement sqlite_connection::prepare(std::string_view sql, std::string operation) {
    auto found = statements_.find(sql);
    if (found == statements_.end()) {
        sqlite3_stmt* statement = nullptr;
        const int code = sqlite3_prepare_v3(database_, sql.data(), static_cast<int>(sql.size()),
                                            SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
        if (code != SQLITE_OK) {
            fail(operation, code);
        }
        found = statements_.emplace(std::string(sql), statement).first;
    }
    return sqlite_statement(*this, found->second, std::move(operation));
}

void sqlite_connection::execute(const std::string& sql, std::string_view operation) {
    if (const int code = sqlite3_exec(database_, sql.c_str(), nullptr, nullptr, nullptr);
        code != SQLITE_OK) {
        fail(operation, code);
    }
}

bool sqlite_connection::in_transaction() const noexcept {
    return sqlite3_get_autocommit(database_) == 0;
}

std::int64_t sqlite_connection::changes() const noexcept { return sqlite3_changes64(database_); }

void sqlite_connection::set_busy_timeout(int milliseconds, std::string_view operation) {
    if (const int code = sqlite3_busy_timeout(database_, milliseconds); code != SQLITE_OK) {
        fail(operation, code);
    }
}

void sqlite_connection::fail(std::string_view operation, int code) const {
    throw store_error(fmt::format("{} failed on database {}: {} (SQLite result code {}){}",
                                  operation, path_.string(), sqlite3_errmsg(database_), code,
                                  hint_for(code)));
}

sqlite_transaction::sqlite_transaction(sqlite_connection& connection, std::string operation)
    : connection_(connection),
      operation_(std::move(operation)) {
    connection_.execute("BEGIN IMMEDIATE", operation_);
}

sqlite_transaction::~sqlite_transaction() {
    if (!open_ || !connection_.in_transaction()) {
        return;
    }
    try {
        connection_.execute("ROLLBACK", operation_);
    } catch (const store_error& error) {
        core::logger("store")->warn("rollback failed: {}", error.what());
    }
}

void sqlite_transaction::commit() {
    connection_.execute("COMMIT", operation_);
    open_ = false;
}

}  // namespace linetest::store
