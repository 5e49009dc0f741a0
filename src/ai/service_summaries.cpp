// Conversation summaries: the cached summary when it is current, otherwise one regeneration
// per conversation at a time (claimed in the store, at most one per regenerate_interval),
// incremental over the cached summary when it can be, degrading to the stale cache when the
// engine fails. Part of ai::service (detail/service_impl.hpp); runs on the AI thread.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "ai/detail/service_impl.hpp"

namespace sb::ai {

using nlohmann::json;

namespace {

chat_message to_chat(const storage::message_record& m) {
    return {m.id, m.user_id, message_text(m.data), m.created_at_ms};
}

}  // namespace

void service::impl::summarize(request_context ctx, std::string uid,
                              core::unique_callback<summary_outcome> answer) {
    // Every answered request of a user counts on their profile, with its tokens.
    core::unique_callback<summary_outcome> done =
        [self = shared_from_this(), tenant = ctx.tenant, user = ctx.user,
         answer = std::move(answer)](summary_outcome o) mutable {
            if (o.error == failure::none) self->record_usage(tenant, user, o.view.tokens_used);
            answer(std::move(o));
        };
    read(
        [ctx, uid](storage::connection& c) {
            summary_load l;
            try {
                auto& conv = c.conversations();
                auto record = conv.get(ctx.tenant, uid);
                if (!record) return l;
                l.found = true;
                l.custom_json = record->custom_json;
                if (!ctx.admin) {
                    l.member = std::any_of(record->members.begin(), record->members.end(),
                                           [&](const auto& m) { return m.user_uid == ctx.user; });
                    if (!l.member) return l;
                }
                l.stored_settings = conv.ai_settings(ctx.tenant);
                l.cache = conv.summary(ctx.tenant, uid);
                l.stats = conv.stats(ctx.tenant, uid, l.cache ? l.cache->last_message_id : "");
            } catch (const std::exception& e) {
                l.error = e.what();
            }
            return l;
        },
        [self = shared_from_this(), ctx, uid, done = std::move(done)](summary_load l) mutable {
            if (!l.error.empty()) return done({failure::storage, l.error});
            if (!l.found) return done({failure::not_found, "no conversation " + uid});
            if (!l.member)
                return done({failure::not_member, ctx.user + " is not a member of " + uid});
            const std::string user = ctx.user;
            const std::string tenant = ctx.tenant;
            self->ensure_registered(tenant, user,
                                    [self, ctx = std::move(ctx), uid = std::move(uid),
                                     l = std::move(l), done = std::move(done)](bool) mutable {
                                        const tenant_settings s =
                                            self->resolve(ctx, l.stored_settings);
                                        self->summarize_loaded(std::move(ctx), std::move(uid), s,
                                                               std::move(l), std::move(done));
                                    });
        });
}

summary_view service::impl::view_of(const std::string& uid, const storage::summary_cache& cache,
                                    const storage::conversation_stats& stats, bool fresh) const {
    summary_view v;
    v.conversation_uid = uid;
    try {
        v.summary = summary_from_json(json::parse(cache.summary_json));
    } catch (const std::exception&) {
        v.summary.overall_summary = "";
    }
    v.summary.engine_state = nullptr;
    v.stats = stats;
    v.generated_at_ms = cache.generated_at_ms;
    v.cached = true;
    v.cache = fresh ? cache_status::fresh : cache_status::stale;
    v.engine = cache.fingerprint.substr(0, cache.fingerprint.find('/'));
    return v;
}

bool service::impl::usable(const std::optional<storage::summary_cache>& c) {
    return c && !c->summary_json.empty();
}

// The summary for one conversation whose cache row and stats are loaded. Used
// by summary requests and by digests (which pass their own continuation).
void service::impl::summarize_loaded(request_context ctx, std::string uid, const tenant_settings& s,
                                     summary_load l, core::unique_callback<summary_outcome> done) {
    engine& e = engine_for(s);
    const std::string prompt_tmpl =
        s.summary_prompt.empty() ? default_summary_prompt() : s.summary_prompt;
    const std::string prompt =
        expand(prompt_tmpl, {{"conversation_uid", uid}, {"custom", l.custom_json}});
    // The template, not its expansion: a digest can check a cached summary's fingerprint
    // without the conversation's custom object.
    const std::string fp = fingerprint(e, prompt_tmpl);
    const std::uint64_t now = clock();

    if (l.stats.total_messages == 0) {
        summary_outcome o;
        o.view.conversation_uid = uid;
        o.view.summary.overall_summary = "No messages in this conversation yet.";
        o.view.summary.categories = {};
        o.view.stats = l.stats;
        o.view.generated_at_ms = now;
        o.view.engine = std::string(e.name());
        return done(std::move(o));
    }
    const bool has = usable(l.cache);
    const bool current = has && l.cache->last_message_id == l.stats.last_message_id &&
                         l.cache->fingerprint == fp &&
                         l.cache->message_count == l.stats.messages_upto;
    if (current) {
        summary_outcome o;
        o.view = view_of(uid, *l.cache, l.stats, true);
        return done(std::move(o));
    }
    const std::string key = ctx.tenant + '\n' + uid;
    if (auto it = inflight.find(key); it != inflight.end()) {
        it->second->waiters.push_back(std::move(done));
        return;
    }
    const std::uint64_t window = std::uint64_t{options.regenerate_interval_s} * 1000;
    write(
        [tenant = ctx.tenant, uid, now, window](storage::connection& c) -> std::optional<bool> {
            try {
                return c.conversations().claim_regeneration(tenant, uid, now, window);
            } catch (const std::exception&) {
                return std::nullopt;
            }
        },
        [self = shared_from_this(), ctx, uid, s, l = std::move(l), fp, prompt, key, now, window,
         done = std::move(done)](std::optional<bool> claimed) mutable {
            if (!claimed) return done({failure::storage, "claiming the regeneration failed"});
            if (!*claimed) {
                // Inside the window: another regeneration ran less than `window`
                // ago (maybe on another node, maybe still running there).
                if (usable(l.cache)) {
                    summary_outcome o;
                    o.view = self->view_of(uid, *l.cache, l.stats, false);
                    o.view.degraded_reason =
                        "regenerated less than " + std::to_string(window / 1000) + " s ago";
                    return done(std::move(o));
                }
                // A join can still happen here if a regeneration started meanwhile.
                if (auto it = self->inflight.find(key); it != self->inflight.end()) {
                    it->second->waiters.push_back(std::move(done));
                    return;
                }
                if (auto r = self->recent.find(key); r != self->recent.end()) {
                    summary_outcome o;
                    o.view = self->view_of(uid, r->second, l.stats,
                                           r->second.last_message_id == l.stats.last_message_id);
                    return done(std::move(o));
                }
                const std::uint64_t since = l.cache ? l.cache->claimed_at_ms : now;
                summary_outcome o{failure::rate_limited,
                                  "a summary of " + uid + " was attempted less than " +
                                      std::to_string(window / 1000) + " s ago"};
                o.retry_after_s = (since + window > now ? (since + window - now + 999) / 1000 : 1);
                return done(std::move(o));
            }
            auto regen = std::make_shared<regeneration>();
            regen->waiters.push_back(std::move(done));
            self->inflight[key] = regen;
            self->regenerate(std::move(ctx), std::move(uid), s, std::move(l), fp, prompt, key);
        });
}

void service::impl::regenerate(request_context ctx, std::string uid, tenant_settings s,
                               summary_load l, std::string fp, std::string prompt,
                               std::string key) {
    // Incremental when the cache was made the same way and still counts exactly
    // the messages up to its last one (nothing older was imported or pruned
    // since).
    const bool incremental = usable(l.cache) && l.cache->fingerprint == fp &&
                             l.cache->message_count == l.stats.messages_upto;
    const std::string after = incremental ? l.cache->last_message_id : std::string();
    const std::size_t limit = std::max<std::size_t>(1, options.max_input_messages);
    read(
        [tenant = ctx.tenant, uid, after, limit](storage::connection& c) {
            page_load p;
            try {
                storage::page_query q;
                q.tenant = tenant;
                q.channel = uid;
                if (!after.empty()) q.after_id = after;
                q.limit = limit;
                q.order = storage::sort_order::desc;
                auto page = c.page(q);
                std::reverse(page.messages.begin(), page.messages.end());
                for (const auto& m : page.messages) p.messages.push_back(to_chat(m));
                if (!page.messages.empty()) {
                    p.newest_id = page.messages.back().id;
                    p.newest_at_ms = page.messages.back().created_at_ms;
                    p.count_upto = c.conversations().stats(tenant, uid, p.newest_id).messages_upto;
                }
            } catch (const std::exception& e) {
                p.error = e.what();
            }
            return p;
        },
        [self = shared_from_this(), ctx, uid, s, l = std::move(l), fp, prompt, key,
         incremental](page_load p) mutable {
            if (!p.error.empty()) return self->finish(key, uid, l, {}, failure::storage, p.error);
            if (p.messages.empty()) {
                // Nothing newer after all (the cache caught up meanwhile).
                return self->finish(key, uid, l, {}, failure::none, "");
            }
            summary_request req;
            req.conversation_uid = uid;
            req.custom_json = l.custom_json;
            req.messages = std::move(p.messages);
            if (incremental) {
                try {
                    req.previous = summary_from_json(json::parse(l.cache->summary_json));
                } catch (const std::exception&) {
                    req.previous.reset();
                }
            }
            req.prompt = prompt;
            req.now_ms = self->clock();
            const std::size_t sent = req.messages.size();
            engine& e = self->engine_for(s);
            const std::string engine_name(e.name());
            e.summarize(
                std::move(req), [self, ctx, uid, l = std::move(l), fp, key, p = std::move(p), sent,
                                 engine_name](summary_result r) mutable {
                    if (r.failure != engine_failure::none) {
                        spdlog::warn("ai: summary of {} failed after {} attempt(s): {} ({})", uid,
                                     r.attempts, describe(r.failure), r.detail);
                        const failure f = r.failure == engine_failure::invalid_output
                                              ? failure::invalid_output
                                              : failure::unavailable;
                        return self->finish(key, uid, l, {}, f,
                                            std::string(describe(r.failure)) +
                                                (r.detail.empty() ? "" : ": " + r.detail));
                    }
                    storage::summary_cache cache;
                    cache.tenant = ctx.tenant;
                    cache.conversation_uid = uid;
                    cache.summary_json = to_json(r.summary).dump();
                    cache.last_message_id = p.newest_id;
                    cache.message_count = p.count_upto;
                    cache.fingerprint = fp;
                    cache.generated_at_ms = self->clock();
                    cache.tokens_used = r.tokens_used;
                    spdlog::debug("ai: summarized {} ({} new messages, {} tokens)", uid, sent,
                                  r.tokens_used);
                    // Answered once stored, so the next request reads what this one made.
                    self->write(
                        [cache](storage::connection& c) {
                            try {
                                c.conversations().store_summary(cache);
                            } catch (const std::exception& ex) {
                                spdlog::warn("ai: storing the summary of {} failed: {}",
                                             cache.conversation_uid, ex.what());
                            }
                            return true;
                        },
                        [self, key, uid, l = std::move(l), cache, ctx](bool) mutable {
                            self->finish(key, uid, l, cache, failure::none, "");
                        });
                });
        });
}

// Answers everyone waiting on the regeneration `key`.
void service::impl::finish(const std::string& key, const std::string& uid, const summary_load& l,
                           std::optional<storage::summary_cache> made, failure f,
                           const std::string& detail) {
    auto it = inflight.find(key);
    if (it == inflight.end()) return;
    auto regen = it->second;
    inflight.erase(it);
    if (made) {
        const std::uint64_t window = std::uint64_t{options.regenerate_interval_s} * 1000;
        const std::uint64_t now = clock();
        std::erase_if(recent,
                      [&](const auto& e) { return e.second.generated_at_ms + window < now; });
        recent[key] = *made;
    }
    bool first = true;
    for (auto& w : regen->waiters) {
        summary_outcome o;
        if (made) {
            o.view = view_of(uid, *made, l.stats, true);
            o.view.cached = !first;  // joiners got another request's regeneration
            o.view.tokens_used = first ? made->tokens_used : 0;
        } else if (f == failure::none && usable(l.cache)) {
            o.view = view_of(uid, *l.cache, l.stats, true);
        } else if (usable(l.cache)) {
            // Graceful degradation: the stale cache, never an error when one
            // exists.
            o.view = view_of(uid, *l.cache, l.stats, false);
            o.view.degraded_reason = detail;
        } else {
            o.error = f == failure::none ? failure::unavailable : f;
            o.detail = detail;
        }
        w(std::move(o));
        first = false;
    }
}

}  // namespace sb::ai
