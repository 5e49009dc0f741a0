// Unread counts at 10,000 conversations per user: a timed program (not a
// ctest).
//
//   conversation_unread_bench [conversations] [messages_per_conversation]
//   [unread_per_conversation]
//
// Builds one user who belongs to N conversations (plus 4 other members each, so
// the member index holds 5N rows), each with M messages from the other members,
// the user's watermark leaving U of them unread; then times unread() (the query
// behind GET /users/:uid/unread-summary) and the digest variant (oldest unread
// and the summary cache joined), best and median of 7 runs. The SQLite build
// runs on a temporary file; the postgres build on SB_TEST_POSTGRES_URL. What it
// measures: the per-conversation cost of the one statement (watermark lookup,
// index-only count, newest-message probe), which is what grows with the inbox;
// it does not measure HTTP or JSON.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "storage/conversation_store.hpp"
#include "storage/conversation_store_contract_test.hpp"

using namespace sb::storage;

int main(int argc, char** argv) {
    const std::size_t conversations = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 10'000;
    const std::size_t per = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 20;
    const std::size_t unread = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 5;
    if (const auto why = testing::scratch_unavailable(); !why.empty()) {
        std::printf("skipped: %s\n", why.c_str());
        return 0;
    }
    auto db = testing::make_scratch_database();
    auto st = db->open();
    auto conn = st->connect();
    const std::string tenant = "bench/production";
    sb::core::ulid_generator ids(1);
    const std::uint64_t t0 = 1'700'000'000'000;

    const auto build_start = std::chrono::steady_clock::now();
    std::vector<message_record> batch;
    std::vector<std::pair<std::string, std::string>> marks;
    for (std::size_t c = 0; c < conversations; ++c) {
        const std::string uid = "conv:" + std::to_string(c);
        conversation_record rec;
        rec.tenant = tenant;
        rec.uid = uid;
        rec.custom_json = c % 2 ? R"({"project":"alpha"})" : R"({"project":"beta"})";
        rec.notify_roles = {"member"};
        rec.members = {{"me", "member"},
                       {"p1", "member"},
                       {"p2", "member"},
                       {"p3", "guest"},
                       {"p4", "member"}};
        rec.created_at_ms = t0;
        conn->conversations().create(rec);
        std::string mark;
        for (std::size_t k = 0; k < per; ++k) {
            message_record m;
            m.tenant = tenant;
            m.channel = uid;
            const std::uint64_t at = t0 + c * 1000 + k;
            m.id = ids.next("msg_", at);
            m.offset = k + 1;
            m.user_id = "p" + std::to_string(1 + k % 4);
            m.event = "message";
            m.data = R"({"text":"status update number )" + std::to_string(k) + R"("})";
            m.created_at_ms = at;
            if (per - k == unread + 1) mark = m.id;
            batch.push_back(std::move(m));
        }
        if (!mark.empty()) marks.emplace_back(uid, mark);
        if (batch.size() >= 5000) {
            conn->append(batch);
            batch.clear();
        }
    }
    if (!batch.empty()) conn->append(batch);
    for (const auto& [uid, id] : marks) conn->mark_read(tenant, uid, "me", id, t0);
    const double build_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - build_start).count();
    std::printf(
        "%s: %zu conversations x %zu messages (%zu unread each), built "
        "in %.1f s\n",
        testing::scratch_backend_name().c_str(), conversations, per, unread, build_s);

    auto time_query = [&](const char* name, const unread_query& q) {
        std::vector<double> ms;
        std::uint64_t total = 0;
        std::size_t rows = 0;
        for (int run = 0; run < 7; ++run) {
            const auto start = std::chrono::steady_clock::now();
            const auto result = conn->conversations().unread(q);
            ms.push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                    .count());
            total = 0;
            for (const auto& r : result) total += r.unread_count;
            rows = result.size();
        }
        std::sort(ms.begin(), ms.end());
        std::printf(
            "  %-34s rows %6zu  total_unread %8llu  best %8.2f ms  median "
            "%8.2f ms\n",
            name, rows, static_cast<unsigned long long>(total), ms.front(), ms[ms.size() / 2]);
    };
    unread_query q;
    q.tenant = tenant;
    q.user_uid = "me";
    time_query("unread summary", q);
    q.filters = {{"project", "alpha"}};
    time_query("unread summary, custom[project]", q);
    q.filters.clear();
    q.with_digest_columns = true;
    time_query("digest candidates", q);
    return 0;
}
