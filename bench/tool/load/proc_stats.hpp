#pragma once
// CPU and memory of processes from /proc and getrusage, and a description of the machine.
// Linux only. Every function is a cheap read of one small file; none throws.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace sb::bench {

// User + system CPU of the calling process (getrusage), nanoseconds.
[[nodiscard]] std::uint64_t self_cpu_ns();

// User + system CPU of every thread of `pid` (/proc/PID/stat utime + stime), nanoseconds.
[[nodiscard]] std::optional<std::uint64_t> process_cpu_ns(pid_t pid);

struct process_memory {
    std::uint64_t rss_bytes = 0;  // VmRSS
    std::uint32_t threads = 0;    // Threads
};
[[nodiscard]] std::optional<process_memory> process_status(pid_t pid);

// Kernel memory of all TCP socket buffers of the machine (/proc/net/sockstat "TCP: ... mem N").
// Idle sockets hold no buffer pages; their socket structures are slab memory (below).
[[nodiscard]] std::uint64_t tcp_kernel_memory_bytes();
// The machine's kernel slab memory (/proc/meminfo "Slab:"), where socket structures live.
[[nodiscard]] std::uint64_t kernel_slab_bytes();

struct machine_info {
    std::string cpu_model;  // /proc/cpuinfo "model name"
    unsigned cpus = 0;      // online CPUs (nproc)
    std::string kernel;     // uname -srm
    std::string hostname;
    std::uint64_t memory_bytes = 0;
    std::uint64_t open_files_limit = 0;  // RLIMIT_NOFILE soft limit
};
[[nodiscard]] machine_info describe_machine();

}  // namespace sb::bench
