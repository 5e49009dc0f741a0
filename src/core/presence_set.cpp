#include "core/presence_set.hpp"

namespace sb::core {

presence_set::join_result presence_set::join(std::string_view user_id,
                                             std::string_view info_json) {
    if (auto it = members_.find(user_id); it != members_.end()) {
        ++it->second.connections;
        return join_result::additional_connection;
    }
    if (members_.size() >= max_members_) return join_result::full;
    members_.emplace(std::string(user_id), member{std::string(info_json), 1});
    return join_result::first_connection;
}

bool presence_set::leave(std::string_view user_id) {
    auto it = members_.find(user_id);
    if (it == members_.end()) return false;
    if (--it->second.connections > 0) return false;
    members_.erase(it);
    return true;
}

bool presence_set::update(std::string_view user_id, std::string_view info_json) {
    auto it = members_.find(user_id);
    if (it == members_.end()) return false;
    it->second.info_json.assign(info_json);
    return true;
}

const presence_set::member* presence_set::find(std::string_view user_id) const {
    auto it = members_.find(user_id);
    return it == members_.end() ? nullptr : &it->second;
}

}  // namespace sb::core
