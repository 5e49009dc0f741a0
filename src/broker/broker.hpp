#pragma once
// A broker carries a channel's publications to every node that has subscribers for it, and
// numbers them: offsets are allocated by the broker, so they stay monotonic per channel however
// many nodes publish. Implementations: local_broker (in process, one node or nodes sharing one
// local_bus in tests) and redis_broker (cluster mode, `broker = "redis://…"`).
//
// Topics: the caller names each channel with a topic string that is the same on every node
// ("<tenant>:<channel>", see topic_of; tenants never contain ':'); the broker derives its own keys from it.
//
// Thread: a broker belongs to one io_context (a shard's). Every member is called on that
// thread, and every callback and every delivered envelope runs on it, never inside the call
// that registered it.
//
// Delivery: a node subscribed to a topic receives every envelope published on it after its
// subscribe() completed, exactly once, in offset order (its own publications included: the
// publisher does not deliver locally on its own, which is what makes delivery exactly once).
// While the broker is down nothing is delivered; what was missed is found in history by offset.

#include "broker/envelope.hpp"
#include "core/unique_function.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sb::broker {

// The numbering of a channel's publications: the last offset handed out and its epoch.
struct channel_position {
    std::uint64_t offset = 0;
    std::string epoch;  // empty: the broker has no position for the channel yet
};

struct publish_outcome {
    bool ok = false;
    // With publish_options::require_position: the broker has no position for the channel;
    // nothing was published. Publish again with the store's position as `initial`.
    bool needs_position = false;
    // With publish_options::idempotency_key: a publication with that key went out within the
    // window (from any node); nothing was published. position, id and created_at_ms are the
    // first one's.
    bool duplicate = false;
    std::string error;          // why not, when !ok
    channel_position position;  // ok: the offset and epoch given to this publication
    std::string id;             // duplicate: the first publication's envelope id
    std::uint64_t created_at_ms = 0;  // duplicate: the first publication's
};

struct subscribe_outcome {
    bool ok = false;     // false: the broker is down; the subscription still stands and takes
                         // effect when it comes back
    std::string error;
    channel_position position;        // the channel's position once the subscription was active
    std::optional<envelope> cached;   // the channel's last cacheable publication, if live
    // Presence channels: the membership version once the subscription was active; every member
    // event of a later version is delivered (0: none yet, or unknown).
    std::uint64_t member_version = 0;
};

struct presence_member {
    std::string user_id;
    std::string info_json;
    bool operator==(const presence_member&) const = default;
};

struct presence_outcome {
    bool ok = false;
    std::string error;
    bool full = false;     // join: refused, the channel has max_members members cluster-wide
    bool changed = false;  // join: the user's first connection cluster-wide; leave: its last
    std::vector<presence_member> members;  // join and members(): every member, unordered
    // join and members(): the membership version `members` is as of. It holds the effect of
    // every member event of this or a lower version, and of none of a higher one (0: unknown).
    std::uint64_t version = 0;
};

struct channel_count {
    std::string topic;
    std::uint64_t subscriptions = 0;
    std::uint64_t users = 0;  // presence members (0 for other channels)
    bool operator==(const channel_count&) const = default;
};

struct publish_options {
    // When the broker has no position for the channel, numbering continues from here (the
    // history store's last offset and epoch, so a broker that lost its data never reuses an
    // offset the store already holds).
    channel_position initial;
    // > 0: remember this publication as the channel's cached event for that long.
    std::uint64_t cache_ttl_ms = 0;
    // True: when the broker has no position for the channel, publish nothing and answer
    // needs_position (channels with history: their numbering must continue the store's, read
    // fresh, not the caller's possibly stale idea of it).
    bool require_position = false;
    // False: the publication takes no offset (native-only events such as typing are not part
    // of the channel's numbered stream); it is delivered with offset 0.
    bool numbered = true;
    // Non-empty: publish only if no publication of the topic with this key went out within
    // idempotency_window_ms, whichever node sent it (decided in the same atomic step as the
    // numbering, so two nodes racing with one key publish once).
    std::string idempotency_key;
    std::uint64_t idempotency_window_ms = 0;
};

// Whether a change of this node's subscription count made the cluster-wide count of the topic
// cross zero. Decided atomically with the change, so exactly one node sees each crossing.
enum class occupancy : std::uint8_t { unchanged, occupied, vacated };

