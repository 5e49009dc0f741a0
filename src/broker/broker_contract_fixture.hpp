#pragma once
// The broker contract suite's fixture, shared by its files (broker_contract_test.cpp and
// broker_contract_presence_test.cpp): one contract, every broker. Test-only.

#include "broker/broker.hpp"

#include "broker/local_broker.hpp"
#ifdef SB_HAS_REDIS_BROKER
#include "broker/redis/redis_connection.hpp"
#include "broker/redis_broker.hpp"
#endif

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string_view>
#include <string>
#include <thread>
#include <vector>

// One contract, every broker: two brokers made by the same factory act as two nodes of one
// cluster (the in-process ones share a local_bus; the Redis ones share a server and a key
// prefix unique to the test). Everything runs on the test thread's io_context.

namespace sb::broker {
namespace {

using namespace std::chrono_literals;

template <class Predicate>
bool run_until(boost::asio::io_context& context, Predicate done, std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        if (context.stopped()) context.restart();
        context.run_one_for(10ms);
    }
    return true;
}

// A node of the test cluster: its broker and what it received.
struct node {
    std::vector<envelope> received;
    std::vector<cluster_change> changes;  // what its broker reported doing on its own
    std::unique_ptr<broker> b;
};

class cluster_factory {
public:
    virtual ~cluster_factory() = default;
    // Empty when this broker cannot run here (the reason in skip_reason()).
    virtual std::unique_ptr<node> make(boost::asio::io_context& context) = 0;
    [[nodiscard]] virtual std::string skip_reason() const { return {}; }
    // Runs until every node made so far is ready to carry publications.
    virtual bool wait_ready(boost::asio::io_context&) { return true; }
    // Makes the shared store forget everything, as a Redis restarted without persistence does;
    // false when this broker has no such store.
    virtual bool lose_data(boost::asio::io_context&) { return false; }
};

class local_factory final : public cluster_factory {
public:
    std::unique_ptr<node> make(boost::asio::io_context& context) override {
        auto n = std::make_unique<node>();
        n->b = std::make_unique<local_broker>(
            context, bus_, [r = &n->received](envelope&& e) { r->push_back(std::move(e)); },
            [c = &n->changes](std::vector<cluster_change>&& v) { c->insert(c->end(), v.begin(), v.end()); });
        return n;
    }

private:
    std::shared_ptr<local_bus> bus_ = std::make_shared<local_bus>();
};

#ifdef SB_HAS_REDIS_BROKER
class redis_factory final : public cluster_factory {
public:
    redis_factory() {
        std::random_device rd;
        prefix_ = "sbtest:" + std::to_string(getpid()) + ":" + std::to_string(rd()) + ":";
    }
    std::unique_ptr<node> make(boost::asio::io_context& context) override {
        const char* text = std::getenv("SB_TEST_REDIS_URL");
        if (text == nullptr || *text == '\0') return nullptr;
        const auto parsed = redis::parse_redis_url(text);
        if (!parsed) return nullptr;
        auto n = std::make_unique<node>();
        redis_broker_options o;
        o.url = parsed.url;
        o.node_id = "test-" + std::to_string(made_.size());
        o.prefix = prefix_;
        o.backoff_initial = 20ms;
        o.backoff_max = 200ms;
        o.node_ttl = 1500ms;  // a dead node's members go within the test's patience
        o.on_envelope = [r = &n->received](envelope&& e) { r->push_back(std::move(e)); };
        o.on_change = [c = &n->changes](std::vector<cluster_change>&& v) { c->insert(c->end(), v.begin(), v.end()); };
        auto b = std::make_unique<redis_broker>(context, std::move(o));
        b->start();
        made_.push_back(b.get());
        n->b = std::move(b);
        return n;
    }
    [[nodiscard]] std::string skip_reason() const override {
        return "SB_TEST_REDIS_URL is not set (export SB_TEST_REDIS_URL=$(scripts/services/redis))";
    }
    bool wait_ready(boost::asio::io_context& context) override {
        return run_until(context, [this] {
            for (auto* b : made_)
                if (!b->healthy()) return false;
            return true;
        });
    }

