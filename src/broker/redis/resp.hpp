#pragma once
// RESP, the Redis wire protocol: reply values, a command encoder and an incremental reply parser.
//
// Pure code: no sockets, no clocks, no allocation beyond the values it builds. The parser takes
// the bytes of a socket read in whatever pieces they arrive and keeps its own state between calls,
// so the caller can reuse its read buffer at once and never re-presents a tail. Each byte of a
// bulk string is copied exactly once, from the caller's buffer into the reply that owns it.
//
// Types: every RESP2 type (simple string, error, integer, bulk string, array, and the nil bulk
// string and nil array), and the RESP3 types a server may send once a client says HELLO 3:
// null, boolean, double, big number, blob error, verbatim string, map, set and push. RESP3
// attributes ('|') are refused as unsupported.
//
// Limits (parser_limits) are checked against each header before any payload arrives, so a huge
// declared length fails at once and never allocates: a bulk string reserves at most 1 MiB (or
// what is already buffered, if more) up front and grows with the bytes that really arrive; an
// aggregate reserves at most 1024 elements up front. Nesting is bounded because replies are
// destroyed, compared and encoded recursively.
//
// Thread: a parser belongs to one connection and is used by one thread at a time. Replies are
// plain values.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sb::broker::redis {

enum class reply_type : std::uint8_t {
    simple_string,  // +OK
    error,          // -ERR message, and RESP3 blob errors (!)
    integer,        // :42
    bulk_string,    // $3 foo
    nil,            // $-1, *-1, and RESP3 null (_)
    array,          // *N
    boolean,        // RESP3 #t / #f: integer is 1 or 0
    floating,       // RESP3 double (,1.5): its text in str, as sent
    big_number,     // RESP3 ((123...): its digits in str
    verbatim,       // RESP3 =: str holds the whole payload, "txt:" prefix included
    map,            // RESP3 %N: elements hold key, value, key, value...
    set,            // RESP3 ~N
    push,           // RESP3 >N: out-of-band data such as pub/sub messages
};

[[nodiscard]] std::string_view describe(reply_type type);

struct reply {
    reply_type type = reply_type::nil;
    std::int64_t integer = 0;     // integer and boolean
    std::string str;              // simple string, error, bulk, floating, big number, verbatim
    std::vector<reply> elements;  // array, map, set, push

    [[nodiscard]] bool is_error() const noexcept { return type == reply_type::error; }
    [[nodiscard]] bool is_nil() const noexcept { return type == reply_type::nil; }
    [[nodiscard]] bool is_aggregate() const noexcept {
        return type == reply_type::array || type == reply_type::map || type == reply_type::set ||
               type == reply_type::push;
    }
    // The error's code: its first word ("ERR", "WRONGTYPE", "NOAUTH", or one of the client's own
    // codes in redis_connection.hpp). Empty unless is_error().
    [[nodiscard]] std::string_view error_code() const noexcept;

    bool operator==(const reply&) const = default;

    static reply simple(std::string text);
    static reply make_error(std::string message);
    static reply make_integer(std::int64_t value);
    static reply bulk(std::string bytes);
    static reply make_array(std::vector<reply> elements);
};

// A readable one-line rendering for logs and test failures (bulk strings quoted, long ones cut).
[[nodiscard]] std::string to_debug_string(const reply& r);

// --- Encoding --------------------------------------------------------------------------------

// Appends a command as an array of bulk strings, the only form Redis accepts from clients.
void append_command(std::string& out, std::span<const std::string_view> args);
void append_command(std::string& out, std::initializer_list<std::string_view> args);
[[nodiscard]] std::string encode_command(std::initializer_list<std::string_view> args);
// The pieces of a command, for writers that send large arguments from their own buffers:
// "*N\r\n", then per argument "$len\r\n", the bytes, "\r\n".
void append_array_header(std::string& out, std::size_t count);
void append_bulk_header(std::string& out, std::size_t length);

// Appends any reply in its wire form (fake servers in tests, and the fuzzer's round trip).
// Simple strings, doubles and big numbers are written as given and must not contain LF; errors
// containing CR or LF are written as RESP3 blob errors.
void append_reply(std::string& out, const reply& r);

// --- Parsing ---------------------------------------------------------------------------------

enum class parse_error : std::uint8_t {
    none,
    bad_type,            // a byte that starts no RESP type
    unsupported_type,    // RESP3 attribute ('|')
    missing_crlf,        // a line or a bulk payload not ended by CR LF
    bad_integer,         // integer, length or big number that is not a decimal in range
    bad_length,          // negative length other than the -1 of RESP2 nils
    bad_value,           // RESP3 null with a payload, boolean other than t/f, empty double
    line_too_long,       // header or simple line over max_line_length
    bulk_too_long,       // declared bulk length over max_bulk_length
    aggregate_too_long,  // declared element count over max_aggregate_length
    too_deep,            // aggregates nested deeper than max_depth
};

[[nodiscard]] std::string_view describe(parse_error error);

struct parser_limits {
    std::size_t max_bulk_length = std::size_t{512} << 20;     // Redis's own proto-max-bulk-len
    std::size_t max_aggregate_length = std::size_t{1} << 24;  // elements (a map counts 2 per pair)
    std::size_t max_depth = 32;                               // nested aggregates
    std::size_t max_line_length = std::size_t{1} << 20;       // simple strings, errors, headers
};

class resp_parser {
public:
    enum class status : std::uint8_t { need_more, reply, error };

    explicit resp_parser(parser_limits limits = {});

    // Consumes bytes from the front of `data` until one reply is complete or the bytes run out,
    // and adds the number used to `consumed` (the caller presents data.substr(consumed) next).
    // need_more: every byte was used and no reply is complete yet; the bytes need not be kept.
    // reply: take() returns it; bytes after it are untouched. error: the parser is poisoned and
    // returns the same error, consuming nothing, until reset().
    status next(std::string_view data, std::size_t& consumed);

    // The reply completed by the last next(); leaves the parser ready for the following one.
    [[nodiscard]] reply take();

    [[nodiscard]] parse_error error() const noexcept { return error_; }
    // True between replies: no partial reply is held.
    [[nodiscard]] bool idle() const noexcept;
    [[nodiscard]] const parser_limits& limits() const noexcept { return limits_; }
    // Drops any partial reply and the error (a new connection).
    void reset();

private:
    enum class state : std::uint8_t { type, line, bulk, bulk_crlf };
    struct level {
        reply node;
        std::size_t remaining;
    };

    // Parses a complete header line (CR LF removed); true when a top-level reply is complete.
    bool on_line(std::string_view line);
    // Adds a finished value to the aggregate in progress; true when a top-level reply is complete.
    bool finish(reply value);
    bool fail(parse_error error);
    bool start_aggregate(reply_type type, std::int64_t count);

    parser_limits limits_;
    state state_ = state::type;
    char type_ = 0;
    std::uint8_t crlf_seen_ = 0;
    std::size_t bulk_remaining_ = 0;
    std::string line_;
    reply value_;  // the bulk string being filled
    std::vector<level> stack_;
    reply done_;
    parse_error error_ = parse_error::none;
};

}  // namespace sb::broker::redis
