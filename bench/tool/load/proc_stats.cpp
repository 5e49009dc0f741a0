#include "load/proc_stats.hpp"

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace sb::bench {

std::uint64_t self_cpu_ns() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    const auto ns = [](const timeval& tv) {
        return static_cast<std::uint64_t>(tv.tv_sec) * 1'000'000'000ULL +
               static_cast<std::uint64_t>(tv.tv_usec) * 1000ULL;
    };
    return ns(ru.ru_utime) + ns(ru.ru_stime);
}

std::optional<std::uint64_t> process_cpu_ns(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) return std::nullopt;
    // The command name may contain spaces: fields are counted after its closing parenthesis.
    const auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(line.substr(close + 2));
    std::string skip;
    // Fields 3..13 (state .. cmajflt), then 14 utime and 15 stime.
    for (int i = 3; i <= 13; ++i) fields >> skip;
    std::uint64_t utime = 0;
    std::uint64_t stime = 0;
    if (!(fields >> utime >> stime)) return std::nullopt;
    static const long hz = sysconf(_SC_CLK_TCK);
    return (utime + stime) * (1'000'000'000ULL / static_cast<std::uint64_t>(hz));
}

std::optional<process_memory> process_status(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    if (!in) return std::nullopt;
    process_memory m;
    std::string key;
    while (in >> key) {
        if (key == "VmRSS:") {
            in >> m.rss_bytes;
            m.rss_bytes *= 1024;
        } else if (key == "Threads:") {
            in >> m.threads;
        }
        in.ignore(4096, '\n');
    }
    return m;
}

std::uint64_t tcp_kernel_memory_bytes() {
    std::ifstream in("/proc/net/sockstat");
    std::string line;
    while (std::getline(in, line)) {
        if (!line.starts_with("TCP:")) continue;
        const auto at = line.find(" mem ");
        if (at == std::string::npos) return 0;
        return std::stoull(line.substr(at + 5)) * static_cast<std::uint64_t>(getpagesize());
    }
    return 0;
}

std::uint64_t kernel_slab_bytes() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    std::uint64_t kb = 0;
    while (in >> key >> kb) {
        if (key == "Slab:") return kb * 1024;
        in.ignore(4096, '\n');
    }
    return 0;
}

machine_info describe_machine() {
    machine_info m;
    {
        std::ifstream in("/proc/cpuinfo");
        std::string line;
        while (std::getline(in, line)) {
            if (line.starts_with("model name")) {
                m.cpu_model = line.substr(line.find(':') + 2);
                break;
            }
        }
    }
    m.cpus = static_cast<unsigned>(sysconf(_SC_NPROCESSORS_ONLN));
    utsname u{};
    if (uname(&u) == 0) {
        m.kernel = std::string(u.sysname) + " " + u.release + " " + u.machine;
        m.hostname = u.nodename;
    }
    m.memory_bytes = static_cast<std::uint64_t>(sysconf(_SC_PHYS_PAGES)) *
                     static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) m.open_files_limit = rl.rlim_cur;
    return m;
}

}  // namespace sb::bench
