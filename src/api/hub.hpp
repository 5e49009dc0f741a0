#pragma once
// Routes subscriptions and publications between the shards of this process.
//
// Every channel has a home shard (a hash of tenant and name). The home shard keeps the channel's
// state (core::channel_state: subscription counts per shard, presence members, cache, offsets)
// and every change to it, and every publication, passes through there; so publications of a
// channel are ordered, and a presence change is decided in one place. Each shard keeps its own
// index of local subscribers (core::subscription_index), in two groups: plain Pusher connections
// and connections speaking the native extensions. A publication is encoded once per group that
// has subscribers, on the home shard, and posted once to each shard that has subscribers, which
// writes it to its sockets.
//
// Ordering: tasks posted from one shard to another run in order, so a subscriber added after a
// subscribe reply never misses a publication the home shard routed after that reply, and never
// sees one routed before it.
//
// Thread: every public method is called on a shard thread (the caller's, "S"); completions run
// on that same shard. Methods never block; they post.

#include "api/realtime_options.hpp"
#include "protocol/pusher/client_message.hpp"
#include "core/app.hpp"
#include "core/channel_key.hpp"
#include "core/ids.hpp"
#include "net/task.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sb::net {
class shard_set;
class shard;
}  // namespace sb::net

namespace sb::history {
class storage_runner;
}  // namespace sb::history

namespace sb::core {
class channel_state;
}  // namespace sb::core

namespace sb::broker {
class broker;
struct envelope;
struct publish_outcome;
struct cluster_change;
}  // namespace sb::broker

namespace sb::webhooks {
class event_sink;
struct channel_event;
enum class event_kind : std::uint8_t;
}  // namespace sb::webhooks

namespace sb::webrtc {
class janus_recorder;
class room_registry;
}  // namespace sb::webrtc

namespace sb::api {

class client;

// Which subscribers see a publication.
enum class audience : std::uint8_t { everyone, native_only };

struct publication {
    const core::tenant* tenant = nullptr;
    std::string channel;
    std::string event;
    std::string data;
    core::socket_id exclude;        // empty: deliver to everyone (the sender included)
    std::string user_id;            // the sender, for native metadata
    bool user_id_in_pusher_frame = false;  // Pusher client events on presence channels carry it
    audience to = audience::everyone;
    bool cacheable = true;          // cache channels remember it
    std::string idempotency_key;    // a repeat within the window is not delivered again
    // Kept in history when the channel keeps history: what servers publish and clients' `message`
    // events; not client- events, typing or custom client events such as cursor moves.
    bool storable = true;
};

struct publish_result {
    std::uint32_t subscription_count = 0;
    std::uint32_t user_count = 0;
    std::string id;           // msg_…
    std::uint64_t offset = 0;
    std::string epoch;
    std::uint64_t created_at_ms = 0;
    bool duplicate = false;   // an idempotent repeat: nothing was delivered
    bool stored = false;      // durable in the history store
    bool failed = false;      // should have been stored but was not (the server stopped first)
};

struct subscribe_request {
    core::channel_key key;
    bool presence = false;
    bool cache = false;
    bool native = false;
    std::string user_id;    // presence member (empty: subscribe without membership)
    std::string user_info;  // presence member info (JSON text)
    core::socket_id socket;
    std::optional<protocol::pusher::recover_position> recover;
};

// How a resubscribing client gets what it missed (docs/protocol.md "Recovery").
enum class recovery : std::uint8_t {
    none,          // nothing asked
    from_memory,   // the missed messages are in subscribe_result::missed
    from_storage,  // read offsets (recover.offset, offset] from the store
    impossible,    // other epoch, or the channel keeps no history: fetch history instead
};

struct subscribe_result {
    enum class status : std::uint8_t { ok, presence_full, channel_limit };
    status outcome = status::ok;
    std::string presence_snapshot;  // pusher_internal:subscription_succeeded text for presence
    std::string presence_sync;      // presence:sync text for native presence subscribers
    std::optional<std::string> cached_frame;  // the cache channel's last event, framed text
    std::uint64_t offset = 0;       // the channel's last offset when the subscriber joined
    std::string epoch;
    recovery recover = recovery::none;
    std::vector<std::string> missed;  // native frame texts, in order, for recovery::from_memory
    // Cluster mode, presence: member events newer than presence_snapshot that went out before
    // the subscriber was attached, frame texts in order, to send right after the snapshot.
    std::vector<std::string> member_events;
};

// One message of POST …/messages/import.
struct import_item {
    std::string user_id;
    std::string event;
    std::string data;
    std::uint64_t created_at_ms = 0;
};

struct history_options {
    std::size_t recent_messages = 64;       // per channel, in memory, for quick recovery
    std::uint64_t idle_channel_ms = 60'000; // how long a vacant history channel keeps its position
};

struct presence_change {
    enum class kind : std::uint8_t { enter, update, leave };
    kind what = kind::update;
    std::string user_id;
    std::string info_json;
};

struct channel_info {
    bool occupied = false;
    std::uint32_t subscription_count = 0;
    std::uint32_t user_count = 0;
    bool has_cache = false;
};

struct channel_summary {
    std::string name;
    std::uint32_t subscription_count = 0;
    std::uint32_t user_count = 0;
    bool presence = false;
};

class hub {
public:
    // `history` may be null: then no channel keeps history.
    hub(net::shard_set& shards, const core::app_registry& apps, const realtime_options& options,
        history::storage_runner* history = nullptr, history_options history_opts = {});
    ~hub();

