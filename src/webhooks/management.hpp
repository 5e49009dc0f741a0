#pragma once
// What the webhook routes of the REST API (api/webhooks_api.cpp) ask of the webhook service.
// Every call answers through `done` exactly once: inline when the request is refused before
// reaching the store, otherwise on a storage thread. Answer an http_responder from there (it
// may be called from any thread) or post back.
// Errors are JSON:API errors ready to send (404 not found, 409 for webhooks declared in the
// config, 400 validation, 500 when the store fails).

#include "core/app.hpp"
#include "core/unique_function.hpp"
#include "protocol/jsonapi/webhook_request.hpp"
#include "storage/webhook_store.hpp"

#include <optional>
#include <string>
#include <vector>

namespace sb::webhooks {

struct webhook_result {
    std::optional<storage::webhook_record> webhook;
    std::size_t backlog = 0;  // open deliveries
    std::vector<protocol::jsonapi::error> errors;
};

struct webhook_list_result {
    std::vector<storage::webhook_record> webhooks;
    std::vector<std::size_t> backlogs;  // one per webhook
    std::vector<protocol::jsonapi::error> errors;
};

struct delivery_view {
    storage::delivery_record delivery;
    std::vector<storage::attempt_record> attempts;  // oldest first
};

struct delivery_page {
    std::vector<delivery_view> deliveries;  // newest first
    bool has_more = false;
    std::vector<protocol::jsonapi::error> errors;
};

struct delivery_result {
    std::optional<delivery_view> delivery;
    std::vector<protocol::jsonapi::error> errors;
};

class management {
public:
    virtual ~management() = default;

    template <class T>
    using callback = core::unique_callback<T>;

    // Defaults: format native, every event of the format, every channel, active, a generated
    // secret (native).
    virtual void create(const core::tenant& tenant, protocol::jsonapi::webhook_fields fields,
                        callback<webhook_result> done) = 0;
    // Changes the given fields. Switching a webhook on clears its automatic switch-off.
    virtual void update(const core::tenant& tenant, std::string id,
                        protocol::jsonapi::webhook_fields fields,
                        callback<webhook_result> done) = 0;
    // Deletes the webhook with its outbox and log: nothing more is sent to it.
    virtual void remove(const core::tenant& tenant, std::string id,
                        callback<webhook_result> done) = 0;
    virtual void get(const core::tenant& tenant, std::string id, callback<webhook_result> done) = 0;
    virtual void list(const core::tenant& tenant, callback<webhook_list_result> done) = 0;
    // `query.webhook_id` must be the tenant's (404 otherwise); tenant is filled in.
    virtual void deliveries(const core::tenant& tenant, storage::delivery_query query,
                            callback<delivery_page> done) = 0;
    // Sends the delivery's event again to its webhook as a new delivery (same event id).
    virtual void redeliver(const core::tenant& tenant, std::string webhook_id,
                           std::string delivery_id, callback<delivery_result> done) = 0;
};

}  // namespace sb::webhooks
