#include <utility>  // before Asio (Boost 1.74 with g++ 12)

#include "webrtc/janus_recorder.hpp"

#include "crypto/crypto.hpp"
#include "net/http_client.hpp"
#include "webrtc/recording_converter.hpp"

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>
#include <random>

namespace sb::webrtc {

using json = nlohmann::json;

namespace {

// A directory name from a tenant key ("<app_id>/<environment>") or room id: anything but
// [A-Za-z0-9_-] becomes '_', so no name can climb out of the recordings root.
std::string path_safe(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
    return out.empty() ? "_" : out;
}

}  // namespace

// Blocking Janus HTTP API calls for the worker: each call runs the worker's own io_context
// until its answer arrives (nothing else runs on that context).
class janus_recorder::janus_api {
public:
    explicit janus_api(std::string url) : url_(std::move(url)), client_(context_) {}

    // POSTs `body` (a transaction is added) to url_ + path; the parsed answer, or null on a
    // transport failure or a non-JSON answer.
    json call(const std::string& path, json body) {
        body["transaction"] = crypto::random_token(12);
        net::http_client_request req;
        req.url = url_ + path;
        req.headers = {{"content-type", "application/json"}};
        req.body = body.dump();
        bool done = false;
        net::http_client_response res;
        client_.send(std::move(req), [&](net::http_client_response r) {
            res = std::move(r);
            done = true;
        });
        while (!done) context_.run_one();
        if (res.status != 200) {
            spdlog::warn("webrtc recording: Janus {} answered {} {}", url_ + path, res.status, res.error);
            return nullptr;
        }
        json answer = json::parse(res.body, nullptr, false);
        return answer.is_discarded() ? json(nullptr) : answer;
    }

    // Sends one VideoRoom request in a session of its own and answers the plugin's data (null on
    // failure). A session per request: a kept one would need keepalives every minute.
    json videoroom(const json& request) {
        const json session = call("", {{"janus", "create"}});
        if (!session.is_object() || session.value("janus", "") != "success") return nullptr;
        const std::string s = "/" + std::to_string(session["data"]["id"].get<std::uint64_t>());
        json data = nullptr;
        const json handle = call(s, {{"janus", "attach"}, {"plugin", "janus.plugin.videoroom"}});
        if (handle.is_object() && handle.value("janus", "") == "success") {
            const std::string h = "/" + std::to_string(handle["data"]["id"].get<std::uint64_t>());
            const json answer = call(s + h, {{"janus", "message"}, {"body", request}});
            if (answer.is_object() && answer.contains("plugindata")) data = answer["plugindata"]["data"];
        }
        call(s, {{"janus", "destroy"}});
        return data;
    }

private:
    std::string url_;
    boost::asio::io_context context_;
    net::http_client client_;
};

janus_recorder::janus_recorder(std::string janus_url, std::filesystem::path root)
    : url_(std::move(janus_url)), root_(std::move(root)) {
    while (!url_.empty() && url_.back() == '/') url_.pop_back();
    worker_ = std::thread([this] { run(); });
}

janus_recorder::~janus_recorder() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    worker_.join();
}

void janus_recorder::post(std::function<void(janus_api&)> job) {
    {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
}

void janus_recorder::run() {
    janus_api api(url_);
    for (;;) {
        std::function<void(janus_api&)> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
            // Jobs still queued at shutdown are dropped: a room that was ending keeps its .mjr
            // files, which janus-pp-rec can convert by hand.
            if (stopping_) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        job(api);
    }
}

janus_room janus_recorder::open(std::string_view tenant, std::string_view room_id, std::uint32_t publishers) {
    std::unique_lock lock(mutex_);
    auto it = rooms_.find(key{tenant, room_id});
    if (it != rooms_.end() && !it->second.closed) return it->second.room;
    // A room whose recording ended records again in a new VideoRoom (same directory, so its
    // listing keeps the earlier files).
    entry e;
    if (it != rooms_.end()) e.files = std::move(it->second.files);
    std::random_device rd;
    // Below 2^52 and never 0: Janus room ids are JSON numbers that JavaScript must read exactly.
    e.room.number = ((std::uint64_t{rd()} << 32 | rd()) & ((std::uint64_t{1} << 52) - 1)) | 1;
    e.room.pin = crypto::random_token(16);
    e.secret = crypto::random_token(24);
    e.dir = root_ / path_safe(tenant) / path_safe(room_id);
    const janus_room answer = e.room;
    json request = {{"request", "create"},
                    {"room", e.room.number},
                    {"description", std::string(room_id)},
                    {"secret", e.secret},
                    {"pin", e.room.pin},
                    {"is_private", true},
                    {"publishers", publishers},
                    {"record", true},
                    {"lock_record", true},
                    {"rec_dir", e.dir.string()},
                    {"permanent", false}};
    const std::filesystem::path dir = e.dir;
    rooms_.insert_or_assign(key{std::string(tenant), std::string(room_id)}, std::move(e));
    lock.unlock();
    post([dir, request = std::move(request)](janus_api& api) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec) spdlog::warn("webrtc recording: cannot create {}: {}", dir.string(), ec.message());
        const json data = api.videoroom(request);
        if (!data.is_object() || data.value("videoroom", "") != "created")
            spdlog::warn("webrtc recording: Janus did not create room {}: {}", request["description"].get<std::string>(),
                         data.dump());
    });
    return answer;
}

void janus_recorder::close(std::string_view tenant, std::string_view room_id,
                           std::function<void(std::vector<recording>)> ready) {
    std::unique_lock lock(mutex_);
    auto it = rooms_.find(key{tenant, room_id});
    if (it == rooms_.end() || it->second.closed) return;
    it->second.closed = true;
    const json request = {{"request", "destroy"}, {"room", it->second.room.number}, {"secret", it->second.secret}};
    const std::filesystem::path dir = it->second.dir;
    lock.unlock();
    post([this, k = key{std::string(tenant), std::string(room_id)}, dir, request, ready = std::move(ready)](janus_api& api) {
        // Destroying the VideoRoom hangs up its publishers, which closes their recorders.
        api.videoroom(request);
        // Janus closes the recorders of the kicked publishers on its own threads, just after it
        // answers; give it a moment, so janus-pp-rec reads complete files.
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        std::vector<recording> files = convert_recordings(dir);
        spdlog::info("webrtc recording: room {} has {} recording(s)", k.second, files.size());
        {
            std::lock_guard guard(mutex_);
            if (auto e = rooms_.find(k); e != rooms_.end())
                e->second.files.insert(e->second.files.end(), files.begin(), files.end());
        }
        if (ready) ready(std::move(files));
    });
}

std::optional<std::vector<recording>> janus_recorder::list(std::string_view tenant, std::string_view room_id) const {
    std::lock_guard lock(mutex_);
    auto it = rooms_.find(key{tenant, room_id});
    if (it == rooms_.end()) return std::nullopt;
    return it->second.files;
}

std::optional<std::filesystem::path> janus_recorder::file(std::string_view tenant, std::string_view room_id,
                                                         std::string_view name) const {
    std::lock_guard lock(mutex_);
    auto it = rooms_.find(key{tenant, room_id});
    if (it == rooms_.end()) return std::nullopt;
    for (const auto& f : it->second.files)
        if (f.file == name) return it->second.dir / f.file;
    return std::nullopt;
}

}  // namespace sb::webrtc