    // Joins the channel on its home shard and answers on the caller's shard. On ok the caller
    // then calls attach() to start receiving publications.
    void subscribe(subscribe_request request, net::unique_callback<subscribe_result> done);

    // Local bookkeeping after an ok subscribe: adds `c` to this shard's subscribers of `key`.
    // The attachment identifies the entry for detach(); its slot changes when other subscribers
    // leave (client::move_slot is told).
    struct attachment {
        const void* channel = nullptr;
        std::uint8_t group = 0;  // 0 plain, 1 native
        std::uint32_t slot = 0;
    };
    attachment attach(client& c, const core::channel_key& key, bool native);
    // Removes `c` from this shard's subscribers and leaves the channel on its home shard
    // (member_removed, vacancy). `user_id` is the presence member, if the client still is one.
    void detach(attachment where, std::string user_id);
    // Undoes a subscribe whose reply arrived after the client gave up on it.
    void leave(const core::channel_key& key, bool native, std::string user_id);

    // Delivers a publication; for channels that keep history `done` runs once it is stored.
    void publish(publication pub, net::unique_callback<publish_result> done);
    // Stores messages that happened elsewhere (no live delivery), numbered after the channel's
    // last offset, in the given order. `done(ids)` once all are stored (empty on failure).
    void import_messages(const core::tenant& t, std::string channel, std::vector<import_item> items,
                         net::unique_callback<std::vector<publish_result>> done);
    // True when the tenant's channel keeps history.
    [[nodiscard]] bool keeps_history(const core::tenant& t, std::string_view channel) const;
    [[nodiscard]] history::storage_runner* history() const noexcept { return history_; }
    // "<app_id>/<environment>": the tenant as the store names it.
    [[nodiscard]] static std::string storage_tenant(const core::tenant& t);
    // Enter, update or leave a presence channel's membership without (un)subscribing.
    // `done(true)` when the change was applied.
    void change_presence(core::channel_key key, presence_change change, net::unique_callback<bool> done);

    void query_channel(const core::tenant& t, std::string name, net::unique_callback<channel_info> done);
    // Occupied channels of the tenant whose names start with `prefix`.
    void query_channels(const core::tenant& t, std::string prefix,
                        net::unique_callback<std::vector<channel_summary>> done);
    // User ids of a presence channel (empty when vacant).
    void query_users(const core::tenant& t, std::string name,
                     net::unique_callback<std::vector<std::string>> done);
    // The presence subscription_succeeded frame text for an already joined member.
    void presence_snapshot(const core::channel_key& key, net::unique_callback<std::string> done);

