#pragma once
// Messages and queries for the store contract suite (store_contract_test.hpp), shared by its
// files, one per feature area: store_contract_test.cpp (append, find, idempotency) and
// store_contract_{pagination,offsets,search,prune,receipts,schema}_test.cpp.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.hpp"
#include "storage/store.hpp"

namespace sb::storage::testing {

inline constexpr std::string_view tenant = "app1/production";
inline constexpr std::string_view other_tenant = "app1/staging";
inline constexpr std::uint64_t t0 =
    1'700'000'000'000;  // a fixed "now": tests pass times, never read clocks

// Builds messages as the history writer does: time-ordered ids, offsets counting per channel.
class message_factory {
public:
    message_record make(std::string_view channel, std::string data = "{\"text\":\"hello\"}",
                        std::string_view user = "alice", std::string_view in_tenant = tenant) {
        message_record m;
        m.tenant = in_tenant;
        m.channel = channel;
        now_ms_ += 1;
        m.id = ids_.next("msg_", now_ms_);
        m.offset = ++offsets_[std::string(in_tenant) + '\n' + std::string(channel)];
        m.user_id = user;
        m.event = "message";
        m.data = std::move(data);
        m.created_at_ms = now_ms_;
        return m;
    }

    std::vector<message_record> make_many(std::string_view channel, std::size_t n,
                                          std::string_view user = "alice",
                                          std::string_view in_tenant = tenant) {
        std::vector<message_record> out;
        out.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            out.push_back(
                make(channel, "{\"text\":\"message " + std::to_string(i) + "\"}", user, in_tenant));
        }
        return out;
    }

    [[nodiscard]] std::uint64_t now_ms() const noexcept { return now_ms_; }
    void advance_to(std::uint64_t ms) noexcept { now_ms_ = ms; }

private:
    core::ulid_generator ids_{42};
    std::uint64_t now_ms_ = t0;
    std::map<std::string, std::uint64_t> offsets_;
};

inline void append_in_batches(connection& c, const std::vector<message_record>& messages,
                              std::size_t batch) {
    for (std::size_t i = 0; i < messages.size(); i += batch) {
        const std::size_t n = std::min(batch, messages.size() - i);
        c.append(std::span(messages).subspan(i, n));
    }
}

inline std::vector<std::string> ids_of(const std::vector<message_record>& messages) {
    std::vector<std::string> out;
    out.reserve(messages.size());
    for (const auto& m : messages) out.push_back(m.id);
    return out;
}

inline page_query page_of(std::string_view channel, std::size_t limit, sort_order order) {
    page_query q;
    q.tenant = tenant;
    q.channel = channel;
    q.limit = limit;
    q.order = order;
    return q;
}

inline search_query search_for(std::string text,
                               std::optional<std::string> channel = std::nullopt) {
    search_query q;
    q.tenant = tenant;
    q.channel = std::move(channel);
    q.text = std::move(text);
    return q;
}

inline void expect_same_message(const message_record& got, const message_record& want) {
    EXPECT_EQ(got.tenant, want.tenant);
    EXPECT_EQ(got.channel, want.channel);
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.offset, want.offset);
    EXPECT_EQ(got.user_id, want.user_id);
    EXPECT_EQ(got.event, want.event);
    EXPECT_EQ(got.data, want.data);
    EXPECT_EQ(got.created_at_ms, want.created_at_ms);
    EXPECT_EQ(got.idempotency_key, want.idempotency_key);
}

}  // namespace sb::storage::testing
