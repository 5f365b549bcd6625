#include "store/sqlite_schema.hpp"

#include <array>
#include <stdexcept>
#include <string>

namespace linetest::store {

namespace {

constexpr std::array<std::string_view, sqlite_schema_version> migrations = {
    R"sql(
CREATE TABLE services (
    service_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    specification_id TEXT NOT NULL,
    specification_name TEXT NOT NULL,
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    equipment_json TEXT NOT NULL
) STRICT;

-- No foreign key to services: replacing the inventory must not fail because
-- an old test names a service that has since been removed.
CREATE TABLE tests (
    id INTEGER PRIMARY KEY,
    supplier_reference TEXT NOT NULL,
    tenant TEXT NOT NULL,
    request_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    specification_id TEXT NOT NULL,
    specification_name TEXT NOT NULL,
    problem_type TEXT NOT NULL,
    characteristics_json TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    plugin TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('accepted', 'running', 'completed', 'failed')),
    run_attempts INTEGER NOT NULL,
    kci_count INTEGER NOT NULL,
    accepted_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    result_json TEXT NOT NULL
) STRICT;
CREATE INDEX tests_service_state ON tests (service_id, state);
CREATE INDEX tests_state ON tests (state);

CREATE TABLE outbox (
    row_id INTEGER PRIMARY KEY AUTOINCREMENT,
    test_id INTEGER NOT NULL REFERENCES tests (id),
    kci_id TEXT NOT NULL UNIQUE,
    sequence_number INTEGER NOT NULL CHECK (sequence_number >= 1),
    body TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT NOT NULL,
    UNIQUE (test_id, sequence_number)
) STRICT;
-- Partial indexes over the pending rows only, which the dispatcher scans to
-- find each test's head; delivered rows accumulate and would dominate a full index.
CREATE INDEX outbox_pending_head ON outbox (test_id, sequence_number) WHERE state = 'pending';
CREATE INDEX outbox_pending_due ON outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_dead ON outbox (row_id) WHERE state = 'dead';
)sql",
};

}  // namespace

std::string_view sqlite_migration(int from) {
    if (from < 0 || from >= sqlite_schema_version) {
        throw std::out_of_range("no SQLite schema migration from version " + std::to_string(from));
    }
    return migrations[static_cast<std::size_t>(from)];
}

}  // namespace linetest::store
