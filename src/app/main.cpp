// switchboard: a self-hosted real-time server speaking the Pusher protocol.

#include "app/config.hpp"
#include "app/server.hpp"
#include "crypto/crypto.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <pthread.h>
#include <sstream>

extern char** environ;

namespace {

std::map<std::string, std::string> switchboard_environment() {
    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv = *e;
        if (kv.rfind("SWITCHBOARD_", 0) != 0) continue;
        const auto eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
    return env;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw sb::app::config_error("cannot read config file '" + path + "'");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The embedded default: one demo app whose secret is generated once and kept in the data folder.
sb::core::app_config demo_app(const std::string& data_dir) {
    namespace fs = std::filesystem;
    sb::core::app_config app;
    app.id = "demo";
    app.key = "demo-key";
    app.name = "Demo";
    const fs::path file = fs::path(data_dir) / "demo-app-secret";
    std::error_code ec;
    fs::create_directories(data_dir, ec);
    if (std::ifstream in(file); in) std::getline(in, app.secret);
    if (app.secret.empty()) {
        app.secret = sb::crypto::random_token(32);
        std::ofstream out(file);
        out << app.secret << "\n";
        fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write, ec);
    }
    return app;
}

// web/ beside the build folder (build/switchboard → web/), else ./web.
std::string default_web_dir() {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    for (const fs::path& candidate : {exe.parent_path().parent_path() / "web", fs::current_path(ec) / "web"})
        if (fs::is_directory(candidate, ec)) return candidate.string();
    return {};
}

int serve(sb::app::server_config config) {
    if (config.apps.empty()) {
        config.apps.push_back(demo_app(config.data_dir));
        config.demo_app = true;
        if (config.demo_token_app.empty()) config.demo_token_app = config.apps.front().id;
    }
    if (config.web_dir.empty()) config.web_dir = default_web_dir();
    sb::app::finalize(config);
    spdlog::set_level(spdlog::level::from_str(config.log_level));

    // Signals are taken by sigwait on this thread; every shard thread inherits the mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    sb::app::server srv(config);
    srv.start();
    std::printf("switchboard listening on http://%s:%u (%u threads)\n", config.host.c_str(), srv.port(),
                config.threads);
    for (const auto& app : srv.config().apps)
        std::printf("  app id=%s key=%s secret=%s%s\n", app.id.c_str(), app.key.c_str(), app.secret.c_str(),
                    config.demo_app ? "  (demo app: pass --app ID:KEY:SECRET to choose your own)" : "");
    if (!config.web_dir.empty()) std::printf("  demo pages: http://%s:%u/demo/\n", config.host.c_str(), srv.port());
    std::printf("  pusher-js: new Pusher('%s', { wsHost: '%s', wsPort: %u, forceTLS: false, cluster: '' })\n",
                srv.config().apps.front().key.c_str(), config.host.c_str(), srv.port());
    std::fflush(stdout);

    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("received {}, closing connections with 4200", sig == SIGINT ? "SIGINT" : "SIGTERM");
    srv.shutdown();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"Switchboard: a self-hosted real-time server (Pusher protocol 7, native API)", "switchboard"};
    cli.require_subcommand(1);
    cli.set_version_flag("--version", "switchboard 0.1.0");

    sb::app::server_config config;
    std::string config_file;
    std::vector<std::string> app_flags;
    std::optional<std::string> host, data_dir, log_level, broker;
    std::optional<std::uint16_t> port;
    std::optional<std::uint32_t> threads;

    CLI::App* serve_cmd = cli.add_subcommand("serve", "Start the server (no options: port 6001, a demo app)");
    serve_cmd->add_option("--config", config_file, "TOML configuration file (also SWITCHBOARD_CONFIG)");
    serve_cmd->add_option("--host", host, "Address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)");
    serve_cmd->add_option("--port", port, "Port for WebSocket and HTTP (default 6001; 0 picks a free port)");
    serve_cmd->add_option("--app", app_flags,
                          "An app as ID:KEY:SECRET (repeatable; replaces configured apps). Keys pk_test_*/sk_test_* "
                          "select the staging environment, others production");
    serve_cmd->add_option("--data-dir", data_dir, "Folder for the server's data (default ./data)");
    serve_cmd->add_option("--threads", threads, "Network threads (default: one per core, at most 64)");
    serve_cmd->add_option("--log-level", log_level, "trace, debug, info, warn, error (default info)");
    serve_cmd->add_option("--broker", broker,
                          "redis://HOST:PORT makes this server a cluster member sharing fan-out and presence "
                          "through Redis (docs/cluster.md)");
    serve_cmd->footer(
        "Environment: SWITCHBOARD_CONFIG, SWITCHBOARD_HOST, SWITCHBOARD_PORT, SWITCHBOARD_THREADS, "
        "SWITCHBOARD_DATA_DIR, SWITCHBOARD_LOG_LEVEL, SWITCHBOARD_APPS (ID:KEY:SECRET,...), "
        "SWITCHBOARD_ACTIVITY_TIMEOUT, SWITCHBOARD_PONG_TIMEOUT, SWITCHBOARD_MAX_MESSAGE_SIZE, "
        "SWITCHBOARD_CLIENT_EVENT_RATE, SWITCHBOARD_MAX_CONNECTIONS, SWITCHBOARD_CLIENT_EVENTS, "
        "SWITCHBOARD_DATABASE, SWITCHBOARD_BROKER, SWITCHBOARD_NODE_ID.\n"
        "Precedence: defaults < config file < environment < flags. Every key: docs/configuration.md.");

    CLI11_PARSE(cli, argc, argv);

    try {
        const auto env = switchboard_environment();
        if (config_file.empty())
            if (auto it = env.find("SWITCHBOARD_CONFIG"); it != env.end()) config_file = it->second;
        if (!config_file.empty()) sb::app::apply_toml(config, read_file(config_file), config_file);
        sb::app::apply_environment(config, env);
        if (host) config.host = *host;
        if (port) config.port = *port;
        if (threads) config.threads = *threads;
        if (data_dir) config.data_dir = *data_dir;
        if (log_level) config.log_level = *log_level;
        if (broker) config.broker = *broker;
        if (!app_flags.empty()) {
            config.apps.clear();
            for (const auto& flag : app_flags) config.apps.push_back(sb::app::parse_app_flag(flag));
        }
        return serve(std::move(config));
    } catch (const sb::app::config_error& e) {
        std::fprintf(stderr, "switchboard: configuration error: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "switchboard: %s\n", e.what());
        return 1;
    }
}