// A change the broker made on its own rather than as the answer to one of this node's calls:
// its janitor removed a dead node (members left with no connection anywhere, channels left
// with no subscription), or it registered this node's subscriptions and members again after
// Redis had lost them. Reported only by the node whose atomic step made the change, so once.
struct cluster_change {
    enum class what : std::uint8_t { member_added, member_removed, occupied, vacated };
    what kind = what::member_removed;
    std::string topic;
    std::string user_id;    // member_*
    std::string info_json;  // member_*: the member's info
    bool operator==(const cluster_change&) const = default;
};

class broker {
public:
    virtual ~broker() = default;

    // Numbers `e` (offset, epoch) and delivers it to every subscribed node. `done` gets the
    // position given to it, or an error (then nobody received it).
    virtual void publish(const std::string& topic, envelope e, publish_options options,
                         core::unique_callback<publish_outcome> done) = 0;
    // Starts receiving the topic's envelopes (through the handler given at construction). Call
    // once per topic until unsubscribe(); `done` runs when deliveries are guaranteed.
    virtual void subscribe(const std::string& topic, core::unique_callback<subscribe_outcome> done) = 0;
    virtual void unsubscribe(const std::string& topic) = 0;

    // --- presence, cluster-wide -------------------------------------------------------------
    // Membership versions: every change of a presence channel's members (or a member's info)
    // that is delivered as an envelope takes the channel's next version, carried in the
    // envelope's `offset`. Envelopes of one topic are delivered in version order, and a member
    // list comes with the version it is as of, so a subscriber can join a list and the events
    // around it exactly once: apply the events of a higher version, skip the others. Versions
    // only grow, also across a broker that lost its data; they may skip numbers (a change
    // during an outage is never delivered).
    // A presence channel's members are counted per user and per node. presence_join adds one
    // connection of `change.user_id` (info in `change.data`) on this node; when it is the user's
    // first connection anywhere, `change` (kind member_added) is delivered to every subscribed
    // node in the same atomic step, so exactly one member_added goes out however many nodes
    // and tabs join at once. `max_members` 0: no bound.
    virtual void presence_join(const std::string& topic, envelope change, std::size_t max_members,
                               core::unique_callback<presence_outcome> done) = 0;
    // Removes one connection of the user on this node; on its last connection anywhere,
    // delivers `change` (kind member_removed; data: the member's info) the same way.
    virtual void presence_leave(const std::string& topic, envelope change,
                                core::unique_callback<presence_outcome> done) = 0;
    // Replaces a member's info and delivers `change` (kind member_updated); changed is false,
    // and nothing is delivered, when the user is not a member.
    virtual void presence_update(const std::string& topic, envelope change,
                                 core::unique_callback<presence_outcome> done) = 0;
    virtual void presence_members(const std::string& topic, core::unique_callback<presence_outcome> done) = 0;

    // --- counts and control ------------------------------------------------------------------
    // Adds `delta` to this node's subscription count of the topic; `done` (may be empty) hears
    // whether that made the cluster-wide count cross zero (unchanged as well when the broker
    // is down: the crossing is then nobody's to report).
    virtual void count_subscriptions(const std::string& topic, std::int64_t delta,
                                     core::unique_callback<occupancy> done) = 0;
    // Subscriptions summed over the live nodes, and members of presence topics, for the topic
    // `topic` (exact) or every topic starting with it (!exact). Topics with no subscription are
    // left out.
    virtual void channel_counts(const std::string& topic, bool exact,
                                core::unique_callback<std::vector<channel_count>> done) = 0;
    // Delivers `e` (kind terminate_user) to every node, this one included.
    virtual void broadcast(envelope e) = 0;
    // Publishes this node's counts per name (connections per tenant, and the hub's message rates)
    // and answers with the other live nodes' sums per name (what a cluster-wide limit adds to
    // the local count).
    virtual void exchange_connection_counts(std::map<std::string, std::int64_t> mine,
                                            core::unique_callback<std::map<std::string, std::int64_t>> others) = 0;

    // True while the broker can carry publications.
    [[nodiscard]] virtual bool healthy() const noexcept = 0;
};

// The topic of a tenant's channel (tenant as history names it: "<app_id>/<environment>").
[[nodiscard]] inline std::string topic_of(std::string_view tenant, std::string_view channel) {
    std::string t;
    t.reserve(tenant.size() + 1 + channel.size());
    t += tenant;
    t += ':';
    t += channel;
    return t;
}

using envelope_handler = std::function<void(envelope&&)>;
using health_handler = std::function<void(bool healthy)>;
using cluster_change_handler = std::function<void(std::vector<cluster_change>&&)>;

}  // namespace sb::broker
