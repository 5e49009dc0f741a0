#include <utility>

#include "webhooks/dispatcher.hpp"

#include "core/clock.hpp"
#include "net/http_client.hpp"
#include "protocol/jsonapi/webhook_request.hpp"
#include "webhooks/payload.hpp"
#include "webhooks/signing.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <random>

namespace sb::webhooks {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// A lease outlives the request's timeout by this much, so that writing the answer is never late.
constexpr std::chrono::milliseconds lease_margin = 5min;
constexpr std::chrono::milliseconds prune_interval = 10min;
constexpr std::size_t prune_chunk = 5000;
constexpr std::chrono::milliseconds retry_store_after = 1s;

std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "switchboard";
    return name;
}

}  // namespace

struct dispatcher::state {
    state(history::storage_runner& r, const options& o,
          std::map<std::string, app_credentials, std::less<>> c, hooks h)
        : runner(r),
          opts(o),
          credentials(std::move(c)),
          callbacks(std::move(h)),
          work(asio::make_work_guard(context)),
          client(context, client_options(o)),
          poll_timer(context),
          due_timer(context),
          reload_timer(context),
          prune_timer(context),
          rng(std::random_device{}()) {}

    static net::http_client_options client_options(const options& o) {
        net::http_client_options c;
        c.verify_tls = o.verify_tls;
        c.max_response_body = 64 * 1024;
        c.max_idle_per_origin = std::max<std::size_t>(1, o.max_in_flight);
        c.user_agent = "switchboard-webhooks";
        return c;
    }

    struct endpoint {
        storage::webhook_record hook;
        std::size_t in_flight = 0;
    };

    history::storage_runner& runner;
    options opts;
    std::map<std::string, app_credentials, std::less<>> credentials;
    hooks callbacks;
    std::string owner;
    asio::io_context context;
    asio::executor_work_guard<asio::io_context::executor_type> work;
    net::http_client client;
    asio::steady_timer poll_timer;
    asio::steady_timer due_timer;
    asio::steady_timer reload_timer;
    asio::steady_timer prune_timer;
    std::uint64_t due_at_ms = 0;  // when due_timer fires (0: not armed)
    std::mt19937_64 rng;
    std::thread thread;
    std::atomic<bool> stopping{false};

    std::map<std::string, endpoint, std::less<>> endpoints;
    bool claiming = false;
    bool claim_again = false;
    std::vector<storage::attempt_result> results;  // answers not yet recorded
    bool completing = false;

    // --- on the dispatcher thread -------------------------------------------------------------

    void post(std::function<void()> f) { asio::post(context, std::move(f)); }

    const retry_schedule& schedule_of(const storage::webhook_record& w) const {
        return w.format == "pusher" ? opts.pusher_retries : opts.native_retries;
    }

    void claim() {
        if (stopping) return;
        if (claiming) {
            claim_again = true;
            return;
        }
        std::vector<std::pair<std::string, std::size_t>> wanted;
        for (auto& [id, ep] : endpoints) {
            if (!ep.hook.active || ep.in_flight >= opts.max_in_flight) continue;
            const std::size_t free = opts.max_in_flight - ep.in_flight;
            wanted.emplace_back(id, ep.hook.format == "pusher"
                                        ? free * std::max<std::size_t>(1, opts.pusher_batch)
                                        : free);
        }
        if (wanted.empty()) return;
        claiming = true;
        const std::uint64_t now = core::wall_clock_ms();
        const std::uint64_t lease_until =
            now + static_cast<std::uint64_t>((opts.timeout + lease_margin).count());
        runner.write([this, wanted = std::move(wanted), now,
                      lease_until](storage::connection& c) mutable {
            std::map<std::string, std::vector<storage::delivery_record>> claimed;
            std::uint64_t next_due = 0;
            try {
                for (const auto& [id, limit] : wanted) {
                    auto got = c.webhooks().claim(id, limit, now, owner, lease_until);
                    if (got.size() < limit) {
                        if (auto due = c.webhooks().next_due(id);
                            due && (next_due == 0 || *due < next_due))
                            next_due = *due;
                    }
                    if (!got.empty()) claimed.emplace(id, std::move(got));
                }
            } catch (const std::exception& e) {
                spdlog::error("webhooks: claiming deliveries failed: {}", e.what());
                next_due =
                    core::wall_clock_ms() + static_cast<std::uint64_t>(retry_store_after.count());
            }
            post([this, claimed = std::move(claimed), next_due]() mutable {
                on_claimed(std::move(claimed), next_due);
            });
        });
    }

