// libFuzzer target for the RESP reply parser (src/broker/redis/resp.hpp) and the reading of
// pub/sub replies (pubsub.hpp).
//
// Input: byte 0 picks the parser limits, byte 1 seeds the chunk sizes, the rest is the byte
// stream a Redis server sends. The stream is parsed once whole and once in chunks, each chunk a
// fresh copy (as socket reads into a reused buffer deliver it); both must produce the same
// replies and the same error. Every reply must respect the limits, and encoding it again must
// parse back to the same reply (under the default limits). A failed parser must repeat its
// error without consuming. A violation aborts.
//
// Seeds: tests/fuzz/corpus/resp/, replies of every type behind the two parameter bytes. Run:
//   cmake --preset fuzz && cmake --build --preset fuzz --target resp_fuzz
//   build-fuzz/tests/fuzz/resp_fuzz -max_total_time=180 SCRATCH tests/fuzz/corpus/resp
// (new inputs go to the first directory, so the committed seeds stay small).

#include "broker/redis/pubsub.hpp"
#include "broker/redis/resp.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace redis = sb::broker::redis;

// Built per call: clang 14 with -fsanitize=fuzzer,address,undefined -O1 folded a global array
// of these into a constant with the zero-valued fields reset to their defaults.
redis::parser_limits limits_for(std::uint8_t selector) {
    redis::parser_limits l;
    switch (selector % 4) {
        case 0:
            break;  // the defaults
        case 1:
            l.max_bulk_length = 16;
            l.max_aggregate_length = 4;
            l.max_depth = 3;
            l.max_line_length = 16;
            break;
        case 2:
            l.max_bulk_length = 0;
            l.max_aggregate_length = 0;
            l.max_depth = 1;
            l.max_line_length = 2;
            break;
        default:
            l.max_bulk_length = 1024;
            l.max_aggregate_length = 64;
            l.max_depth = 8;
            l.max_line_length = 64;
            break;
    }
    return l;
}

void require(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "resp_fuzz: invariant violated: %s\n", what);
        std::abort();
    }
}

struct outcome {
    std::vector<redis::reply> replies;
    redis::parse_error error = redis::parse_error::none;
    bool operator==(const outcome&) const = default;
};

void check_reply(const redis::reply& r, const redis::parser_limits& limits, std::size_t depth) {
    if (r.is_aggregate()) {
        require(depth + 1 <= limits.max_depth, "nesting within the limit");
        require(r.elements.size() <= limits.max_aggregate_length, "aggregate within the limit");
        require(r.type != redis::reply_type::map || r.elements.size() % 2 == 0,
                "a map has key, value pairs");
        for (const redis::reply& e : r.elements) check_reply(e, limits, depth + 1);
    } else {
        require(r.elements.empty(), "only aggregates have elements");
    }
    if (r.type == redis::reply_type::bulk_string || r.type == redis::reply_type::verbatim) {
        require(r.str.size() <= limits.max_bulk_length, "bulk within the limit");
    }
    if (r.type == redis::reply_type::boolean)
        require(r.integer == 0 || r.integer == 1, "boolean 0/1");
}

// Presents `piece` to the parser until it needs more; false once it has failed.
bool drain(redis::resp_parser& parser, std::string_view piece, outcome& out) {
    std::size_t consumed = 0;
    while (consumed < piece.size()) {
        const std::size_t before = consumed;
        const auto status = parser.next(piece.substr(consumed), consumed);
        require(consumed >= before && consumed <= piece.size(), "consumed within what was shown");
        if (status == redis::resp_parser::status::need_more) {
            require(consumed == piece.size(), "need_more uses every byte");
            return true;
        }
        if (status == redis::resp_parser::status::error) {
            out.error = parser.error();
            require(out.error != redis::parse_error::none, "an error names its cause");
            std::size_t again = 0;
            require(parser.next("+OK\r\n", again) == redis::resp_parser::status::error &&
                        again == 0 && parser.error() == out.error,
                    "a failed parser repeats its error");
            return false;
        }
        require(consumed > before, "a reply consumes bytes");
        out.replies.push_back(parser.take());
        require(parser.idle(), "idle after a reply is taken");
    }
    return true;
}

outcome parse_whole(const redis::parser_limits& limits, std::string_view stream) {
    redis::resp_parser parser(limits);
    outcome out;
    drain(parser, stream, out);
    return out;
}

// Chunk sizes from a small LCG seeded by the input: seed 0 is byte at a time.
outcome parse_chunked(const redis::parser_limits& limits, std::string_view stream,
                      std::uint8_t seed) {
    redis::resp_parser parser(limits);
    outcome out;
    std::uint32_t state = seed * 2654435761U + 1;
    std::size_t offset = 0;
    while (offset < stream.size()) {
        state = state * 1103515245U + 12345U;
        const std::size_t chunk = 1 + (state >> 16) % (std::size_t{seed} + 1);
        const std::string piece(stream.substr(offset, chunk));
        offset += piece.size();
        if (!drain(parser, piece, out)) break;
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const redis::parser_limits limits = limits_for(data[0]);
    const std::uint8_t seed = data[1];
    const std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);

    const outcome whole = parse_whole(limits, stream);
    require(whole == parse_chunked(limits, stream, seed),
            "splitting the stream does not change the replies");
    for (const redis::reply& r : whole.replies) {
        check_reply(r, limits, 0);
        // A subscriber connection reads every reply for messages and confirmations.
        redis::reply copy = r;
        const redis::pubsub_reading reading = redis::read_pubsub_reply(copy);
        require(!reading.message || (r.is_aggregate() && r.elements.size() >= 3 &&
                                     reading.message->payload == r.elements.back().str),
                "a message is an aggregate whose last element is the payload");
        require(reading.confirmation.empty() || !reading.message, "message or confirmation");
        std::string wire;
        redis::append_reply(wire, r);
        // Default limits: re-encoding may change a reply's form (an error with a CR becomes a
        // blob error), and the limits guard against hostile input, not against our encoder.
        const outcome again = parse_whole(redis::parser_limits{}, wire);
        require(again.error == redis::parse_error::none && again.replies.size() == 1 &&
                    again.replies.front() == r,
                "an encoded reply parses back to itself");
    }
    return 0;
}
