#include "updates/dispatcher.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <set>
#include <thread>

#include "core/random.hpp"
#include "gateway_standin_process.hpp"
#include "memory_outbox_store.hpp"
#include "store/sqlite_store.hpp"
#include "updates/kci_encoder.hpp"

namespace linetest::updates {
namespace {

using namespace std::chrono_literals;
using testing::gateway_standin_process;
using testing::memory_outbox_store;

/// Polls `done` every 10 ms for up to 20 s; a guard against a hung test, not a
/// timing assertion.
bool wait_until(const std::function<bool()>& done) {
    for (int poll = 0; poll < 2000; ++poll) {
        if (done()) {
            return true;
        }
        std::this_thread::sleep_for(10ms);
    }
    return done();
}

store::test_record sample_test(std::int64_t id) {
    store::test_record test;
    test.id = id;
    test.supplier_reference = "ST-2025-" + std::to_string(id);
    test.conversation_id = "conversation-" + std::to_string(id);
    test.service_id = "LN-0042-7781";
    test.specification_id = "FTTP-900";
    test.specification_name = "Fibre 900";
    test.problem_type = "PERFORMANCE";
    return test;
}

class DispatcherTest : public ::testing::Test {
protected:
    DispatcherTest() {
        updates_config config;
        config.base_url = http::parse_url(standin_.base_url());
        config.client_id = standin_.settings().client_id;
        config.client_secret = core::secret(standin_.settings().client_secret);
        config.request_timeout = 2000ms;
        config.retry = retry_policy{1ms, 5ms};
        tokens_ = std::make_unique<client_credentials_token_source>(config.token_config());
        options_.kcis_url = config.kcis_url();
        options_.client = config.client_options();
        options_.retry = config.retry;
    }

    ~DispatcherTest() override {
        if (dispatcher_) {
            dispatcher_->stop();
        }
    }

    void start() {
        dispatcher_ = std::make_unique<dispatcher>(store_, *tokens_, options_, [] { return 0.5; });
        dispatcher_->start();
    }

    /// Adds a pending KCI for `test_id` whose body is an encoded acceptance KCI.
    std::int64_t add_kci(std::int64_t test_id, int sequence_number) {
        const auto test = sample_test(test_id);
        const kci_header header{core::random_uuid(), sequence_number, store::clock::now()};
        const auto row = store_.add_kci(test_id, header.id, sequence_number,
                                        encode_accepted_kci(test, header), test.conversation_id);
        if (dispatcher_) {
            dispatcher_->notify();
        }
        return row;
    }

    bool settled(std::int64_t row_id) {
        return store_.kci(row_id).state != store::delivery_state::pending;
    }