    bool lose_data(boost::asio::io_context& context) override {
        redis::connection_options o;
        o.url = redis::parse_redis_url(std::getenv("SB_TEST_REDIS_URL")).url;
        redis::redis_connection c(context, std::move(o));
        c.start();
        if (!run_until(context, [&] { return c.connected(); })) return false;
        std::optional<redis::reply> got;
        c.command({"EVAL", "for _, k in ipairs(redis.call('KEYS', ARGV[1] .. '*')) do redis.call('DEL', k) end return 1",
                   "0", prefix_},
                  [&](redis::reply r) { got = std::move(r); });
        const bool ok = run_until(context, [&] { return got.has_value(); }) && !got->is_error();
        c.close();
        return ok;
    }

private:
    std::string prefix_;
    std::vector<redis_broker*> made_;
};
#endif

using factory_fn = std::function<std::unique_ptr<cluster_factory>()>;

struct broker_kind {
    std::string name;
    factory_fn make;
};

class broker_contract : public ::testing::TestWithParam<broker_kind> {
protected:
    void SetUp() override {
        factory_ = GetParam().make();
        a_ = factory_->make(context_);
        if (!a_) GTEST_SKIP() << factory_->skip_reason();
        b_ = factory_->make(context_);
        ASSERT_TRUE(factory_->wait_ready(context_));
    }
    void TearDown() override {
        a_.reset();
        b_.reset();
        // Lets closed connections finish.
        context_.restart();
        context_.poll();
    }

    subscribe_outcome subscribe(node& n, const std::string& topic) {
        std::optional<subscribe_outcome> got;
        n.b->subscribe(topic, [&](subscribe_outcome o) { got = std::move(o); });
        EXPECT_TRUE(run_until(context_, [&] { return got.has_value(); }));
        return got.value_or(subscribe_outcome{});
    }

    publish_outcome publish(node& n, const std::string& topic, std::string data, publish_options options = {}) {
        envelope e;
        e.tenant = "app/production";
        e.channel = topic;
        e.event = "message";
        e.data = std::move(data);
        e.origin_node = n.b.get() == a_->b.get() ? "a" : "b";
        std::optional<publish_outcome> got;
        n.b->publish(topic, std::move(e), std::move(options), [&](publish_outcome o) { got = std::move(o); });
        EXPECT_TRUE(run_until(context_, [&] { return got.has_value(); }));
        return got.value_or(publish_outcome{});
    }

    // One presence change, waited for (two nodes' commands travel on two connections, so only
    // waiting orders them).
    presence_outcome join(node& n, const std::string& topic, envelope e, std::size_t max = 0) {
        std::optional<presence_outcome> got;
        n.b->presence_join(topic, std::move(e), max, [&](presence_outcome o) { got = std::move(o); });
        EXPECT_TRUE(run_until(context_, [&] { return got.has_value(); }));
        return got.value_or(presence_outcome{});
    }
    presence_outcome leave(node& n, const std::string& topic, envelope e) {
        std::optional<presence_outcome> got;
        n.b->presence_leave(topic, std::move(e), [&](presence_outcome o) { got = std::move(o); });
        EXPECT_TRUE(run_until(context_, [&] { return got.has_value(); }));
        return got.value_or(presence_outcome{});
    }

    boost::asio::io_context context_;
    std::unique_ptr<cluster_factory> factory_;
    std::unique_ptr<node> a_;
    std::unique_ptr<node> b_;
};

envelope member(std::string_view topic, envelope_kind kind, std::string user, std::string info = "null") {
    envelope e;
    e.kind = kind;
    const auto colon = topic.find(':');
    e.tenant = std::string(topic.substr(0, colon));
    e.channel = std::string(topic.substr(colon + 1));
    e.user_id = std::move(user);
    e.data = std::move(info);
    return e;
}

std::vector<broker_kind> every_broker() {
    std::vector<broker_kind> kinds{{"local", [] { return std::make_unique<local_factory>(); }}};
#ifdef SB_HAS_REDIS_BROKER
    kinds.push_back({"redis", [] { return std::make_unique<redis_factory>(); }});
#endif
    return kinds;
}

}  // namespace
}  // namespace sb::broker
