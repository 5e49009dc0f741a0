#include "crypto/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace sb::crypto {
namespace {

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

// OpenSSL 3's one-shot calls (HMAC(), SHA256(), EVP_Digest() with EVP_md5()) look the algorithm
// up by name in the provider store on every call, about 100 allocations each; a signed HTTP request
// pays for two of them. Fetch each algorithm once per process and keep one context per thread.
[[noreturn]] void unavailable(const char* what) {
    std::fprintf(stderr, "switchboard: OpenSSL cannot provide %s\n", what);
    std::abort();
}

enum class algorithm { sha1, sha256, md5 };

const char* name_of(algorithm a) {
    switch (a) {
        case algorithm::sha1: return "SHA1";
        case algorithm::sha256: return "SHA256";
        case algorithm::md5: return "MD5";
    }
    return "";
}

template <algorithm A>
const EVP_MD* fetched_digest() {
    static EVP_MD* const md = EVP_MD_fetch(nullptr, name_of(A), nullptr);
    if (md == nullptr) unavailable(name_of(A));
    return md;
}

struct digest_context_deleter {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct mac_context_deleter {
    void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

template <algorithm A, std::size_t N>
std::array<std::uint8_t, N> digest(std::string_view data) {
    thread_local const std::unique_ptr<EVP_MD_CTX, digest_context_deleter> ctx(EVP_MD_CTX_new());
    std::array<std::uint8_t, N> out{};
    unsigned int len = 0;
    if (!ctx || EVP_DigestInit_ex2(ctx.get(), fetched_digest<A>(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != N)
        unavailable(name_of(A));
    return out;
}

EVP_MAC_CTX* new_hmac_context(algorithm a) {
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac == nullptr) unavailable("HMAC");
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    char digest_name[8];
    std::snprintf(digest_name, sizeof digest_name, "%s", name_of(a));
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest_name, 0), OSSL_PARAM_construct_end()};
    if (ctx == nullptr || EVP_MAC_CTX_set_params(ctx, params) != 1) unavailable("HMAC");
    return ctx;
}

template <algorithm A, std::size_t N>
std::array<std::uint8_t, N> hmac(std::string_view key, std::string_view message) {
    thread_local const std::unique_ptr<EVP_MAC_CTX, mac_context_deleter> ctx(new_hmac_context(A));
    std::array<std::uint8_t, N> out{};
    std::size_t len = 0;
    // An empty key is legal for HMAC, but a null pointer would mean "keep the previous key".
    static constexpr unsigned char no_key = 0;
    const unsigned char* key_bytes = key.empty() ? &no_key : bytes(key);
    if (EVP_MAC_init(ctx.get(), key_bytes, key.size(), nullptr) != 1 ||
        EVP_MAC_update(ctx.get(), bytes(message), message.size()) != 1 ||
        EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != N)
        unavailable("HMAC");
    return out;
}

constexpr char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode64(std::string_view data, const char* alphabet, bool pad) {
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        std::uint32_t v = (std::uint32_t(std::uint8_t(data[i])) << 16) |
                          (std::uint32_t(std::uint8_t(data[i + 1])) << 8) |
                          std::uint32_t(std::uint8_t(data[i + 2]));
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    const std::size_t rest = data.size() - i;
    if (rest == 1) {
        std::uint32_t v = std::uint32_t(std::uint8_t(data[i])) << 16;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        if (pad) out += "==";
    } else if (rest == 2) {
        std::uint32_t v = (std::uint32_t(std::uint8_t(data[i])) << 16) |
                          (std::uint32_t(std::uint8_t(data[i + 1])) << 8);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        if (pad) out += '=';
    }
    return out;
}

int decode_char(char c, bool url) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == (url ? '-' : '+')) return 62;
    if (c == (url ? '_' : '/')) return 63;
    return -1;
}

std::optional<std::string> decode64(std::string_view text, bool url) {
    while (!text.empty() && text.back() == '=') text.remove_suffix(1);
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        const int v = decode_char(c, url);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | std::uint32_t(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += char((acc >> bits) & 0xFF);
        }
    }
    return out;
}

}  // namespace

sha256_digest hmac_sha256(std::string_view key, std::string_view message) {
    return hmac<algorithm::sha256, 32>(key, message);
}

sha1_digest hmac_sha1(std::string_view key, std::string_view message) {
    return hmac<algorithm::sha1, 20>(key, message);
}

sha256_digest sha256(std::string_view data) { return digest<algorithm::sha256, 32>(data); }

sha1_digest sha1(std::string_view data) { return digest<algorithm::sha1, 20>(data); }

md5_digest md5(std::string_view data) { return digest<algorithm::md5, 16>(data); }

std::string to_hex(const std::uint8_t* data, std::size_t size) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(size * 2, '\0');
    for (std::size_t i = 0; i < size; ++i) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    return out;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
    return to_hex(hmac_sha256(key, message));
}

std::string md5_hex(std::string_view data) { return to_hex(md5(data)); }

std::string base64_encode(std::string_view data) { return encode64(data, b64_alphabet, true); }
std::string base64url_encode(std::string_view data) {
    return encode64(data, b64url_alphabet, false);
}
std::optional<std::string> base64_decode(std::string_view text) { return decode64(text, false); }
std::optional<std::string> base64url_decode(std::string_view text) {
    return decode64(text, true);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_bytes(std::size_t count) {
    std::string out(count, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(count)) != 1) {
        std::fputs("switchboard: the system random generator failed\n", stderr);
        std::abort();
    }
    return out;
}

std::string random_token(std::size_t length) {
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    const std::string raw = random_bytes(length);
    std::string out(length, '\0');
    for (std::size_t i = 0; i < length; ++i) out[i] = alphabet[std::uint8_t(raw[i]) % 36];
    return out;
}

}  // namespace sb::crypto
