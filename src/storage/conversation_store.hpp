#pragma once
// Conversations, their members and roles, unread counts, and the AI caches
// (issue 7: conversations and AI). Implemented per backend in
// sqlite/conversation_store.cpp and postgres/conversation_store.cpp; used
// through connection::conversations(), on the connection's thread. Both pass
// conversation_store_contract_test.cpp.
//
// A conversation is a history channel: its uid is the channel name, its
// messages are the channel's stored messages, and a member's read position is
// their read watermark in it. So the conversation tables only add who belongs
// (members and roles), whom unread counts concern (notify_roles) and a free
// JSON object (`custom`) to filter by.
//
// Role-aware unread: a member is notified when the conversation's notify_roles
// is empty or holds their role. The flag is kept on the member row (recomputed
// when notify_roles or the role changes), so the unread query reads it without
// parsing JSON. A member who is not notified has no unread messages in that
// conversation.
//
// Costs: unread() is one statement for all of a user's conversations: per
// conversation one watermark lookup, one index-only count over its unread
// messages (messages_by_channel_id) and one probe for its newest message; so
// O(conversations · log N + unread messages). Measured in
// conversation_store_bench.cpp (docs/ai.md "Unread counts at scale").
//
// Errors: storage_error, as store.hpp. Times are milliseconds since the Unix
// epoch, passed in.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb::storage {

struct conversation_member {
    std::string user_uid;
    std::string role;  // free text ("agent", "customer", "owner"…); "member" when
                       // not given
};

struct conversation_record {
    std::string tenant;
    std::string uid;                           // the channel name
    std::string custom_json = "{}";            // a JSON object, stored as given (compact)
    std::vector<std::string> notify_roles;     // empty: every member is notified
    std::vector<conversation_member> members;  // sorted by user_uid (filled by get())
    std::uint64_t created_at_ms = 0;
    std::uint64_t updated_at_ms = 0;
};

// One conversation of a user, as list_for_user() returns it (members not
// loaded).
struct user_conversation {
    std::string uid;
    std::string role;  // the user's role in it
    bool notified = true;
    std::string custom_json;
    std::vector<std::string> notify_roles;
    std::uint64_t created_at_ms = 0;
    std::uint64_t updated_at_ms = 0;
};

// custom[key]=value: the conversation's custom JSON has `key` at its top level,
// and its value is the string `value`, or a number or boolean whose JSON text
// is `value`. Keys are 1-64 characters of [A-Za-z0-9_-] (checked by the
// caller).
struct custom_filter {
    std::string key;
    std::string value;
};
inline constexpr std::size_t max_custom_filters = 8;

struct unread_query {
    std::string tenant;
    std::string user_uid;
    std::vector<custom_filter> filters;  // all must match; at most max_custom_filters
    // Also read each conversation's oldest unread message time and its AI summary
    // cache row (for digests); plain unread summaries leave these out.
    bool with_digest_columns = false;
};

// The AI summary cache of one conversation (one row; also holds the
// regeneration claim).
struct summary_cache {
    std::string tenant;
    std::string conversation_uid;
    std::string summary_json;         // empty: no summary stored yet (only a claim)
    std::string last_message_id;      // the newest message the summary includes
    std::uint64_t message_count = 0;  // messages with id <= last_message_id when generated
    std::string fingerprint;          // engine, model and prompt the summary was made with
    std::uint64_t generated_at_ms = 0;
    std::uint64_t tokens_used = 0;    // by the generation that produced it
    std::uint64_t claimed_at_ms = 0;  // last regeneration attempt (the rate-limit window)
};

struct unread_row {
    std::string conversation_uid;
    std::string role;
    bool notified = true;
    std::uint64_t unread_count = 0;  // 0 when not notified
    std::string last_message_id;     // "" when the conversation has no message
    std::uint64_t last_message_at_ms = 0;
    // with_digest_columns only:
    std::uint64_t oldest_unread_at_ms = 0;  // 0 when nothing is unread
    std::optional<summary_cache> summary;   // the cache row, if any
};

// Exact statistics of a conversation's stored messages.
struct conversation_stats {
    std::uint64_t total_messages = 0;
    std::uint64_t participants = 0;  // distinct non-empty senders
    std::uint64_t first_message_at_ms = 0;
    std::uint64_t last_message_at_ms = 0;
    std::string last_message_id;  // "" when there is none
    // Messages with id <= the `upto_id` given to stats() (0 when none was given).
    std::uint64_t messages_upto = 0;
};

