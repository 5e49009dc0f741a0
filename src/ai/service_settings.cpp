// A tenant's effective AI settings: the defaults, the app's [apps.ai], then the overrides
// stored by PATCH /v1/realtime/ai/settings. Part of ai::service (detail/service_impl.hpp);
// runs on the AI thread.
#include "ai/detail/service_impl.hpp"

namespace sb::ai {

using nlohmann::json;

tenant_settings service::impl::resolve(const request_context& ctx,
                                       const std::string& stored) const {
    tenant_settings s = options.defaults;
    if (auto it = options.per_app.find(ctx.app_id); it != options.per_app.end())
        apply(s, it->second);
    if (!stored.empty()) {
        const json j = json::parse(stored, nullptr, false);
        if (j.is_object()) {
            json attrs = j;
            json prompts = json::object();
            if (j.contains("summary_prompt")) prompts["summary"] = j["summary_prompt"];
            if (j.contains("digest_prompt")) prompts["digest"] = j["digest_prompt"];
            attrs.erase("summary_prompt");
            attrs.erase("digest_prompt");
            if (!prompts.empty()) attrs["prompts"] = prompts;
            apply(s, parse_patch(attrs, llm != nullptr).patch);
        }
    }
    if (s.engine == "openai" && !llm) s.engine = "builtin";
    return s;
}

void service::impl::settings(request_context ctx, core::unique_callback<settings_outcome> done) {
    read(
        [tenant = ctx.tenant](storage::connection& c) -> std::pair<std::string, std::string> {
            try {
                return {c.conversations().ai_settings(tenant), ""};
            } catch (const std::exception& e) {
                return {"", e.what()};
            }
        },
        [self = shared_from_this(), ctx,
         done = std::move(done)](std::pair<std::string, std::string> r) mutable {
            if (!r.second.empty()) return done({failure::storage, r.second});
            settings_outcome o;
            o.settings = self->resolve(ctx, r.first);
            done(std::move(o));
        });
}

void service::impl::update_settings(request_context ctx, patch_parse patch,
                                    core::unique_callback<settings_outcome> done) {
    const std::uint64_t now = clock();
    write(
        [tenant = ctx.tenant, patch,
         now](storage::connection& c) -> std::pair<std::string, std::string> {
            try {
                auto& conv = c.conversations();
                const std::string stored = conv.ai_settings(tenant);
                const json current =
                    stored.empty() ? json::object() : json::parse(stored, nullptr, false);
                const std::string merged =
                    merge_stored(current.is_discarded() ? json::object() : current, patch).dump();
                conv.store_ai_settings(tenant, merged, now);
                return {merged, ""};
            } catch (const std::exception& e) {
                return {"", e.what()};
            }
        },
        [self = shared_from_this(), ctx,
         done = std::move(done)](std::pair<std::string, std::string> r) mutable {
            if (!r.second.empty()) return done({failure::storage, r.second});
            settings_outcome o;
            o.settings = self->resolve(ctx, r.first);
            done(std::move(o));
        });
}

}  // namespace sb::ai
