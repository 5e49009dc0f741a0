#pragma once
// The pipes between the controller and its worker processes: length-prefixed binary messages over
// a socketpair (one per worker, created before fork). Both ends run the same binary, so
// trivially copyable structs travel as raw bytes.
//
// Writes block (commands are small; a worker writes its large report only when asked, while the
// controller is waiting to read it). Reads never block: a worker polls its end in its epoll loop,
// the controller in poll().

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace sb::bench {

enum class ipc_type : std::uint32_t {
    // controller -> worker
    connect = 1,     // open the planned connections; answered by connected
    tick,            // answered by tick (counters only: cheap, sent at step boundaries)
    report,          // answered by report (histograms and per-sequence counts)
    publish,         // publisher: run one step (publish_command); answered by published
    churn_start,     // churn worker: start connecting and disconnecting
    churn_stop,
    stall,           // slow consumer: stop reading
    resume,          // slow consumer: read again; answered by tick once drained or closed
    close_all,       // close every connection; answered by closed
    exit,
    fetch,           // history fetcher: run one step (fetch_command); answered by fetched
    // worker -> controller
    connected = 100,
    tick_reply,
    report_reply,
    published,
    closed,
    failed,          // a fatal error in the worker; payload is the text
    fetched,
};

class ipc_writer {
public:
    template <class T>
    void put(const T& value) {
        static_assert(std::is_trivially_copyable_v<T>);
        const auto* p = reinterpret_cast<const char*>(&value);
        buf_.append(p, sizeof(T));
    }
    template <class T>
    void put_vector(const std::vector<T>& values) {
        static_assert(std::is_trivially_copyable_v<T>);
        put<std::uint64_t>(values.size());
        buf_.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
    }
    void put_string(std::string_view s) {
        put<std::uint64_t>(s.size());
        buf_.append(s);
    }
    [[nodiscard]] const std::string& bytes() const noexcept { return buf_; }

private:
    std::string buf_;
};

class ipc_reader {
public:
    explicit ipc_reader(std::string_view bytes) : rest_(bytes) {}
    template <class T>
    T get() {
        static_assert(std::is_trivially_copyable_v<T>);
        T value{};
        if (rest_.size() < sizeof(T)) {
            ok_ = false;
            return value;
        }
        std::memcpy(&value, rest_.data(), sizeof(T));
        rest_.remove_prefix(sizeof(T));
        return value;
    }
    template <class T>
    std::vector<T> get_vector() {
        const auto n = get<std::uint64_t>();
        std::vector<T> out;
        if (!ok_ || n > rest_.size() / sizeof(T)) {
            ok_ = false;
            return out;
        }
        out.resize(n);
        if (n) std::memcpy(out.data(), rest_.data(), n * sizeof(T));
        rest_.remove_prefix(n * sizeof(T));
        return out;
    }
    std::string get_string() {
        const auto n = get<std::uint64_t>();
        if (!ok_ || n > rest_.size()) {
            ok_ = false;
            return {};
        }
        std::string s(rest_.substr(0, n));
        rest_.remove_prefix(n);
        return s;
    }
    [[nodiscard]] bool ok() const noexcept { return ok_; }

private:
    std::string_view rest_;
    bool ok_ = true;
};

struct ipc_message {
    ipc_type type{};
    std::string body;
};

// One end of a worker pipe.
class ipc_channel {
public:
    ipc_channel() = default;
    explicit ipc_channel(int fd) : fd_(fd) {}

    // Blocking send of one message. False when the other end is gone.
    bool send(ipc_type type, const ipc_writer& body = {}) const;
    // Reads what is available without blocking. False on EOF or error.
    bool fill();
    // The next complete message read so far.
    std::optional<ipc_message> next();
    [[nodiscard]] int fd() const noexcept { return fd_; }
    void close();

private:
    int fd_ = -1;
    std::string in_;
};

// A connected pair; the caller forks and each side keeps one end.
void make_ipc_pair(int fds[2]);

}  // namespace sb::bench
