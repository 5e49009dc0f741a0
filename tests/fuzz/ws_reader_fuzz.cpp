// libFuzzer target for the WebSocket message reader.
//
// Input: byte 0 picks the message size limit, byte 1 seeds the chunk sizes, the rest is the byte
// stream a peer sends. The stream goes to a server-role and a client-role reader twice each: once
// as a single buffer, once split into chunks the way socket reads split it, with the unconsumed
// tail presented again in front of the next chunk as a real caller does. Both must produce the
// same events, and every event must respect the reader's contract. A violation aborts.
//
// Seeds: tests/fuzz/corpus/ws_reader/, hand-made frames behind the two parameter bytes. Run:
//   cmake --preset fuzz && cmake --build --preset fuzz --target ws_reader_fuzz
//   build-fuzz/tests/fuzz/ws_reader_fuzz -max_total_time=180 SCRATCH tests/fuzz/corpus/ws_reader
// (new inputs go to the first directory, so the committed seeds stay small).

#include "protocol/websocket/message_reader.hpp"
#include "protocol/websocket/utf8.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

namespace {

namespace ws = sb::protocol::websocket;

constexpr std::array<std::size_t, 8> limits{0, 1, 16, 125, 126, 1024, 65536, 16 << 20};

void require(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "ws_reader_fuzz: invariant violated: %s\n", what);
        std::abort();
    }
}

struct recorded_event {
    ws::read_event::kind type;
    ws::opcode op;
    std::string payload;
    std::uint16_t close_code;
    ws::read_error error;

    bool operator==(const recorded_event&) const = default;
};

// Checks one event against the reader's contract and returns a copy that outlives the next call.
recorded_event check(const ws::read_event& event, const ws::message_reader& reader) {
    using kind = ws::read_event::kind;
    const std::size_t limit = reader.max_message_size();
    require(reader.buffered_bytes() <= limit, "buffered bytes within the limit");
    require(reader.in_message() || reader.buffered_bytes() == 0, "no buffered bytes when idle");
    switch (event.type) {
        case kind::need_more:
            require(event.payload.empty(), "need_more carries no payload");
            break;
        case kind::message:
            require(event.payload.size() <= limit, "message within the limit");
            require(event.op == ws::opcode::text || event.op == ws::opcode::binary,
                    "message is text or binary");
            require(event.op != ws::opcode::text || ws::is_valid_utf8(event.payload),
                    "text message is UTF-8");
            require(!reader.in_message(), "no message open after one is returned");
            break;
        case kind::ping:
        case kind::pong:
            require(event.payload.size() <= 125, "control payload at most 125 bytes");
            break;
        case kind::close:
            require(event.payload.size() <= 123, "close reason at most 123 bytes");
            require(ws::is_valid_utf8(event.payload), "close reason is UTF-8");
            require(event.close_code == ws::close_code::no_status
                        ? event.payload.empty()
                        : ws::is_valid_close_code(event.close_code),
                    "close code is valid, or absent with no reason");
            break;
        case kind::error:
            require(event.error != ws::read_error::none, "an error names its cause");
            require(!reader.in_message() && reader.buffered_bytes() == 0,
                    "an error drops the open message");
            break;
    }
    return {event.type, event.op, std::string(event.payload), event.close_code, event.error};
}

// Calls next() until need_more or error, as after each socket read. Returns false on error.
bool drain(ws::message_reader& reader, std::span<std::uint8_t> buffer, std::size_t& consumed,
           std::vector<recorded_event>& events) {
    for (;;) {
        const std::size_t before = consumed;
        const std::span<std::uint8_t> rest = buffer.subspan(consumed);
        const ws::read_event event = reader.next(rest, consumed);
        require(consumed >= before && consumed - before <= rest.size(),
                "consumed never exceeds the bytes presented");
        const recorded_event recorded = check(event, reader);
        if (event.type == ws::read_event::kind::need_more) return true;
        events.push_back(recorded);
        if (event.type == ws::read_event::kind::error) {
            // Poisoned: the same error again, nothing consumed, whatever is presented.
            std::size_t again_consumed = 0;
            std::array<std::uint8_t, 2> valid{0x81, 0x00};
            const ws::read_event again = reader.next(valid, again_consumed);
            require(again.type == ws::read_event::kind::error && again.error == event.error &&
                        again_consumed == 0,
                    "a failed reader repeats its error");
            return false;
        }
        require(consumed > before, "an event consumes its frame");
    }
}

std::vector<recorded_event> read_whole(ws::role self, std::size_t limit,
                                       std::span<const std::uint8_t> stream) {
    ws::message_reader reader(self, limit);
    std::vector<std::uint8_t> buffer(stream.begin(), stream.end());
    std::vector<recorded_event> events;
    std::size_t consumed = 0;
    drain(reader, buffer, consumed, events);
    return events;
}

// Chunk sizes from a small LCG seeded by the input: seed 0 is byte at a time, larger seeds allow
// chunks up to seed + 1 bytes.
std::vector<recorded_event> read_chunked(ws::role self, std::size_t limit,
                                         std::span<const std::uint8_t> stream, std::uint8_t seed) {
    ws::message_reader reader(self, limit);
    std::vector<recorded_event> events;
    std::vector<std::uint8_t> buffer;
    std::uint32_t state = seed * 2654435761U + 1;
    std::size_t offset = 0;
    while (offset < stream.size()) {
        state = state * 1103515245U + 12345U;
        const std::size_t chunk = 1 + (state >> 16) % (std::size_t{seed} + 1);
        const std::span<const std::uint8_t> piece =
            stream.subspan(offset, std::min(chunk, stream.size() - offset));
        offset += piece.size();
        buffer.insert(buffer.end(), piece.begin(), piece.end());

        std::size_t consumed = 0;
        if (!drain(reader, buffer, consumed, events)) break;
        buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(consumed));
    }
    return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::size_t limit = limits[data[0] % limits.size()];
    const std::uint8_t seed = data[1];
    const std::span<const std::uint8_t> stream(data + 2, size - 2);
    for (ws::role self : {ws::role::server, ws::role::client}) {
        require(read_whole(self, limit, stream) == read_chunked(self, limit, stream, seed),
                "splitting the stream does not change the events");
    }
    return 0;
}
