#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace linetest::store {

class sqlite_connection;

/// One use of a cached prepared statement. The destructor resets the statement
/// and clears its bindings, so the connection can hand it out again. Step
/// failures throw `store_error` naming the operation, the file and SQLite's message.
class sqlite_statement {
public:
    sqlite_statement(sqlite_connection& connection, sqlite3_stmt* statement, std::string operation);
    ~sqlite_statement();

    sqlite_statement(const sqlite_statement&) = delete;
    sqlite_statement& operator=(const sqlite_statement&) = delete;

    /// Binds parameter `index` (from 1). The text is copied (SQLITE_TRANSIENT).
    sqlite_statement& bind(int index, std::int64_t value);
    sqlite_statement& bind(int index, std::string_view value);

    /// Advances to the next row. Returns false once the statement is done.
    bool step();
    /// Runs a statement that returns no rows, such as INSERT or UPDATE.
    void run();

    std::int64_t column_int64(int index);
    int column_int(int index);
    std::string column_text(int index);
    bool column_is_null(int index);

private:
    sqlite_connection& connection_;
    sqlite3_stmt* statement_;
    std::string operation_;
};

/// An open SQLite database handle with a cache of prepared statements.
///
/// Not thread-safe: the owner serializes every call, including the statements
/// it hands out, behind one mutex.
class sqlite_connection {
public:
    /// Opens `path` for reading and writing, creating the file if it is missing.
    /// Throws `store_error` when it cannot be opened or is read-only.
    explicit sqlite_connection(std::filesystem::path path);
    ~sqlite_connection();

    sqlite_connection(const sqlite_connection&) = delete;
    sqlite_connection& operator=(const sqlite_connection&) = delete;

    /// Returns the statement for `sql`, prepared on first use and cached by its text.
    sqlite_statement prepare(std::string_view sql, std::string operation);

    /// Runs one or more statements without parameters (pragmas, schema, transactions).
    void execute(const std::string& sql, std::string_view operation);

    /// Whether a transaction is open. SQLite rolls back by itself after some
    /// errors (SQLITE_FULL, SQLITE_IOERR), which ends the transaction early.
    bool in_transaction() const noexcept;

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    std::int64_t changes() const noexcept;

    void set_busy_timeout(int milliseconds, std::string_view operation);

    const std::filesystem::path& path() const noexcept { return path_; }

    /// Throws `store_error` for result `code` of `operation`, with SQLite's
    /// message for this connection.
    [[noreturn]] void fail(std::string_view operation, int code) const;

private:
    std::filesystem::path path_;
    sqlite3* database_ = nullptr;
    std::map<std::string, sqlite3_stmt*, std::less<>> statements_;
};

/// An IMMEDIATE transaction: it takes the write lock at BEGIN, so two writers
/// wait for each other under the busy timeout instead of failing with
/// SQLITE_BUSY when a read lock is upgraded. Rolls back unless committed.
class sqlite_transaction {
public:
    sqlite_transaction(sqlite_connection& connection, std::string operation);
    ~sqlite_transaction();

    sqlite_transaction(const sqlite_transaction&) = delete;
    sqlite_transaction& operator=(const sqlite_transaction&) = delete;

    void commit();

private:
    sqlite_connection& connection_;
    std::string operation_;
    bool open_ = true;
};

}  // namespace linetest::store
