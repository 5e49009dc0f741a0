#pragma once
// Conversations, their members and roles, and the AI summary caches (issue: conversations and
// AI). Implemented per backend in sqlite/conversation_store.cpp and
// postgres/conversation_store.cpp; used through connection::conversations(), on the
// connection's thread.

namespace sb::storage {

class conversation_store {
public:
    virtual ~conversation_store() = default;
};

}  // namespace sb::storage
