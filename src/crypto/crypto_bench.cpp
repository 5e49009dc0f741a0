// The signatures and digests every signed HTTP request and private/presence subscription pays for:
// `build/src/crypto/crypto_bench` (Release, SB_BUILD_BENCH).
#include "crypto/crypto.hpp"

#include <benchmark/benchmark.h>

#include <string>

namespace {

// The string a Pusher server SDK signs for one `POST /apps/{id}/events`.
const std::string signing_string =
    "POST\n/apps/app-id/events\nauth_key=app-key&auth_timestamp=1764316800&auth_version=1.0&"
    "body_md5=ec365a775a4cd0599faeb73354201b6f";
const std::string body(200, 'x');

void hmac_sha256_of_a_request(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(sb::crypto::hmac_sha256("app-secret", signing_string));
}
BENCHMARK(hmac_sha256_of_a_request);

void md5_of_a_body(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(sb::crypto::md5(body));
}
BENCHMARK(md5_of_a_body);

void sha256_of_a_body(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(sb::crypto::sha256(body));
}
BENCHMARK(sha256_of_a_body);

void hmac_sha1_of_a_token(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(sb::crypto::hmac_sha1("turn-secret", "1764316800:alice"));
}
BENCHMARK(hmac_sha1_of_a_token);

}  // namespace

BENCHMARK_MAIN();
