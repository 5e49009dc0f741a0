#pragma once
// What a delivery carries (docs/webhooks.md "Payloads"): the names of each event in the native
// and the Pusher format, the JSON stored in the outbox for one event, and the request bodies
// built from it at send time. Pure functions.
//
// Native body:  {"id":"evt_…","type":"message.sent","created_at":"2024-01-15T10:30:00Z","data":{…}}
// Pusher body:  {"time_ms":1700000000000,"events":[{"name":"channel_occupied","channel":"…"},…]}

#include "storage/webhook_store.hpp"
#include "webhooks/event_sink.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sb::webhooks {

// The event's name in each format; empty when the format has no such event.
struct event_names {
    std::string_view native;
    std::string_view pusher;
};
[[nodiscard]] event_names names_of(event_kind kind) noexcept;

// Which event kinds a webhook subscribed to `type` (in its format) receives; 0 for types that
// are not channel events (webhook.disabled).
[[nodiscard]] std::uint32_t kinds_of(std::string_view type, bool pusher_format) noexcept;
[[nodiscard]] constexpr std::uint32_t bit_of(event_kind kind) noexcept {
    return std::uint32_t{1} << static_cast<unsigned>(kind);
}

// The native `data` object of a channel event.
[[nodiscard]] std::string native_data(const channel_event& e);
// One Pusher event object ({"name":…,"channel":…,…}).
[[nodiscard]] std::string pusher_event(const channel_event& e);
// The `data` of webhook.disabled.
[[nodiscard]] std::string disabled_data(const storage::webhook_record& webhook,
                                        std::string_view reason);

[[nodiscard]] std::string native_body(std::string_view event_id, std::string_view type,
                                      std::uint64_t created_at_ms, std::string_view data);
[[nodiscard]] std::string pusher_body(std::uint64_t time_ms,
                                      std::span<const std::string_view> events);

}  // namespace sb::webhooks