struct digest_cache {
    std::string tenant;
    std::string user_uid;
    std::string filter_key;   // canonical filters (and settings) the digest was made for
    std::string fingerprint;  // of the inputs: conversations, their summaries,
                              // unread counts
    std::string digest_json;  // the stored `digest` object and meta fields
    std::uint64_t generated_at_ms = 0;
    std::uint64_t tokens_used = 0;
};

struct ai_profile {
    std::string tenant;
    std::string user_uid;
    std::string preferences_json = "{}";
    std::uint64_t registered_at_ms = 0;
    std::uint64_t requests = 0;
    std::uint64_t tokens_used = 0;
    std::uint64_t last_request_at_ms = 0;
};

class conversation_store {
public:
    virtual ~conversation_store() = default;

    // --- conversations and members
    // ---------------------------------------------------------- Creates the
    // conversation with its members in one transaction. False (and nothing
    // written) when the uid exists in the tenant.
    virtual bool create(const conversation_record& conversation) = 0;
    // The conversation with its members, sorted by user_uid.
    virtual std::optional<conversation_record> get(std::string_view tenant,
                                                   std::string_view uid) = 0;
    // Replaces custom and/or notify_roles (members' notified flags follow). False
    // when missing.
    virtual bool update(std::string_view tenant, std::string_view uid,
                        const std::optional<std::string>& custom_json,
                        const std::optional<std::vector<std::string>>& notify_roles,
                        std::uint64_t now_ms) = 0;
    // Deletes the conversation, its members and its summary cache (not its
    // messages).
    virtual bool remove(std::string_view tenant, std::string_view uid) = 0;
    // Adds members, or changes the role of those already in. False when the
    // conversation is missing.
    virtual bool upsert_members(std::string_view tenant, std::string_view uid,
                                std::span<const conversation_member> members,
                                std::uint64_t now_ms) = 0;
    virtual bool remove_member(std::string_view tenant, std::string_view uid,
                               std::string_view user_uid) = 0;
    // The member's role; nullopt when not a member (or no such conversation).
    virtual std::optional<std::string> member_role(std::string_view tenant, std::string_view uid,
                                                   std::string_view user_uid) = 0;
    // The user's conversations by uid, after `after_uid` (exclusive; "" from the
    // start), at most `limit`.
    virtual std::vector<user_conversation> list_for_user(std::string_view tenant,
                                                         std::string_view user_uid,
                                                         std::string_view after_uid,
                                                         std::size_t limit) = 0;

    // --- unread
    // -----------------------------------------------------------------------------
    // Every conversation of the user that matches the filters, unordered, with
    // unread counts (messages after the user's watermark, not counting the user's
    // own).
    virtual std::vector<unread_row> unread(const unread_query& query) = 0;
    // Exact statistics; `upto_id` also counts messages with id <= upto_id.
    virtual conversation_stats stats(std::string_view tenant, std::string_view uid,
                                     std::string_view upto_id) = 0;

    // --- AI summary cache
    // -------------------------------------------------------------------
    virtual std::optional<summary_cache> summary(std::string_view tenant, std::string_view uid) = 0;
    // Takes the regeneration slot of the conversation when the previous claim is
    // at least `window_ms` old (or there is none): true when this caller got it.
    // Atomic across connections and nodes, so at most one regeneration starts per
    // window.
    virtual bool claim_regeneration(std::string_view tenant, std::string_view uid,
                                    std::uint64_t now_ms, std::uint64_t window_ms) = 0;
    // Stores a generated summary (keeps the claim time).
    virtual void store_summary(const summary_cache& summary) = 0;

    // --- AI digest cache
    // --------------------------------------------------------------------
    virtual std::optional<digest_cache> digest(std::string_view tenant, std::string_view user_uid,
                                               std::string_view filter_key) = 0;
    virtual void store_digest(const digest_cache& digest) = 0;

    // --- per-tenant AI settings (the stored overrides, a JSON object; "" when
    // none) ----------
    virtual std::string ai_settings(std::string_view tenant) = 0;
    virtual void store_ai_settings(std::string_view tenant, std::string_view settings_json,
                                   std::uint64_t now_ms) = 0;

    // --- AI profiles (auto-registration)
    // ---------------------------------------------------- Creates the user's
    // profile unless it exists: true only for the call that created it, also when
    // several connections or nodes race (INSERT … ON CONFLICT DO NOTHING).
    virtual bool register_profile(std::string_view tenant, std::string_view user_uid,
                                  std::uint64_t now_ms) = 0;
    virtual std::optional<ai_profile> profile(std::string_view tenant,
                                              std::string_view user_uid) = 0;
    // Counts one request and its tokens on an existing profile.
    virtual void record_usage(std::string_view tenant, std::string_view user_uid,
                              std::uint64_t tokens, std::uint64_t now_ms) = 0;
};

}  // namespace sb::storage
