// Digests: the user's conversations gathered in one query, at most max_fresh_per_request
// stale summaries regenerated (most unread first), then the digest written by the engine and
// cached by its inputs, falling back to the cached digest or the built-in one. Part of
// ai::service (detail/service_impl.hpp); runs on the AI thread.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "ai/builtin_engine.hpp"
#include "ai/classify.hpp"
#include "ai/detail/service_impl.hpp"

namespace sb::ai {

using nlohmann::json;

namespace {

constexpr std::uint64_t day_ms = 86'400'000;
// Conversations a digest hands to the engine (the most important first).
constexpr std::size_t max_digest_conversations = 100;

}  // namespace

std::string service::impl::filter_key_of(const std::vector<storage::custom_filter>& filters) {
    std::vector<std::string> parts;
    for (const auto& f : filters) parts.push_back(f.key + "=" + f.value);
    std::sort(parts.begin(), parts.end());
    std::string key;
    for (const auto& p : parts) key += (key.empty() ? "" : "&") + p;
    return key;
}

void service::impl::make_digest(request_context ctx, std::string user,
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
            std::stable_sort(job->rows.begin(), job->rows.end(), [](const auto& a, const auto& b) {
                if (a.unread_count != b.unread_count) return a.unread_count > b.unread_count;
                if (a.last_message_at_ms != b.last_message_at_ms)
                    return a.last_message_at_ms > b.last_message_at_ms;
                return a.conversation_uid < b.conversation_uid;
            });
            self->ensure_registered(ctx.tenant, user, [self, job](bool) { self->warm(job); });
        });
}

// The fingerprint summaries of this digest's tenant are made with.
std::string service::impl::summary_fingerprint(const digest_job& job) {
    return fingerprint(engine_for(job.settings), job.settings.summary_prompt.empty()
                                                     ? default_summary_prompt()
                                                     : job.settings.summary_prompt);
}

bool service::impl::summary_current(const storage::unread_row& r, const std::string& fp) {
    return r.summary && !r.summary->summary_json.empty() &&
           r.summary->last_message_id == r.last_message_id && r.summary->fingerprint == fp;
}

// Progressive warming: regenerate at most max_fresh_per_request stale
// summaries, then write the digest.
void service::impl::warm(std::shared_ptr<digest_job> job) {
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

void service::impl::write_digest(std::shared_ptr<digest_job> job) {
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
    const std::string prompt_tmpl =
        job->settings.digest_prompt.empty() ? default_digest_prompt() : job->settings.digest_prompt;
    req.prompt = expand(prompt_tmpl, {{"user_uid", job->user},
                                      {"conversation_count", std::to_string(job->rows.size())}});
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
        rest.assign(std::make_move_iterator(req.conversations.begin() + max_digest_conversations),
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
        spdlog::warn("ai: digest for {} failed after {} attempt(s): {} ({})", job->user, r.attempts,
                     describe(r.failure), r.detail);
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
void service::impl::answer_digest(const std::shared_ptr<digest_job>& job, digest_view v) {
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

}  // namespace sb::ai