    gateway_standin_process standin_;
    memory_outbox_store store_;
    std::unique_ptr<client_credentials_token_source> tokens_;
    dispatcher_options options_;
    std::unique_ptr<dispatcher> dispatcher_;
};

TEST_F(DispatcherTest, DeliversKciWithItsIdAndHeaders) {
    const auto row = add_kci(580113, 1);
    start();
    ASSERT_TRUE(wait_until([&] { return settled(row); }));

    const auto record = store_.kci(row);
    EXPECT_EQ(record.state, store::delivery_state::delivered);
    const auto attempts = standin_.kci_attempts();
    ASSERT_EQ(attempts.size(), 1u);
    EXPECT_EQ(attempts[0]["status"], 204);
    EXPECT_EQ(attempts[0]["body"]["id"], record.kci_id);
    EXPECT_EQ(attempts[0]["body"]["sequenceNumber"], 1);
    EXPECT_EQ(attempts[0]["headers"]["x-conversation-id"], "conversation-580113");
    EXPECT_EQ(attempts[0]["headers"]["content-type"], "application/json");
    EXPECT_FALSE(attempts[0]["headers"]["x-request-id"].get<std::string>().empty());
    EXPECT_EQ(attempts[0]["token_serial"], 1);
    EXPECT_EQ(dispatcher_->read_counters().sent, 1u);
}

TEST_F(DispatcherTest, RetriesSameKciInOrder) {
    standin_.script_kcis({503, 503, 503});
    const auto first = add_kci(580113, 1);
    const auto second = add_kci(580113, 2);
    start();
    ASSERT_TRUE(wait_until([&] { return settled(first); }));
    ASSERT_TRUE(wait_until([&] { return settled(second); }));

    EXPECT_EQ(store_.kci(first).state, store::delivery_state::delivered);
    EXPECT_EQ(store_.kci(second).state, store::delivery_state::delivered);
    EXPECT_EQ(store_.kci(first).attempts, 4);
    const auto attempts = standin_.kci_attempts();
    ASSERT_EQ(attempts.size(), 5u);
    std::set<std::string> request_ids;
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(attempts[i]["body"]["id"], store_.kci(first).kci_id) << "attempt " << i;
        EXPECT_EQ(attempts[i]["status"], i < 3 ? 503 : 204) << "attempt " << i;
        request_ids.insert(attempts[i]["headers"]["x-request-id"].get<std::string>());
    }
    EXPECT_EQ(request_ids.size(), 4u);
    EXPECT_EQ(attempts[4]["body"]["id"], store_.kci(second).kci_id);
    EXPECT_EQ(attempts[4]["body"]["sequenceNumber"], 2);
    EXPECT_EQ(dispatcher_->read_counters().retried, 3u);
    EXPECT_EQ(dispatcher_->read_counters().sent, 2u);
}

TEST_F(DispatcherTest, DeadLettersUnprocessableKciAndSendsTheNext) {
    standin_.script_kcis({422});
    const auto first = add_kci(580113, 1);
    const auto second = add_kci(580113, 2);
    start();
    ASSERT_TRUE(wait_until([&] { return settled(first); }));
    ASSERT_TRUE(wait_until([&] { return settled(second); }));

    const auto dead = store_.kci(first);
    EXPECT_EQ(dead.state, store::delivery_state::dead);
    EXPECT_NE(dead.last_error.find("422"), std::string::npos) << dead.last_error;
    EXPECT_NE(dead.last_error.find("INVALID_REQUEST"), std::string::npos) << dead.last_error;
    EXPECT_EQ(store_.kci(second).state, store::delivery_state::delivered);
    EXPECT_EQ(standin_.kci_attempts().size(), 2u);
    EXPECT_EQ(dispatcher_->read_counters().dead, 1u);
}

TEST_F(DispatcherTest, FetchesNewTokenOnceAfterUnauthorised) {
    const auto first = add_kci(580113, 1);
    start();
    ASSERT_TRUE(wait_until([&] { return settled(first); }));
    standin_.revoke_tokens();
    const auto second = add_kci(580114, 1);
    ASSERT_TRUE(wait_until([&] { return settled(second); }));

    EXPECT_EQ(store_.kci(second).state, store::delivery_state::delivered);
    const auto attempts = standin_.kci_attempts();
    ASSERT_EQ(attempts.size(), 3u);
    EXPECT_EQ(attempts[1]["status"], 401);
    EXPECT_EQ(attempts[2]["status"], 204);
    EXPECT_EQ(attempts[2]["token_serial"], 2);
    EXPECT_EQ(attempts[1]["body"]["id"], attempts[2]["body"]["id"]);
    EXPECT_EQ(tokens_->fetch_count(), 2u);
    EXPECT_EQ(dispatcher_->read_counters().retried, 0u);
}

TEST_F(DispatcherTest, TreatsRepeatedUnauthorisedAsRetryable) {
    standin_.script_kcis({401, 401});
    const auto row = add_kci(580113, 1);
    start();
    ASSERT_TRUE(wait_until([&] { return settled(row); }));

    EXPECT_EQ(store_.kci(row).state, store::delivery_state::delivered);
    EXPECT_EQ(standin_.kci_attempts().size(), 3u);
    EXPECT_EQ(dispatcher_->read_counters().retried, 1u);
}

TEST_F(DispatcherTest, ReschedulesWhenTokenEndpointIsUnavailable) {
    standin_.script_tokens({503});
    const auto row = add_kci(580113, 1);
    start();
    ASSERT_TRUE(wait_until([&] { return settled(row); }));

    EXPECT_EQ(store_.kci(row).state, store::delivery_state::delivered);
    EXPECT_NE(store_.kci(row).last_error.find("503"), std::string::npos);
    EXPECT_EQ(standin_.kci_attempts().size(), 1u);
    EXPECT_EQ(dispatcher_->read_counters().retried, 1u);
}

TEST_F(DispatcherTest, ResendsSameKciAfterTimeout) {
    options_.client.timeout = 300ms;
    standin_.script_kcis(nlohmann::json::array({{{"status", 204}, {"delay_ms", 1500}}}));
    const auto row = add_kci(580113, 1);
    start();
    ASSERT_TRUE(wait_until([&] { return settled(row); }));
    ASSERT_TRUE(wait_until([&] { return standin_.kci_attempts().size() >= 2; }));

    EXPECT_EQ(store_.kci(row).state, store::delivery_state::delivered);
    EXPECT_NE(store_.kci(row).last_error.find("timed out"), std::string::npos)
        << store_.kci(row).last_error;
    const auto attempts = standin_.kci_attempts();
    EXPECT_EQ(attempts[0]["body"]["id"], attempts[1]["body"]["id"]);
}

TEST_F(DispatcherTest, ResendsSameKciWhenStoreFails) {
    options_.store_error_pause = 10ms;
    store_.fail_next_deliveries(1);
    const auto row = add_kci(580113, 1);
    start();
    ASSERT_TRUE(wait_until([&] { return settled(row); }));

    EXPECT_EQ(store_.kci(row).state, store::delivery_state::delivered);
    const auto attempts = standin_.kci_attempts();
    ASSERT_EQ(attempts.size(), 2u);
    EXPECT_EQ(attempts[0]["body"]["id"], attempts[1]["body"]["id"]);
    EXPECT_EQ(attempts[1]["status"], 204);
}

TEST_F(DispatcherTest, StopsWithKcisStillPending) {
    standin_.script_kcis({503, 503, 503, 503, 503, 503, 503, 503});
    options_.retry = retry_policy{60'000ms, 60'000ms};
    const auto row = add_kci(580113, 1);
    start();
    ASSERT_TRUE(wait_until([&] { return store_.kci(row).attempts >= 1; }));
    dispatcher_->stop();

    EXPECT_EQ(store_.kci(row).state, store::delivery_state::pending);
}

TEST(DispatcherSqliteTest, DeliversStoredKcisInOrder) {
    gateway_standin_process standin;
    standin.script_kcis({503, 503, 503});
    const auto directory =
        std::filesystem::temp_directory_path() / ("linetest-dispatcher-" + core::random_uuid());
    auto outbox = store::sqlite_store::open(directory / "linetest.db");

    auto test = sample_test(580113);
    test.tenant = "tenant-a";
    test.request_id = "request-1";
    test.fingerprint = "fingerprint-1";
    test.plugin = "ftth";
    test.accepted_at = store::clock::now();
    const kci_header accepted{core::random_uuid(), 1, test.accepted_at};
    store::kci_record accepted_kci;
    accepted_kci.kci_id = accepted.id;
    accepted_kci.sequence_number = 1;
    accepted_kci.body = encode_accepted_kci(test, accepted);
    accepted_kci.conversation_id = test.conversation_id;
    outbox->insert_test(test, {accepted_kci});

    sdk::report report;
    report.result = sdk::test_result::green;
    report.code = "SERVICE_OK";
    report.description = "Line in sync, no fault found";
    const auto completed_at = store::clock::now();
    const kci_header result{core::random_uuid(), 2, completed_at};
    store::kci_record result_kci;
    result_kci.kci_id = result.id;
    result_kci.sequence_number = 2;
    result_kci.body = encode_result_kci(test, report, result, completed_at);
    result_kci.conversation_id = test.conversation_id;
    ASSERT_TRUE(outbox->finish_test(test.id, store::test_state::completed,
                                    encode_result(report, completed_at).dump(), result_kci));

    updates_config config;
    config.base_url = http::parse_url(standin.base_url());
    config.client_id = standin.settings().client_id;
    config.client_secret = core::secret(standin.settings().client_secret);
    config.retry = retry_policy{1ms, 5ms};
    client_credentials_token_source tokens(config.token_config());
    dispatcher_options options;
    options.kcis_url = config.kcis_url();
    options.client = config.client_options();
    options.retry = config.retry;
    dispatcher sender(*outbox, tokens, options, [] { return 0.5; });
    sender.start();
    ASSERT_TRUE(wait_until([&] { return outbox->outbox().pending == 0; }));
    sender.stop();

    const auto kcis = outbox->kcis_for_test(test.id);
    ASSERT_EQ(kcis.size(), 2u);
    EXPECT_EQ(kcis[0].state, store::delivery_state::delivered);
    EXPECT_EQ(kcis[0].attempts, 4);
    EXPECT_EQ(kcis[1].state, store::delivery_state::delivered);
    const auto attempts = standin.kci_attempts();
    ASSERT_EQ(attempts.size(), 5u);
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(attempts[i]["body"]["id"], accepted.id) << "attempt " << i;
    }
    EXPECT_EQ(attempts[4]["body"]["id"], result.id);
    EXPECT_EQ(attempts[4]["body"]["serviceTest"]["result"]["testOutcome"]["testResult"], "GREEN");
    EXPECT_EQ(decode_kci(attempts[4]["body"].dump()).sequence_number, 2);

    outbox.reset();
    std::filesystem::remove_all(directory);
}

TEST(DispatcherBackoffTest, GrowsExponentiallyUpToTheMaximum) {
    const retry_policy retry{10ms, 100ms};
    EXPECT_EQ(dispatcher::backoff_delay(retry, 1, 1.0), 10ms);
    EXPECT_EQ(dispatcher::backoff_delay(retry, 3, 1.0), 40ms);
    EXPECT_EQ(dispatcher::backoff_delay(retry, 5, 1.0), 100ms);
    EXPECT_EQ(dispatcher::backoff_delay(retry, 60, 1.0), 100ms);
}

TEST(DispatcherBackoffTest, ScalesTheCapByTheJitter) {
    const retry_policy retry{10ms, 100ms};
    EXPECT_EQ(dispatcher::backoff_delay(retry, 3, 0.5), 20ms);
    EXPECT_EQ(dispatcher::backoff_delay(retry, 3, 0.0), 0ms);
}

}  // namespace
}  // namespace linetest::updates