    // Signed-in users on this shard (for terminate_connections).
    void add_user(client& c, std::uint32_t tenant, const std::string& user_id);
    void remove_user(client& c, std::uint32_t tenant, const std::string& user_id);
    // Closes every connection of that user on every shard.
    void terminate_user(const core::tenant& t, std::string user_id);

    // Counts a connection against the server-wide bound; false when it is reached.
    [[nodiscard]] bool admit_connection() noexcept;
    void release_connection() noexcept;
    [[nodiscard]] std::int64_t connection_count() const noexcept { return connections_.load(std::memory_order_relaxed); }

    [[nodiscard]] std::uint32_t home_of(const core::channel_key& key) const noexcept;
    [[nodiscard]] net::shard_set& shards() noexcept { return shards_; }
    [[nodiscard]] const realtime_options& options() const noexcept { return options_; }
    [[nodiscard]] const core::app_registry& apps() const noexcept { return apps_; }

    // Where channel, presence and message events go for webhooks (null: nowhere). Set before
    // the shards run.
    void set_event_sink(webhooks::event_sink* sink) noexcept { sink_ = sink; }
    void emit(const core::tenant& t, webhooks::channel_event event) const;
    // Whether a webhook of the tenant takes events of that kind: test it before building one on
    // a hot path (every subscribe, every message).
    [[nodiscard]] bool wants(const core::tenant& t, webhooks::event_kind kind) const noexcept;

    // The WebRTC rooms of this node (null: none). Set before the shards run.
    void set_webrtc(webrtc::room_registry* rooms) noexcept { webrtc_ = rooms; }
    [[nodiscard]] webrtc::room_registry* webrtc() const noexcept { return webrtc_; }
    // Records rooms with recording_enabled through Janus (null: webrtc.janus_url is not set).
    void set_recorder(webrtc::janus_recorder* r) noexcept { recorder_ = r; }
    [[nodiscard]] webrtc::janus_recorder* recorder() const noexcept { return recorder_; }

    // Forgets idle channel state on this shard (called by the shard's tick).
    void sweep_idle_channels();