    void on_claimed(std::map<std::string, std::vector<storage::delivery_record>> claimed,
                    std::uint64_t next_due) {
        claiming = false;
        for (auto& [id, deliveries] : claimed) {
            auto it = endpoints.find(id);
            if (it == endpoints.end()) continue;  // deleted meanwhile: its rows are gone too
            if (it->second.hook.format == "pusher") {
                const std::size_t per = std::max<std::size_t>(1, opts.pusher_batch);
                for (std::size_t i = 0; i < deliveries.size(); i += per) {
                    std::vector<storage::delivery_record> batch(
                        std::make_move_iterator(deliveries.begin() +
                                                static_cast<std::ptrdiff_t>(i)),
                        std::make_move_iterator(
                            deliveries.begin() +
                            static_cast<std::ptrdiff_t>(std::min(deliveries.size(), i + per))));
                    send(it->second, std::move(batch));
                }
            } else {
                for (auto& d : deliveries) send(it->second, {std::move(d)});
            }
        }
        if (next_due != 0) arm_due(next_due);
        if (claim_again) {
            claim_again = false;
            claim();
        }
    }

    void arm_due(std::uint64_t at_ms) {
        if (due_at_ms != 0 && due_at_ms <= at_ms) return;
        due_at_ms = at_ms;
        const std::uint64_t now = core::wall_clock_ms();
        due_timer.expires_after(std::chrono::milliseconds(at_ms > now ? at_ms - now : 0));
        due_timer.async_wait([this](boost::system::error_code ec) {
            if (ec) return;
            due_at_ms = 0;
            claim();
        });
    }

    void send(endpoint& ep, std::vector<storage::delivery_record> deliveries) {
        ++ep.in_flight;
        const std::uint64_t started = core::wall_clock_ms();
        net::http_client_request req;
        req.url = ep.hook.url;
        req.timeout = opts.timeout;
        req.headers.emplace_back("Content-Type", "application/json");
        std::string refusal;
        if (!protocol::jsonapi::host_allowed(ep.hook.url, opts.allowed_hosts))
            refusal = "the server's allowed_hosts do not include " +
                      protocol::jsonapi::url_host(ep.hook.url);
        if (ep.hook.format == "pusher") {
            auto creds = credentials.find(ep.hook.tenant);
            if (creds == credentials.end()) {
                refusal = "no app credentials for " + ep.hook.tenant;
            } else {
                std::vector<std::string_view> events;
                for (const auto& d : deliveries) events.push_back(d.body);
                req.body = pusher_body(started, events);
                req.headers.emplace_back("X-Pusher-Key", creds->second.key);
                req.headers.emplace_back("X-Pusher-Signature",
                                         pusher_signature(creds->second.secret, req.body));
            }
        } else {
            const auto& d = deliveries.front();
            req.body = native_body(d.event_id, d.event_type, d.event_created_at_ms, d.body);
            const std::uint64_t timestamp = started / 1000;
            const auto signature =
                standard_signature(ep.hook.secret, d.event_id, timestamp, req.body);
            if (!signature) {
                refusal = "the webhook has no valid whsec_ secret";
            } else {
                req.headers.emplace_back("webhook-id", d.event_id);
                req.headers.emplace_back("webhook-timestamp", std::to_string(timestamp));
                req.headers.emplace_back("webhook-signature", *signature);
            }
        }
        const std::string id = ep.hook.id;
        if (!refusal.empty()) {
            net::http_client_response r;
            r.error = std::move(refusal);
            post([this, id, deliveries = std::move(deliveries), started,
                  r = std::move(r)]() mutable {
                on_answer(id, std::move(deliveries), started, std::move(r));
            });
            return;
        }
        client.send(std::move(req), [this, id, deliveries = std::move(deliveries),
                                     started](net::http_client_response r) mutable {
            on_answer(id, std::move(deliveries), started, std::move(r));
        });
    }

