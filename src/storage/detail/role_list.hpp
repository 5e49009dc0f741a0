#pragma once
// notify_roles as both backends store it: the roles joined by '\n' (roles never
// hold control characters; the API refuses them), and the rule that says
// whether a role is notified.

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace sb::storage::detail {

[[nodiscard]] inline std::string join_roles(const std::vector<std::string>& roles) {
    std::string out;
    for (const auto& r : roles) {
        if (!out.empty()) out += '\n';
        out += r;
    }
    return out;
}

[[nodiscard]] inline std::vector<std::string> split_roles(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        out.emplace_back(text.substr(0, nl));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return out;
}

// Every member is notified when notify_roles is empty; otherwise those whose
// role is listed.
[[nodiscard]] inline bool is_notified(const std::vector<std::string>& notify_roles,
                                      std::string_view role) {
    return notify_roles.empty() ||
           std::find(notify_roles.begin(), notify_roles.end(), role) != notify_roles.end();
}

}  // namespace sb::storage::detail