    // --- cluster mode (docs/cluster.md) -----------------------------------------------------
    // With a broker, publications travel through it: the home shard has the broker number the
    // publication (cluster-wide offsets) and every node subscribed to the channel, this one
    // included, delivers what the broker hands it. A node's home shard subscribes to the
    // channel's topic while the channel has local subscribers, before answering the first
    // subscribe. Set before the shards run; `broker_shard` is the shard whose io_context runs
    // the broker. Without a broker nothing of this runs (the single-node path is unchanged).
    void set_broker(broker::broker* b, std::uint32_t broker_shard, std::string node_id);
    [[nodiscard]] bool clustered() const noexcept { return broker_ != nullptr; }
    [[nodiscard]] const std::string& node_id() const noexcept { return node_id_; }
    // What the broker delivered; call on the broker shard.
    void on_envelope(broker::envelope&& e);
    // What the broker changed on its own (a dead node reaped, this node registered again):
    // the webhooks for it. Call on the broker shard.
    void on_cluster_changes(std::vector<broker::cluster_change>&& changes);
    // Shares this node's connection counts and message rates and takes in the other nodes' (for
    // cluster-wide connection and message limits). Call on the broker shard, about once a second.
    void exchange_connection_counts();
    // Cluster mode: the tenant's connections on the other nodes, as of the last exchange (so a
    // cluster-wide connection limit is approximate by what a second brings). 0 on a single node.
    [[nodiscard]] std::int64_t remote_connections(std::uint32_t tenant) const noexcept {
        return tenant < remote_connections_.size() ? remote_connections_[tenant].load(std::memory_order_relaxed) : 0;
    }

private:
    struct shard_state;
    struct frames;
    shard_state& state_here();
    void home_subscribe(subscribe_request req, net::shard* origin, std::uint32_t from,
                        net::unique_callback<subscribe_result> done);
    void home_publish(core::channel_key key, publication pub, net::shard* origin,
                      net::unique_callback<publish_result> done);
    struct import_job;
    void home_import(std::shared_ptr<import_job> job, net::shard* origin);
    // A history channel whose position is not loaded yet must wait for it (await_position):
    // test first, then build the retry (building it moves the caller's arguments away).
    [[nodiscard]] static bool needs_position(const core::channel_state& ch) noexcept;
    // Queues `retry` until the channel's position is loaded. Call on the home shard.
    void await_position(const core::channel_key& key, net::unique_task retry);
    core::channel_state& home_channel(const core::channel_key& key);
    void cluster_publish(core::channel_key key, publication pub, net::shard* origin,
                         net::unique_callback<publish_result> done, std::string scope, bool keep_cache, bool store);
    struct cluster_publication;
    void send_to_broker(std::shared_ptr<cluster_publication> p);
    void on_numbered(std::shared_ptr<cluster_publication> p, broker::publish_outcome out);
    void home_deliver(const core::channel_key& key, broker::envelope e);
    void home_deliver_member(const core::channel_key& key, core::channel_state& ch, broker::envelope e);
    // Lets member lists go that waited too long for the member events before them.
    void expire_member_lists();
    // Presence in cluster mode: membership and member events are decided by the broker.
    void cluster_join_presence(subscribe_request req, subscribe_result result, net::shard* origin, std::uint32_t from,
                               net::unique_callback<subscribe_result> done);
    void cluster_leave_presence(const core::channel_key& key, const std::string& user_id);
    void cluster_change_presence(core::channel_key key, presence_change change, net::shard* origin,
                                 net::unique_callback<bool> done);
    // The channel's members cluster-wide (user id, info); `done` runs on the broker shard.
    void cluster_members(const core::channel_key& key,
                         net::unique_callback<std::vector<std::pair<std::string, std::string>>> done);
    void count_subscription(const core::channel_key& key, std::int64_t delta);
    void cluster_query_channel(core::channel_key key, net::shard* origin, net::unique_callback<channel_info> done);
    void cluster_query_channels(const core::tenant& t, std::string prefix, net::shard* origin,
                                net::unique_callback<std::vector<channel_summary>> done);
    void cluster_terminate_user(const core::tenant& t, std::string user_id);
    // Closes the user's connections on this node's shards.
    void terminate_user_here(std::uint32_t tenant, std::string user_id);
    [[nodiscard]] broker::envelope member_envelope(const core::channel_key& key, std::uint8_t kind,
                                                   std::string user_id, std::string info) const;
    // Queues `retry` until this node receives the channel's publications from the broker.
    void await_broker(const core::channel_key& key, net::unique_task retry);
    // Stops receiving a channel that has no local subscriber any more.
    void release_broker_if_vacant(const core::channel_key& key);
    [[nodiscard]] std::string topic_of(const core::channel_key& key) const;
    void emit_message_event(const publication& pub, const core::channel_key& key, const publish_result& result);
    void fan_out(std::uint64_t shard_mask, const core::channel_key& key, std::shared_ptr<const frames> f,
                 core::socket_id exclude);

    net::shard_set& shards_;
    const core::app_registry& apps_;
    const realtime_options& options_;
    history::storage_runner* history_;
    history_options history_opts_;
    webhooks::event_sink* sink_ = nullptr;
    webrtc::room_registry* webrtc_ = nullptr;
    webrtc::janus_recorder* recorder_ = nullptr;
    std::vector<std::unique_ptr<shard_state>> states_;
    std::atomic<std::int64_t> connections_{0};
    broker::broker* broker_ = nullptr;
    std::uint32_t broker_shard_ = 0;
    std::string node_id_;
    std::unordered_map<std::string, std::uint32_t> tenant_by_name_;  // storage_tenant → index
    std::vector<std::atomic<std::int64_t>> remote_connections_;      // by tenant index
    // What exchange_connection_counts saw last, on the broker shard: messages accepted per
    // tenant index, and when.
    std::vector<std::uint64_t> messages_at_exchange_;
    std::uint64_t last_exchange_ms_ = 0;
};

}  // namespace sb::api
