#pragma once
// The members of one presence channel, keyed by user id (PUSHER.md 1.6).
//
// A user with several connections (tabs, devices) is one member: the first connection adds
// the member, the last one to leave removes it. The member's info is the JSON text the first
// connection's channel_data carried (later connections do not replace it; an explicit update does).
// Owned by the channel's home shard; not thread-safe. Operations are O(1) on average.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sb::core {

class presence_set {
public:
    enum class join_result : std::uint8_t {
        first_connection,       // the user just became a member: announce member_added
        additional_connection,  // already a member through another connection
        full,                   // new user refused: the channel has max_members members
    };

    struct member {
        std::string info_json;  // "null" when the user has no info
        std::uint32_t connections = 0;
    };

    explicit presence_set(std::size_t max_members) : max_members_(max_members) {}

    join_result join(std::string_view user_id, std::string_view info_json);
    // True when that was the user's last connection: announce member_removed.
    // Leaving a user that is not a member is a no-op that returns false.
    bool leave(std::string_view user_id);
    // Replaces the member's info; false when the user is not a member.
    bool update(std::string_view user_id, std::string_view info_json);

    [[nodiscard]] const member* find(std::string_view user_id) const;
    [[nodiscard]] std::size_t size() const noexcept { return members_.size(); }
    [[nodiscard]] bool empty() const noexcept { return members_.empty(); }
    [[nodiscard]] std::size_t max_members() const noexcept { return max_members_; }

    template <class F>
    void for_each(F&& f) const {
        for (const auto& [id, m] : members_) f(std::string_view(id), m);
    }

private:
    struct string_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    std::unordered_map<std::string, member, string_hash, std::equal_to<>> members_;
    std::size_t max_members_;
};

}  // namespace sb::core
