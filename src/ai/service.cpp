#include "ai/service.hpp"

#include <boost/asio/post.hpp>
#include <utility>

#include "ai/builtin_engine.hpp"
#include "ai/detail/service_impl.hpp"
#include "ai/openai_engine.hpp"

namespace sb::ai {

const char* to_string(cache_status s) noexcept {
    switch (s) {
        case cache_status::stale:
            return "stale";
        case cache_status::partial:
            return "partial";
        case cache_status::fresh:
            break;
    }
    return "fresh";
}

std::string service::impl::fnv_hex(std::string_view text) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    static const char* digits = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = digits[h & 0xF];
        h >>= 4;
    }
    return out;
}

engine& service::impl::engine_for(const tenant_settings& s) {
    return s.engine == "openai" && llm ? *llm : *builtin;
}

std::string service::impl::fingerprint(engine& e, const std::string& prompt) const {
    return e.fingerprint() + "#" + fnv_hex(prompt);
}

service::service(history::storage_runner& runner, service_options options,
                 std::unique_ptr<engine> builtin, std::unique_ptr<engine> llm, clock_fn clock)
    : impl_(std::make_shared<impl>(runner, std::move(options), std::move(clock))) {
    impl_->builtin = builtin ? std::move(builtin) : std::make_unique<builtin_engine>();
    impl_->llm = std::move(llm);
    impl_->thread = std::thread([i = impl_.get()] { i->context.run(); });
}

service::service(history::storage_runner& runner, service_options options, clock_fn clock)
    : impl_(std::make_shared<impl>(runner, std::move(options), std::move(clock))) {
    impl_->builtin = std::make_unique<builtin_engine>();
    if (!impl_->options.endpoint.empty())
        impl_->llm = std::make_unique<openai_engine>(impl_->context, impl_->options);
    impl_->thread = std::thread([i = impl_.get()] { i->context.run(); });
}

service::~service() { stop(); }

void service::stop() {
    if (!impl_ || impl_->stopped) return;
    impl_->stopped = true;
    impl_->guard.reset();
    impl_->context.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
}

const service_options& service::options() const noexcept { return impl_->options; }
bool service::llm_available() const noexcept { return impl_->llm != nullptr; }

void service::summarize(request_context ctx, std::string uid,
                        core::unique_callback<summary_outcome> done) {
    auto i = impl_;
    boost::asio::post(i->context, [i, ctx = std::move(ctx), uid = std::move(uid),
                                   done = std::move(done)]() mutable {
        i->summarize(std::move(ctx), std::move(uid), std::move(done));
    });
}

void service::make_digest(request_context ctx, std::string user_uid,
                          std::vector<storage::custom_filter> filters,
                          core::unique_callback<digest_outcome> done) {
    auto i = impl_;
    boost::asio::post(i->context, [i, ctx = std::move(ctx), user_uid = std::move(user_uid),
                                   filters = std::move(filters), done = std::move(done)]() mutable {
        i->make_digest(std::move(ctx), std::move(user_uid), std::move(filters), std::move(done));
    });
}

void service::settings(request_context ctx, core::unique_callback<settings_outcome> done) {
    auto i = impl_;
    boost::asio::post(i->context, [i, ctx = std::move(ctx), done = std::move(done)]() mutable {
        i->settings(std::move(ctx), std::move(done));
    });
}

void service::update_settings(request_context ctx, patch_parse patch,
                              core::unique_callback<settings_outcome> done) {
    auto i = impl_;
    boost::asio::post(i->context, [i, ctx = std::move(ctx), patch = std::move(patch),
                                   done = std::move(done)]() mutable {
        i->update_settings(std::move(ctx), std::move(patch), std::move(done));
    });
}

void service::ensure_registered(std::string tenant, std::string user_uid,
                                core::unique_callback<bool> done) {
    auto i = impl_;
    boost::asio::post(i->context, [i, tenant = std::move(tenant), user_uid = std::move(user_uid),
                                   done = std::move(done)]() mutable {
        i->ensure_registered(tenant, user_uid, std::move(done));
    });
}

}  // namespace sb::ai
