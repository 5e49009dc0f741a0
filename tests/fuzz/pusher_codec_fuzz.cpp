// libFuzzer target for every codec a client or caller reaches with bytes of its choosing:
// Pusher client messages, presence channel_data and sign-in user_data, the HTTP API and native
// JSON:API bodies, query strings, connection tokens and channel names. The invariant is that
// nothing crashes, hangs or trips a sanitizer, and that accepted values respect their limits.
//
// Input: arbitrary bytes; the first byte picks the codec, the rest is its input.

#include "core/channel_grant.hpp"
#include "core/channel_name.hpp"
#include "core/time_format.hpp"
#include "protocol/jsonapi/publish_request.hpp"
#include "protocol/jsonapi/token_request.hpp"
#include "protocol/pusher/client_message.hpp"
#include "protocol/pusher/http_api.hpp"
#include "protocol/pusher/request_signature.hpp"
#include "protocol/token/connection_token.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace sb;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
    constexpr std::size_t limit = 1024;
    switch (data[0] % 10) {
        case 0: {
            auto cmd = protocol::pusher::parse_client_message(in, limit);
            if (auto* ev = std::get_if<protocol::pusher::channel_event_command>(&cmd))
                if (ev->data.size() > limit) std::abort();
            break;
        }
        case 1: {
            auto r = protocol::pusher::parse_presence_data(in, limit);
            if (r.member && (r.member->user_id.empty() || r.member->user_info_json.size() > limit)) std::abort();
            break;
        }
        case 2: (void)protocol::pusher::parse_signin_user_data(in); break;
        case 3: {
            auto r = protocol::pusher::parse_trigger(in, limit);
            if (r.ok() && (r.triggers.size() != 1 || r.triggers[0].channels.size() > 100)) std::abort();
            break;
        }
        case 4: {
            auto r = protocol::pusher::parse_batch(in, limit);
            if (r.ok() && r.triggers.size() > 10) std::abort();
            break;
        }
        case 5: (void)protocol::jsonapi::parse_publish(in, limit); (void)protocol::jsonapi::parse_publish_batch(in, limit); break;
        case 6: (void)protocol::jsonapi::parse_token_request(in, limit); break;
        case 7: {
            auto q = protocol::pusher::parse_query(in);
            (void)protocol::pusher::verify_request("POST", "/apps/1/events", q, in, "secret", 1000);
            break;
        }
        case 8: (void)protocol::token::verify(in, "secret", 1000); (void)protocol::token::peek(in); break;
        case 9: {
            (void)core::classify_channel(in);
            (void)core::parse_rfc3339(in);
            const auto star = in.find('\n');
            if (star != std::string_view::npos) (void)core::matches_grant(in.substr(0, star), in.substr(star + 1));
            break;
        }
    }
    return 0;
}
