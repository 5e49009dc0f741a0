#include "ai/service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <map>
#include <set>
#include <thread>
#include <utility>

#include "ai/builtin_engine.hpp"
#include "ai/classify.hpp"
#include "ai/openai_engine.hpp"
#include "core/clock.hpp"
#include "history/storage_runner.hpp"

namespace sb::ai {

using nlohmann::json;

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

namespace {

constexpr std::uint64_t day_ms = 86'400'000;
// Conversations a digest hands to the engine (the most important first).
constexpr std::size_t max_digest_conversations = 100;

std::string fnv_hex(std::string_view text) {
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

chat_message to_chat(const storage::message_record& m) {
    return {m.id, m.user_id, message_text(m.data), m.created_at_ms};
}

// What the first read of a summary request finds.
struct summary_load {
    bool found = false;
    bool member = true;
    std::string custom_json = "{}";
    std::string stored_settings;
    std::optional<storage::summary_cache> cache;
    storage::conversation_stats stats;
    std::string error;
};

// One conversation's regeneration, shared by the requests that wait for it.
struct regeneration {
    std::vector<core::unique_callback<summary_outcome>> waiters;  // joined while it ran
};

}  // namespace

struct service::impl : std::enable_shared_from_this<service::impl> {
    impl(history::storage_runner& r, service_options o, clock_fn c)
        : runner(r),
          options(std::move(o)),
          clock(c ? std::move(c) : clock_fn(core::wall_clock_ms)),
          guard(boost::asio::make_work_guard(context)) {}

    history::storage_runner& runner;
    service_options options;
    clock_fn clock;
    boost::asio::io_context context{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard;
    std::thread thread;
    std::unique_ptr<engine> builtin;
    std::unique_ptr<engine> llm;
    bool stopped = false;

    // AI-thread state.
    std::map<std::string, std::shared_ptr<regeneration>> inflight;  // tenant \n uid
    std::set<std::string> registered;                               // tenant \n user
    // Summaries made in the last window, for requests whose snapshot predates
    // them (their claim fails, and the store write may still be queued).
    std::map<std::string, storage::summary_cache> recent;
    std::map<std::string, std::vector<core::unique_callback<bool>>> registering;

    template <class F>
    void post(F&& f) {
        boost::asio::post(context, std::forward<F>(f));
    }

    // A store read; `then(result)` on the AI thread. `job` returns the value;
    // exceptions become an error string carried in the value by the caller's job
    // itself.
    template <class Job, class Then>
    void read(Job job, Then then) {
        auto self = shared_from_this();
        runner.read(
            [self, job = std::move(job), then = std::move(then)](storage::connection& c) mutable {
                auto value = job(c);
                self->post([then = std::move(then), value = std::move(value)]() mutable {
                    then(std::move(value));
                });
            });
    }
    template <class Job, class Then>
    void write(Job job, Then then) {
        auto self = shared_from_this();
        runner.write(
            [self, job = std::move(job), then = std::move(then)](storage::connection& c) mutable {
                auto value = job(c);
                self->post([then = std::move(then), value = std::move(value)]() mutable {
                    then(std::move(value));
                });
            });
    }

    tenant_settings resolve(const request_context& ctx, const std::string& stored) const {
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

    engine& engine_for(const tenant_settings& s) {
        return s.engine == "openai" && llm ? *llm : *builtin;
    }

    std::string fingerprint(engine& e, const std::string& prompt) const {
        return e.fingerprint() + "#" + fnv_hex(prompt);
    }

    // --- registration
    // ---------------------------------------------------------------------

    void ensure_registered(const std::string& tenant, const std::string& user,
                           core::unique_callback<bool> done) {
        if (user.empty()) return done(false);
        const std::string key = tenant + '\n' + user;
        if (registered.contains(key)) return done(false);
        auto [it, first] = registering.try_emplace(key);
        it->second.push_back(std::move(done));
        if (!first) return;
        register_attempt(tenant, user, key, 0);
    }

    void register_attempt(std::string tenant, std::string user, std::string key, int attempt) {
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

    void record_usage(const std::string& tenant, const std::string& user, std::uint64_t tokens) {
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

    // --- summaries
    // ------------------------------------------------------------------------

    void summarize(request_context ctx, std::string uid,
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
                        l.member =
                            std::any_of(record->members.begin(), record->members.end(),
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
                self->ensure_registered(
                    tenant, user,
                    [self, ctx = std::move(ctx), uid = std::move(uid), l = std::move(l),
                     done = std::move(done)](bool) mutable {
                        const tenant_settings s = self->resolve(ctx, l.stored_settings);
                        self->summarize_loaded(std::move(ctx), std::move(uid), s, std::move(l),
                                               std::move(done));
                    });
            });
    }

    summary_view view_of(const std::string& uid, const storage::summary_cache& cache,
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

    static bool usable(const std::optional<storage::summary_cache>& c) {
        return c && !c->summary_json.empty();
    }

    // The summary for one conversation whose cache row and stats are loaded. Used
    // by summary requests and by digests (which pass their own continuation).
    void summarize_loaded(request_context ctx, std::string uid, const tenant_settings& s,
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
                        o.view =
                            self->view_of(uid, r->second, l.stats,
                                          r->second.last_message_id == l.stats.last_message_id);
                        return done(std::move(o));
                    }
                    const std::uint64_t since = l.cache ? l.cache->claimed_at_ms : now;
                    summary_outcome o{failure::rate_limited,
                                      "a summary of " + uid + " was attempted less than " +
                                          std::to_string(window / 1000) + " s ago"};
                    o.retry_after_s =
                        (since + window > now ? (since + window - now + 999) / 1000 : 1);
                    return done(std::move(o));
                }
                auto regen = std::make_shared<regeneration>();
                regen->waiters.push_back(std::move(done));
                self->inflight[key] = regen;
                self->regenerate(std::move(ctx), std::move(uid), s, std::move(l), fp, prompt, key);
            });
    }

