// Registering a user's AI profile once (the first summary or digest request does it) and
// counting each answered request, with its tokens, on the profile. Part of ai::service
// (detail/service_impl.hpp); runs on the AI thread.
#include <spdlog/spdlog.h>

#include "ai/detail/service_impl.hpp"

namespace sb::ai {

void service::impl::ensure_registered(const std::string& tenant, const std::string& user,
                                      core::unique_callback<bool> done) {
    if (user.empty()) return done(false);
    const std::string key = tenant + '\n' + user;
    if (registered.contains(key)) return done(false);
    auto [it, first] = registering.try_emplace(key);
    it->second.push_back(std::move(done));
    if (!first) return;
    register_attempt(tenant, user, key, 0);
}

void service::impl::register_attempt(std::string tenant, std::string user, std::string key,
                                     int attempt) {
    const std::uint64_t now = clock();
    write(
        [tenant, user, now](storage::connection& c) -> std::optional<bool> {
            try {
                return c.conversations().register_profile(tenant, user, now);
            } catch (const std::exception& e) {
                spdlog::warn("ai: registering {} failed: {}", user, e.what());
                return std::nullopt;
            }
        },
        [self = shared_from_this(), tenant, user, key,
         attempt](std::optional<bool> created) mutable {
            // Register-once with transparent retry: a failed write is tried again
            // (twice); the waiting requests go on either way.
            if (!created && attempt < 2)
                return self->register_attempt(tenant, user, key, attempt + 1);
            if (created) self->registered.insert(key);
            if (self->registered.size() > 200'000) self->registered.clear();
            auto waiters = std::move(self->registering[key]);
            self->registering.erase(key);
            bool first = created.value_or(false);
            for (auto& w : waiters) {
                w(first);
                first = false;
            }
        });
}

void service::impl::record_usage(const std::string& tenant, const std::string& user,
                                 std::uint64_t tokens) {
    if (user.empty()) return;
    const std::uint64_t now = clock();
    runner.write([tenant, user, tokens, now](storage::connection& c) {
        try {
            c.conversations().record_usage(tenant, user, tokens, now);
        } catch (const std::exception& e) {
            spdlog::warn("ai: recording usage of {} failed: {}", user, e.what());
        }
    });
}

}  // namespace sb::ai
