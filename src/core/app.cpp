#include "core/app.hpp"

namespace sb::core {
namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Constant time in the contents; the secret's length is not secret.
bool same_secret(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

}  // namespace

std::string_view to_string(environment env) noexcept {
    return env == environment::staging ? "staging" : "production";
}

environment environment_of_key(std::string_view key) noexcept {
    return (starts_with(key, "pk_test_") || starts_with(key, "sk_test_")) ? environment::staging
                                                                          : environment::production;
}

bool is_valid_app_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

std::string_view describe(app_config_error error) noexcept {
    switch (error) {
        case app_config_error::none: return "ok";
        case app_config_error::invalid_id:
            return "app id must be 1-64 letters, digits, '-' or '_'";
        case app_config_error::empty_key: return "app key is empty";
        case app_config_error::empty_secret: return "app secret is empty";
        case app_config_error::duplicate_key: return "another app already uses this key";
        case app_config_error::duplicate_environment:
            return "this app id already has a key pair for that environment";
        case app_config_error::mismatched_secret:
            return "key and secret name different environments (pk_test_ goes with sk_test_, "
                   "pk_live_ with sk_live_)";
    }
    return "invalid app";
}

app_config_error app_registry::add(app_config config) {
    if (!is_valid_app_id(config.id)) return app_config_error::invalid_id;
    if (config.key.empty()) return app_config_error::empty_key;
    if (config.secret.empty()) return app_config_error::empty_secret;
    const environment env = environment_of_key(config.key);
    const bool secret_prefixed = starts_with(config.secret, "sk_test_") || starts_with(config.secret, "sk_live_");
    if (secret_prefixed && environment_of_key(config.secret) != env)
        return app_config_error::mismatched_secret;
    if (find_by_key(config.key) != nullptr) return app_config_error::duplicate_key;
    if (find(config.id, env) != nullptr) return app_config_error::duplicate_environment;
    auto t = std::make_unique<tenant>();
    t->env = env;
    t->index = static_cast<std::uint32_t>(tenants_.size());
    t->limits = merge_limits(limits_of(config.app_plan), config.limit_overrides);
    if (config.name.empty()) config.name = config.id;
    t->config = std::move(config);
    by_key_.emplace(t->config.key, t.get());
    tenants_.push_back(std::move(t));
    return app_config_error::none;
}

const tenant* app_registry::find_by_key(std::string_view key) const noexcept {
    auto it = by_key_.find(std::string(key));
    return it == by_key_.end() ? nullptr : it->second;
}

const tenant* app_registry::find_by_id_and_secret(std::string_view app_id,
                                                  std::string_view secret) const noexcept {
    const tenant* found = nullptr;
    for (const auto& t : tenants_)
        if (t->config.id == app_id && same_secret(t->config.secret, secret)) found = t.get();
    return found;
}

bool app_registry::has_app_id(std::string_view app_id) const noexcept {
    for (const auto& t : tenants_)
        if (t->config.id == app_id) return true;
    return false;
}

const tenant* app_registry::find(std::string_view app_id, environment env) const noexcept {
    for (const auto& t : tenants_)
        if (t->config.id == app_id && t->env == env) return t.get();
    return nullptr;
}

}  // namespace sb::core
