#pragma once
// A channel is named within a tenant: (tenant index, channel name).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace sb::core {

struct channel_key {
    std::uint32_t tenant = 0;
    std::string name;

    friend bool operator==(const channel_key&, const channel_key&) = default;
};

struct channel_key_view {
    std::uint32_t tenant = 0;
    std::string_view name;
};

struct channel_key_hash {
    using is_transparent = void;
    std::size_t operator()(const channel_key& k) const noexcept {
        return (*this)(channel_key_view{k.tenant, k.name});
    }
    std::size_t operator()(channel_key_view k) const noexcept {
        return std::hash<std::string_view>{}(k.name) * 31u + k.tenant;
    }
};

struct channel_key_equal {
    using is_transparent = void;
    static channel_key_view view(const channel_key& k) noexcept { return {k.tenant, k.name}; }
    static channel_key_view view(channel_key_view k) noexcept { return k; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
        const auto x = view(a);
        const auto y = view(b);
        return x.tenant == y.tenant && x.name == y.name;
    }
};

}  // namespace sb::core
