#include "api/receipts.hpp"

#include "core/clock.hpp"
#include "history/storage_runner.hpp"
#include "net/shard.hpp"
#include "protocol/json_writer.hpp"
#include "core/time_format.hpp"

namespace sb::api {

void mark_read(hub& h, const core::tenant& t, std::string channel, std::string user_id, std::string message_id,
               net::unique_callback<mark_read_result> done) {
    net::shard* origin = net::shard::current();
    if (!h.history() || !h.keeps_history(t, channel)) {
        mark_read_result r;
        r.outcome = mark_read_result::status::no_history;
        return done(r);
    }
    struct job {
        std::string channel, user_id, message_id;
        net::unique_callback<mark_read_result> done;
    };
    auto j = std::make_shared<job>(job{std::move(channel), std::move(user_id), std::move(message_id), std::move(done)});
    const core::tenant* tenant = &t;
    hub* hp = &h;
    h.history()->write([hp, tenant, origin, j](storage::connection& conn) {
        mark_read_result r;
        r.read_at_ms = core::wall_clock_ms();
        try {
            const auto message = conn.find(hub::storage_tenant(*tenant), j->message_id);
            if (!message || message->channel != j->channel) {
                r.outcome = mark_read_result::status::unknown_message;
            } else {
                const bool moved =
                    conn.mark_read(hub::storage_tenant(*tenant), j->channel, j->user_id, j->message_id, r.read_at_ms);
                r.outcome = moved ? mark_read_result::status::moved : mark_read_result::status::unchanged;
            }
        } catch (const std::exception&) {
            r.outcome = mark_read_result::status::failed;
        }
        origin->post([hp, tenant, j, r] {
            if (r.outcome == mark_read_result::status::moved) {
                publication pub;
                pub.tenant = tenant;
                pub.channel = j->channel;
                pub.event = "message:read";
                std::string data = R"({"message_id":)";
                protocol::append_json_string(data, j->message_id);
                data += R"(,"user_id":)";
                protocol::append_json_string(data, j->user_id);
                data += R"(,"read_at":)";
                protocol::append_json_string(data, core::format_rfc3339(r.read_at_ms));
                data += '}';
                pub.data = std::move(data);
                pub.user_id = j->user_id;
                pub.to = audience::native_only;
                pub.cacheable = false;
                pub.storable = false;
                hp->publish(std::move(pub), {});
            }
            j->done(r);
        });
    });
}

}  // namespace sb::api