    struct page_load {
        std::vector<chat_message> messages;  // oldest first
        std::string newest_id;
        std::uint64_t newest_at_ms = 0;
        std::uint64_t count_upto = 0;
        std::string error;
    };

    void regenerate(request_context ctx, std::string uid, tenant_settings s, summary_load l,
                    std::string fp, std::string prompt, std::string key) {
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
                        p.count_upto =
                            c.conversations().stats(tenant, uid, p.newest_id).messages_upto;
                    }
                } catch (const std::exception& e) {
                    p.error = e.what();
                }
                return p;
            },
            [self = shared_from_this(), ctx, uid, s, l = std::move(l), fp, prompt, key,
             incremental](page_load p) mutable {
                if (!p.error.empty())
                    return self->finish(key, uid, l, {}, failure::storage, p.error);
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
                    std::move(req), [self, ctx, uid, l = std::move(l), fp, key, p = std::move(p),
                                     sent, engine_name](summary_result r) mutable {
                        if (r.failure != engine_failure::none) {
                            spdlog::warn("ai: summary of {} failed after {} attempt(s): {} ({})",
                                         uid, r.attempts, describe(r.failure), r.detail);
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
    void finish(const std::string& key, const std::string& uid, const summary_load& l,
                std::optional<storage::summary_cache> made, failure f, const std::string& detail) {
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

    // --- digests
    // --------------------------------------------------------------------------

    struct digest_load {
        std::string stored_settings;
        std::vector<storage::unread_row> rows;
        std::optional<storage::digest_cache> cache;
        std::map<std::string, std::string> customs;  // uid → custom JSON (for prompts)
        std::string error;
    };

    struct digest_job {
        request_context ctx;
        std::string user;
        std::string filter_key;
        tenant_settings settings;
        std::uint64_t now = 0;
        std::vector<storage::unread_row> rows;  // the conversations found, most important first
        std::optional<storage::digest_cache> cache;
        std::map<std::string, storage::summary_cache> fresh;  // regenerated during this request
        std::set<std::string> failed;
        std::size_t remaining = 0;
        std::uint64_t tokens = 0;
        core::unique_callback<digest_outcome> done;
    };

    static std::string filter_key_of(const std::vector<storage::custom_filter>& filters) {
        std::vector<std::string> parts;
        for (const auto& f : filters) parts.push_back(f.key + "=" + f.value);
        std::sort(parts.begin(), parts.end());
        std::string key;
        for (const auto& p : parts) key += (key.empty() ? "" : "&") + p;
        return key;
    }

    void make_digest(request_context ctx, std::string user,
                     std::vector<storage::custom_filter> filters,
                     core::unique_callback<digest_outcome> done) {
        const std::string filter_key = filter_key_of(filters);
        read(
            [tenant = ctx.tenant, user, filters, filter_key](storage::connection& c) {
                digest_load d;
                try {
                    auto& conv = c.conversations();
                    d.stored_settings = conv.ai_settings(tenant);
                    storage::unread_query q;
                    q.tenant = tenant;
                    q.user_uid = user;
                    q.filters = filters;
                    q.with_digest_columns = true;
                    d.rows = conv.unread(q);
                    d.cache = conv.digest(tenant, user, filter_key);
                } catch (const std::exception& e) {
                    d.error = e.what();
                }
                return d;
            },
            [self = shared_from_this(), ctx, user, filter_key,
             done = std::move(done)](digest_load d) mutable {
                if (!d.error.empty()) return done({failure::storage, d.error});
                auto job = std::make_shared<digest_job>();
                job->ctx = ctx;
                job->user = user;
                job->filter_key = filter_key;
                job->settings = self->resolve(ctx, d.stored_settings);
                job->now = self->clock();
                job->cache = std::move(d.cache);
                job->done = std::move(done);
                const std::uint64_t since =
                    job->now > std::uint64_t{job->settings.recency_days} * day_ms
                        ? job->now - std::uint64_t{job->settings.recency_days} * day_ms
                        : 0;
                for (auto& r : d.rows) {
                    if (r.last_message_id.empty()) continue;  // nothing to summarize
                    if (r.last_message_at_ms < since) continue;
                    if (job->settings.unread_only && r.unread_count == 0) continue;
                    job->rows.push_back(std::move(r));
                }
                std::stable_sort(job->rows.begin(), job->rows.end(),
                                 [](const auto& a, const auto& b) {
                                     if (a.unread_count != b.unread_count)
                                         return a.unread_count > b.unread_count;
                                     if (a.last_message_at_ms != b.last_message_at_ms)
                                         return a.last_message_at_ms > b.last_message_at_ms;
                                     return a.conversation_uid < b.conversation_uid;
                                 });
                self->ensure_registered(ctx.tenant, user, [self, job](bool) { self->warm(job); });
            });
    }

    // The fingerprint summaries of this digest's tenant are made with.
    std::string summary_fingerprint(const digest_job& job) {
        return fingerprint(engine_for(job.settings), job.settings.summary_prompt.empty()
                                                         ? default_summary_prompt()
                                                         : job.settings.summary_prompt);
    }

    static bool summary_current(const storage::unread_row& r, const std::string& fp) {
        return r.summary && !r.summary->summary_json.empty() &&
               r.summary->last_message_id == r.last_message_id && r.summary->fingerprint == fp;
    }

    // Progressive warming: regenerate at most max_fresh_per_request stale
    // summaries, then write the digest.
    void warm(std::shared_ptr<digest_job> job) {
        std::vector<std::string> todo;
        const std::string fp = summary_fingerprint(*job);
        for (const auto& r : job->rows) {
            if (todo.size() >= job->settings.max_fresh_per_request) break;
            if (!summary_current(r, fp)) todo.push_back(r.conversation_uid);
        }
        if (todo.empty()) return write_digest(job);
        job->remaining = todo.size();
        for (const auto& uid : todo) {
            request_context inner = job->ctx;
            inner.admin = true;  // the digest already chose the conversations
            inner.user = "";     // usage is counted once, for the digest
            summarize(inner, uid, [self = shared_from_this(), job, uid](summary_outcome o) {
                if (o.error == failure::none && o.view.cache == cache_status::fresh) {
                    storage::summary_cache c;
                    c.summary_json = to_json(o.view.summary).dump();
                    c.generated_at_ms = o.view.generated_at_ms;
                    c.last_message_id = o.view.stats.last_message_id;
                    job->fresh[uid] = c;
                    job->tokens += o.view.tokens_used;
                } else {
                    job->failed.insert(uid);
                }
                if (--job->remaining == 0) self->write_digest(job);
            });
        }
    }

    void write_digest(std::shared_ptr<digest_job> job) {
        const std::string summary_fp = summary_fingerprint(*job);
        digest_view v;
        v.conversations_found = job->rows.size();
        v.generated_at_ms = job->now;
        const classify_options copts{std::uint64_t{job->settings.stale_after_days} * day_ms};
        digest_request req;
        req.user_uid = job->user;
        req.now_ms = job->now;
        std::string fp_input = engine_for(job->settings).fingerprint();
        for (const auto& r : job->rows) {
            digest_input in;
            in.conversation_uid = r.conversation_uid;
            in.unread_count = r.unread_count;
            in.last_message_at_ms = r.last_message_at_ms;
            in.oldest_unread_at_ms = r.oldest_unread_at_ms;
            in.role = r.role;
            std::string made_at;
            if (auto f = job->fresh.find(r.conversation_uid); f != job->fresh.end()) {
                in.summary = summary_from_json(json::parse(f->second.summary_json));
                in.summary_fresh = true;
                made_at = f->second.last_message_id;
            } else if (r.summary && !r.summary->summary_json.empty()) {
                try {
                    in.summary = summary_from_json(json::parse(r.summary->summary_json));
                } catch (const std::exception&) {
                    in.summary.reset();
                }
                in.summary_fresh = summary_current(r, summary_fp);
                made_at = r.summary->last_message_id;
            }
            if (!in.summary_fresh) v.warming.push_back(r.conversation_uid);
            if (in.summary) in.summary->engine_state = nullptr;
            in.hint = classify(in.summary, r.unread_count, r.last_message_at_ms, job->now, copts);
            v.total_unread_messages += r.unread_count;
            if (r.unread_count > 0) ++v.conversations_with_unread;
            if (r.oldest_unread_at_ms != 0 &&
                (v.oldest_unread_at_ms == 0 || r.oldest_unread_at_ms < v.oldest_unread_at_ms))
                v.oldest_unread_at_ms = r.oldest_unread_at_ms;
            fp_input += "|" + r.conversation_uid + ":" + made_at + ":" +
                        std::to_string(r.unread_count) + ":" + to_string(in.hint);
            req.conversations.push_back(std::move(in));
        }
        const std::string prompt_tmpl = job->settings.digest_prompt.empty()
                                            ? default_digest_prompt()
                                            : job->settings.digest_prompt;
        req.prompt = expand(
            prompt_tmpl,
            {{"user_uid", job->user}, {"conversation_count", std::to_string(job->rows.size())}});
        fp_input += "#" + fnv_hex(req.prompt);
        const std::string fp = fnv_hex(fp_input);
        v.id = "digest_" +
               fnv_hex(job->ctx.tenant + "\n" + job->user + "\n" + job->filter_key).substr(0, 12);
        v.cache = v.warming.empty() ? cache_status::fresh : cache_status::partial;
        v.tokens_used = job->tokens;

        if (job->rows.empty()) {
            v.result.summary = "No conversations need attention.";
            return answer_digest(job, std::move(v));
        }
        if (job->cache && job->cache->fingerprint == fp) {
            try {
                const json stored = json::parse(job->cache->digest_json);
                v.result = digest_from_json(stored);
                v.generated_at_ms = job->cache->generated_at_ms;
                return answer_digest(job, std::move(v));
            } catch (const std::exception&) {
                // Unreadable cache: write a new digest.
            }
        }
        std::vector<digest_input> inputs = req.conversations;  // for the fallback
        // The engine writes about the most important conversations; the others are filed by
        // their classification afterwards, so a huge inbox makes no huge prompt.
        std::vector<digest_input> rest;
        if (req.conversations.size() > max_digest_conversations) {
            rest.assign(
                std::make_move_iterator(req.conversations.begin() + max_digest_conversations),
                std::make_move_iterator(req.conversations.end()));
            req.conversations.resize(max_digest_conversations);
        }
        engine& e = engine_for(job->settings);
        e.make_digest(std::move(req), [self = shared_from_this(), job, v = std::move(v), fp,
                                       inputs = std::move(inputs),
                                       rest = std::move(rest)](digest_result r) mutable {
            if (r.failure == engine_failure::none) {
                v.result = std::move(r.result);
                for (const auto& c : rest) {
                    switch (c.hint) {
                        case status::urgent:
                            v.result.urgent.push_back(c.conversation_uid);
                            break;
                        case status::pending:
                            v.result.pending.push_back(c.conversation_uid);
                            break;
                        case status::on_track:
                            v.result.on_track.push_back(c.conversation_uid);
                            break;
                        case status::stale:
                            v.result.stale.push_back(c.conversation_uid);
                            break;
                    }
                }
                v.tokens_used += r.tokens_used;
                storage::digest_cache c;
                c.tenant = job->ctx.tenant;
                c.user_uid = job->user;
                c.filter_key = job->filter_key;
                c.fingerprint = fp;
                c.digest_json = to_json(v.result).dump();
                c.generated_at_ms = v.generated_at_ms;
                c.tokens_used = r.tokens_used;
                return self->write(
                    [c](storage::connection& conn) {
                        try {
                            conn.conversations().store_digest(c);
                        } catch (const std::exception& ex) {
                            spdlog::warn("ai: storing a digest failed: {}", ex.what());
                        }
                        return true;
                    },
                    [self, job, v = std::move(v)](bool) mutable {
                        self->answer_digest(job, std::move(v));
                    });
            }
            spdlog::warn("ai: digest for {} failed after {} attempt(s): {} ({})", job->user,
                         r.attempts, describe(r.failure), r.detail);
            v.degraded_reason =
                std::string(describe(r.failure)) + (r.detail.empty() ? "" : ": " + r.detail);
            v.cache = cache_status::stale;
            if (job->cache) {
                try {
                    v.result = digest_from_json(json::parse(job->cache->digest_json));
                    v.generated_at_ms = job->cache->generated_at_ms;
                    return self->answer_digest(job, std::move(v));
                } catch (const std::exception&) {
                }
            }
            // No cached digest: the built-in digest over the cached summaries.
            digest_request fallback;
            fallback.user_uid = job->user;
            fallback.conversations = std::move(inputs);
            fallback.now_ms = job->now;
            v.result = builtin_engine::digest_now(fallback);
            self->answer_digest(job, std::move(v));
        });
    }

    // Counts the request on the user's profile first, so that the profile is current when the
    // answer arrives.
    void answer_digest(const std::shared_ptr<digest_job>& job, digest_view v) {
        const std::uint64_t now = clock();
        write(
            [tenant = job->ctx.tenant, user = job->user, tokens = v.tokens_used,
             now](storage::connection& c) {
                try {
                    c.conversations().record_usage(tenant, user, tokens, now);
                } catch (const std::exception& e) {
                    spdlog::warn("ai: recording usage of {} failed: {}", user, e.what());
                }
                return true;
            },
            [job, v = std::move(v)](bool) mutable {
                digest_outcome o;
                o.view = std::move(v);
                job->done(std::move(o));
            });
    }

    // --- settings
    // -------------------------------------------------------------------------

    void settings(request_context ctx, core::unique_callback<settings_outcome> done) {
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

    void update_settings(request_context ctx, patch_parse patch,
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
                        merge_stored(current.is_discarded() ? json::object() : current, patch)
                            .dump();
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
};

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
