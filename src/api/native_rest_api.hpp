#pragma once
// The native REST API under /v1/realtime/ (the seed's Broadcast API and connection tokens;
// history, receipts, rooms and webhooks join it in their issues).
//
// Callers send X-App-Id and X-Api-Key. With the app's secret key they may do anything. With
// its publishable key (safe in a browser) they must also send `Authorization: Bearer <token>`,
// and may then only read and mark what the token's channel grants cover. Bodies and errors are
// JSON:API documents with the seed's codes.

#include "api/hub.hpp"
#include "core/ids.hpp"
#include "net/http_service.hpp"
#include "protocol/token/connection_token.hpp"

#include <memory>
#include <optional>
#include <vector>

namespace sb::api {

// Who is calling, once X-App-Id, X-Api-Key and the bearer token are checked.
struct rest_caller {
    const core::tenant* tenant = nullptr;
    bool secret_key = false;                         // the app's secret: full rights
    std::optional<protocol::token::claims> user;     // a verified bearer token
    // True when the caller may read/mark `channel`: secret key, or a token granting it.
    [[nodiscard]] bool may_use(std::string_view channel) const;
};

class native_rest_api {
public:
    explicit native_rest_api(hub& h);
    ~native_rest_api();

    // `request.path` starts with /v1/realtime/, or is one of conversations_api's root paths.
    void handle(net::http_request request, net::http_responder respond);

    [[nodiscard]] class webhooks_api& webhooks() noexcept { return *webhooks_; }
    [[nodiscard]] class conversations_api& conversations() noexcept { return *conversations_; }
    [[nodiscard]] class webrtc_api& webrtc() noexcept { return *webrtc_; }

private:
    void publish(const rest_caller& caller, const net::http_request& request, bool batch, net::http_responder respond);
    void mint_token(const rest_caller& caller, const net::http_request& request, net::http_responder respond);

    hub& hub_;
    std::vector<std::unique_ptr<core::ulid_generator>> ids_;  // one per shard
    std::unique_ptr<class history_api> history_;
    std::unique_ptr<class webhooks_api> webhooks_;
    std::unique_ptr<class conversations_api> conversations_;
    std::unique_ptr<class webrtc_api> webrtc_;
};

}  // namespace sb::api
