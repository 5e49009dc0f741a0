#pragma once
// The webhook outbox and delivery log (issue: webhooks). Every event is written here first, then
// delivered by the dispatcher. Implemented per backend in sqlite/webhook_store.cpp and
// postgres/webhook_store.cpp; used through connection::webhooks(), on the connection's thread.

namespace sb::storage {

class webhook_store {
public:
    virtual ~webhook_store() = default;
};

}  // namespace sb::storage
