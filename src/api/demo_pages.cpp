#include "api/demo_pages.hpp"

#include "api/responses.hpp"
#include "core/clock.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/jsonapi/token_request.hpp"
#include "protocol/token/connection_token.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sb::api {

namespace fs = std::filesystem;

namespace {

std::string_view content_type_of(const fs::path& p) {
    const auto ext = p.extension().string();
    if (ext == ".html") return "text/html; charset=utf-8";
    if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
    if (ext == ".css") return "text/css; charset=utf-8";
    if (ext == ".json" || ext == ".map") return "application/json";
    if (ext == ".svg") return "image/svg+xml";
    if (ext == ".png") return "image/png";
    if (ext == ".ico") return "image/x-icon";
    return "application/octet-stream";
}

}  // namespace

void demo_pages::handle(const net::http_request& request, net::http_responder respond) {
    if (request.path == "/demo/token") {
        if (request.method != "POST") return respond(text_response(405, "use POST"));
        return mint(request, std::move(respond));
    }
    if (options_.web_dir.empty() || request.method != "GET")
        return respond(text_response(404, "no demo pages here"));
    std::string rel = request.path.substr(5);  // after "/demo"
    if (rel.empty() || rel == "/") {
        net::http_response r = text_response(200, "");
        r.content_type = "text/html; charset=utf-8";
        r.body = R"(<!doctype html><title>Switchboard demos</title><h1>Switchboard demos</h1>
<ul><li><a href="/demo/chat">Chat</a></li><li><a href="/demo/call">Video call</a></li></ul>)";
        return respond(std::move(r));
    }
    if (rel.find("..") != std::string::npos || rel.find('\\') != std::string::npos)
        return respond(text_response(404, "not found"));
    fs::path file = fs::path(options_.web_dir) / rel.substr(1);
    std::error_code ec;
    if (fs::is_directory(file, ec)) file /= "index.html";
    std::ifstream in(file, std::ios::binary);
    if (!in) return respond(text_response(404, "not found"));
    std::ostringstream body;
    body << in.rdbuf();
    net::http_response r;
    r.content_type = std::string(content_type_of(file));
    r.body = body.str();
    r.headers.emplace_back("Cache-Control", "no-cache");
    respond(std::move(r));
}

void demo_pages::mint(const net::http_request& request, net::http_responder respond) {
    if (options_.app_id.empty())
        return respond(json_response(404, R"({"error":"no demo app: set [demo] app in the configuration"})"));
    const core::tenant* t = hub_.apps().find(options_.app_id, core::environment::production);
    if (!t) t = hub_.apps().find(options_.app_id, core::environment::staging);
    if (!t) return respond(json_response(404, R"({"error":"the demo app does not exist"})"));
    // The SDK posts {user_id, channels, user_info}; reuse the token endpoint's validation.
    const nlohmann::json doc = nlohmann::json::parse(request.body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return respond(json_response(400, R"({"error":"body must be a JSON object"})"));
    const std::string wrapped = nlohmann::json{{"data", {{"attributes", doc}}}}.dump();
    auto parsed = protocol::jsonapi::parse_token_request(wrapped, hub_.options().max_user_info_size);
    if (!parsed.errors.empty()) {
        std::string body = R"({"error":)";
        protocol::append_json_string(body, parsed.errors.front().detail);
        body += '}';
        return respond(json_response(400, std::move(body)));
    }
    protocol::token::claims c;
    c.app_id = t->config.id;
    c.environment = std::string(core::to_string(t->env));
    c.user_id = parsed.user_id;
    c.user_info_json = parsed.user_info_json;
    c.channels = parsed.channels;
    c.issued_at_s = core::wall_clock_ms() / 1000;
    c.expires_at_s = c.issued_at_s + parsed.expires_in_s;
    std::string body = R"({"token":)";
    protocol::append_json_string(body, protocol::token::mint(c, t->config.secret));
    body += R"(,"app_id":)";
    protocol::append_json_string(body, t->config.id);
    body += R"(,"key":)";
    protocol::append_json_string(body, t->config.key);
    body += '}';
    respond(json_response(200, std::move(body)));
}

}  // namespace sb::api