    void on_answer(const std::string& id, std::vector<storage::delivery_record> deliveries,
                   std::uint64_t started, net::http_client_response response) {
        // A deleted webhook's answers are ignored by complete(): any schedule will do.
        auto it = endpoints.find(id);
        const retry_schedule& schedule =
            it != endpoints.end() ? schedule_of(it->second.hook) : opts.native_retries;
        if (it != endpoints.end() && it->second.in_flight > 0) --it->second.in_flight;
        attempt_answer answer;
        answer.status = response.status;
        answer.error = std::move(response.error);
        answer.body = std::move(response.body);
        answer.latency_ms = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(response.elapsed).count());
        const std::uint64_t now = core::wall_clock_ms();
        std::uniform_real_distribution<double> dice(0.0, 1.0);
        for (const auto& d : deliveries) {
            auto r = settle(schedule, d, answer, started, now, dice(rng));
            if (!r.succeeded) {
                if (r.next_attempt_at_ms == 0)
                    spdlog::warn(
                        "webhooks: delivery {} of {} to {} failed for good after {} attempts: {}",
                        d.id, d.event_id, id, d.attempts, r.attempt.error);
                else
                    spdlog::debug("webhooks: delivery {} to {} failed (attempt {}): {}", d.id, id,
                                  d.attempts, r.attempt.error);
            }
            results.push_back(std::move(r));
        }
        complete();
    }

    void complete() {
        if (completing || results.empty()) return;
        completing = true;
        std::vector<storage::attempt_result> batch;
        batch.swap(results);
        runner.write([this, batch = std::move(batch)](storage::connection& c) mutable {
            bool ok = true;
            try {
                const auto health = c.webhooks().complete(batch);
                if (callbacks.on_health) callbacks.on_health(c, health);
            } catch (const std::exception& e) {
                spdlog::error("webhooks: recording {} attempts failed: {}", batch.size(), e.what());
                ok = false;
            }
            post([this, ok, batch = std::move(batch)]() mutable {
                completing = false;
                if (!ok) {
                    // Kept, and written again with the next answers or at the next poll.
                    results.insert(results.begin(), std::make_move_iterator(batch.begin()),
                                   std::make_move_iterator(batch.end()));
                    return;
                }
                complete();
                claim();
            });
        });
    }

    void arm_poll() {
        poll_timer.expires_after(opts.poll_interval);
        poll_timer.async_wait([this](boost::system::error_code ec) {
            if (ec || stopping) return;
            complete();
            claim();
            arm_poll();
        });
    }

    void arm_reload() {
        reload_timer.expires_after(opts.reload_interval);
        reload_timer.async_wait([this](boost::system::error_code ec) {
            if (ec || stopping) return;
            // A writer job, so that it never races a change the API is writing.
            runner.write([this](storage::connection& c) {
                auto all = c.webhooks().all_webhooks();
                if (callbacks.on_reload) callbacks.on_reload(std::move(all));
            });
            arm_reload();
        });
    }

    void arm_prune() {
        prune_timer.expires_after(prune_interval);
        prune_timer.async_wait([this](boost::system::error_code ec) {
            if (ec || stopping) return;
            const std::uint64_t now = core::wall_clock_ms();
            const std::uint64_t retention = static_cast<std::uint64_t>(opts.log_retention.count());
            runner.write([this, now, retention](storage::connection& c) {
                const std::size_t released = c.webhooks().release("", now);  // dead nodes' leases
                if (released)
                    spdlog::warn("webhooks: released {} deliveries whose node stopped answering",
                                 released);
                const std::size_t pruned = c.webhooks().prune_deliveries(
                    now > retention ? now - retention : 0, prune_chunk);
                if (pruned)
                    spdlog::info("webhooks: pruned {} finished deliveries from the log", pruned);
                if (released) post([this] { claim(); });
            });
            arm_prune();
        });
    }

    void set(storage::webhook_record w) {
        auto [it, added] = endpoints.try_emplace(w.id);
        it->second.hook = std::move(w);
    }
};

dispatcher::dispatcher(history::storage_runner& runner, const options& opts,
                       std::map<std::string, app_credentials, std::less<>> credentials, hooks h)
    : state_(std::make_unique<state>(runner, opts, std::move(credentials), std::move(h))),
      node_id_(opts.node_id.empty() ? host_name() : opts.node_id) {
    state_->owner = node_id_;
}

dispatcher::~dispatcher() { stop(); }

void dispatcher::start(const std::vector<storage::webhook_record>& webhooks) {
    auto& s = *state_;
    for (const auto& w : webhooks) s.set(w);
    s.thread = std::thread([&s] {
        s.arm_poll();
        s.arm_reload();
        s.arm_prune();
        s.claim();
        s.context.run();
    });
}

void dispatcher::stop() {
    auto& s = *state_;
    if (!s.thread.joinable()) return;
    std::promise<void> flushed;
    auto done = flushed.get_future();
    s.post([&s, &flushed] {
        s.stopping = true;
        s.poll_timer.cancel();
        s.due_timer.cancel();
        s.reload_timer.cancel();
        s.prune_timer.cancel();
        // What arrived but was not written yet is written now (the runner runs queued jobs
        // before it stops); a job already running writes its own batch.
        if (!s.results.empty()) {
            std::vector<storage::attempt_result> batch;
            batch.swap(s.results);
            s.runner.write([batch = std::move(batch)](storage::connection& c) mutable {
                try {
                    (void)c.webhooks().complete(batch);
                } catch (const std::exception& e) {
                    spdlog::error("webhooks: recording attempts at shutdown failed: {}", e.what());
                }
            });
        }
        s.work.reset();
        s.context.stop();
        flushed.set_value();
    });
    done.wait();
    s.thread.join();
}

void dispatcher::wake() {
    if (state_->stopping) return;
    state_->post([s = state_.get()] { s->claim(); });
}

void dispatcher::upsert(storage::webhook_record webhook) {
    state_->post([s = state_.get(), w = std::move(webhook)]() mutable {
        s->set(std::move(w));
        s->claim();
    });
}

void dispatcher::remove(std::string id) {
    state_->post([s = state_.get(), id = std::move(id)] { s->endpoints.erase(id); });
}

void dispatcher::replace(std::vector<storage::webhook_record> webhooks) {
    state_->post([s = state_.get(), all = std::move(webhooks)]() mutable {
        std::map<std::string, state::endpoint, std::less<>> next;
        for (auto& w : all) {
            auto& ep = next[w.id];
            if (auto old = s->endpoints.find(w.id); old != s->endpoints.end())
                ep.in_flight = old->second.in_flight;
            ep.hook = std::move(w);
        }
        s->endpoints = std::move(next);
        s->claim();
    });
}

}  // namespace sb::webhooks
