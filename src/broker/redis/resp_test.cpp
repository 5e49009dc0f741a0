#include "broker/redis/resp.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sb::broker::redis {
namespace {

struct parsed {
    std::vector<reply> replies;
    parse_error error = parse_error::none;
    std::size_t consumed = 0;
};

// Feeds `wire` in pieces of `chunk` bytes (0: all at once), collecting every reply.
parsed parse_all(std::string_view wire, std::size_t chunk = 0, parser_limits limits = {}) {
    resp_parser parser(limits);
    parsed out;
    if (chunk == 0) chunk = wire.size() == 0 ? 1 : wire.size();
    for (std::size_t offset = 0; offset < wire.size(); offset += chunk) {
        // A copy per piece: the parser must not keep pointers into bytes it was shown.
        std::string piece(wire.substr(offset, chunk));
        std::size_t consumed = 0;
        while (consumed < piece.size()) {
            const auto status = parser.next(std::string_view(piece).substr(consumed), consumed);
            if (status == resp_parser::status::need_more) break;
            if (status == resp_parser::status::error) {
                out.error = parser.error();
                out.consumed += consumed;
                return out;
            }
            out.replies.push_back(parser.take());
        }
        EXPECT_EQ(consumed, piece.size());
        out.consumed += consumed;
    }
    return out;
}

reply one(std::string_view wire) {
    const parsed p = parse_all(wire);
    EXPECT_EQ(p.error, parse_error::none) << describe(p.error);
    EXPECT_EQ(p.replies.size(), 1U);
    return p.replies.empty() ? reply{} : p.replies.front();
}

parse_error error_of(std::string_view wire, parser_limits limits = {}) {
    return parse_all(wire, 0, limits).error;
}

TEST(resp, parses_every_resp2_type) {
    EXPECT_EQ(one("+OK\r\n"), reply::simple("OK"));
    EXPECT_EQ(one("-ERR unknown command\r\n"), reply::make_error("ERR unknown command"));
    EXPECT_EQ(one(":0\r\n"), reply::make_integer(0));
    EXPECT_EQ(one(":-42\r\n"), reply::make_integer(-42));
    EXPECT_EQ(one(":9223372036854775807\r\n"), reply::make_integer(INT64_MAX));
    EXPECT_EQ(one(":-9223372036854775808\r\n"), reply::make_integer(INT64_MIN));
    EXPECT_EQ(one("$5\r\nhello\r\n"), reply::bulk("hello"));
    EXPECT_EQ(one("$0\r\n\r\n"), reply::bulk(""));
    EXPECT_TRUE(one("$-1\r\n").is_nil());
    EXPECT_TRUE(one("*-1\r\n").is_nil());
    EXPECT_EQ(one("*0\r\n"), reply::make_array({}));
    EXPECT_EQ(one("*3\r\n:1\r\n$1\r\nx\r\n$-1\r\n"),
              reply::make_array({reply::make_integer(1), reply::bulk("x"), reply{}}));
}

TEST(resp, bulk_strings_are_binary_safe) {
    const std::string payload("a\r\nb\0c$3\r\n", 10);
    std::string wire;
    append_reply(wire, reply::bulk(payload));
    EXPECT_EQ(one(wire).str, payload);
}

TEST(resp, parses_nested_arrays) {
    const reply r = one("*2\r\n*2\r\n+a\r\n*1\r\n:1\r\n*0\r\n");
    ASSERT_EQ(r.elements.size(), 2U);
    EXPECT_EQ(r.elements[0].elements[1].elements[0], reply::make_integer(1));
    EXPECT_TRUE(r.elements[1].elements.empty());
}

TEST(resp, parses_resp3_types) {
    EXPECT_TRUE(one("_\r\n").is_nil());
    const reply t = one("#t\r\n");
    EXPECT_EQ(t.type, reply_type::boolean);
    EXPECT_EQ(t.integer, 1);
    EXPECT_EQ(one("#f\r\n").integer, 0);
    const reply d = one(",3.14\r\n");
    EXPECT_EQ(d.type, reply_type::floating);
    EXPECT_EQ(d.str, "3.14");
    EXPECT_EQ(one("(-12345678901234567890123\r\n").str, "-12345678901234567890123");
    const reply blob_error = one("!21\r\nSYNTAX invalid syntax\r\n");
    EXPECT_TRUE(blob_error.is_error());
    EXPECT_EQ(blob_error.error_code(), "SYNTAX");
    const reply verbatim = one("=15\r\ntxt:Some string\r\n");
    EXPECT_EQ(verbatim.type, reply_type::verbatim);
    EXPECT_EQ(verbatim.str, "txt:Some string");
    const reply map = one("%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n");
    EXPECT_EQ(map.type, reply_type::map);
    EXPECT_EQ(map.elements.size(), 4U);
    EXPECT_EQ(one("~1\r\n+x\r\n").type, reply_type::set);
    const reply push = one(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
    EXPECT_EQ(push.type, reply_type::push);
    EXPECT_EQ(push.elements[2].str, "hi");
}

TEST(resp, several_replies_in_one_buffer_come_out_one_at_a_time) {
    resp_parser parser;
    const std::string wire = "+A\r\n:2\r\n$1\r\nc\r\n";
    std::size_t consumed = 0;
    ASSERT_EQ(parser.next(wire, consumed), resp_parser::status::reply);
    EXPECT_EQ(consumed, 4U);
    EXPECT_EQ(parser.take(), reply::simple("A"));
    ASSERT_EQ(parser.next(std::string_view(wire).substr(consumed), consumed),
              resp_parser::status::reply);
    EXPECT_EQ(parser.take(), reply::make_integer(2));
    ASSERT_EQ(parser.next(std::string_view(wire).substr(consumed), consumed),
              resp_parser::status::reply);
    EXPECT_EQ(parser.take(), reply::bulk("c"));
    EXPECT_EQ(consumed, wire.size());
    EXPECT_TRUE(parser.idle());
}

// Every reply type, split at every byte boundary (and fed a byte at a time), parses the same.
TEST(resp, any_split_gives_the_same_replies) {
    const std::string wire =
        "+OK\r\n-ERR x\r\n:-7\r\n$6\r\nfoo\r\nb\r\n$-1\r\n*-1\r\n*0\r\n"
        "*3\r\n$1\r\na\r\n*2\r\n:1\r\n$0\r\n\r\n+z\r\n"
        "_\r\n#t\r\n,1.5\r\n(12\r\n!3\r\nERR\r\n=7\r\ntxt:abc\r\n"
        "%1\r\n+k\r\n*1\r\n:9\r\n~2\r\n+a\r\n+b\r\n>2\r\n+p\r\n$1\r\nq\r\n";
    const parsed whole = parse_all(wire);
    ASSERT_EQ(whole.error, parse_error::none);
    ASSERT_EQ(whole.replies.size(), 17U);
    for (std::size_t chunk = 1; chunk < wire.size(); ++chunk) {
        const parsed split = parse_all(wire, chunk);
        ASSERT_EQ(split.error, parse_error::none) << "chunk " << chunk;
        ASSERT_EQ(split.replies, whole.replies) << "chunk " << chunk;
    }
    // Two pieces, cut at every position.
    for (std::size_t cut = 1; cut < wire.size(); ++cut) {
        resp_parser parser;
        std::vector<reply> replies;
        for (std::string_view piece :
             {std::string_view(wire).substr(0, cut), std::string_view(wire).substr(cut)}) {
            std::size_t consumed = 0;
            while (consumed < piece.size()) {
                const auto status = parser.next(piece.substr(consumed), consumed);
                ASSERT_NE(status, resp_parser::status::error);
                if (status == resp_parser::status::need_more) break;
                replies.push_back(parser.take());
            }
        }
        ASSERT_EQ(replies, whole.replies) << "cut at " << cut;
    }
}

TEST(resp, encoded_replies_parse_back_to_themselves) {
    const parsed p = parse_all(
        "*4\r\n+s\r\n-E r\r\n:5\r\n%1\r\n$1\r\nk\r\n~1\r\n#f\r\n>1\r\n,inf\r\n=7\r\ntxt:abc\r\n"
        "(-1\r\n");
    ASSERT_EQ(p.error, parse_error::none);
    for (const reply& r : p.replies) {
        std::string wire;
        append_reply(wire, r);
        EXPECT_EQ(one(wire), r) << wire;
    }
}

TEST(resp, an_error_with_a_line_break_is_encoded_as_a_blob_error) {
    std::string wire;
    append_reply(wire, reply::make_error("ERR two\nlines"));
    EXPECT_EQ(wire, "!13\r\nERR two\nlines\r\n");
    EXPECT_EQ(one(wire), reply::make_error("ERR two\nlines"));
}

TEST(resp, encodes_commands_as_arrays_of_bulk_strings) {
    EXPECT_EQ(encode_command({"SET", "key", "va\r\nl"}),
              "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n");
    EXPECT_EQ(encode_command({"PING"}), "*1\r\n$4\r\nPING\r\n");
    EXPECT_EQ(encode_command({""}), "*1\r\n$0\r\n\r\n");
    // The parser reads commands too (fake servers in tests do).
    EXPECT_EQ(one(encode_command({"GET", "k"})),
              reply::make_array({reply::bulk("GET"), reply::bulk("k")}));
}

TEST(resp, malformed_input_is_an_error) {
    EXPECT_EQ(error_of("?\r\n"), parse_error::bad_type);
    EXPECT_EQ(error_of("|1\r\n+a\r\n+b\r\n"), parse_error::unsupported_type);
    EXPECT_EQ(error_of("+OK\n"), parse_error::missing_crlf);
    EXPECT_EQ(error_of("$3\r\nabcd\r\n"), parse_error::missing_crlf);
    EXPECT_EQ(error_of("$3\r\nabc\rx"), parse_error::missing_crlf);
    EXPECT_EQ(error_of(":12a\r\n"), parse_error::bad_integer);
    EXPECT_EQ(error_of(":\r\n"), parse_error::bad_integer);
    EXPECT_EQ(error_of(":+1\r\n"), parse_error::bad_integer);
    EXPECT_EQ(error_of(":9223372036854775808\r\n"), parse_error::bad_integer);
    EXPECT_EQ(error_of("$abc\r\n"), parse_error::bad_integer);
    EXPECT_EQ(error_of("$-2\r\n"), parse_error::bad_length);
    EXPECT_EQ(error_of("*-2\r\n"), parse_error::bad_length);
    EXPECT_EQ(error_of("%-1\r\n"), parse_error::bad_length);
    EXPECT_EQ(error_of("!-1\r\n"), parse_error::bad_length);
    EXPECT_EQ(error_of("_x\r\n"), parse_error::bad_value);
    EXPECT_EQ(error_of("#x\r\n"), parse_error::bad_value);
    EXPECT_EQ(error_of(",\r\n"), parse_error::bad_value);
    EXPECT_EQ(error_of("(1.5\r\n"), parse_error::bad_integer);
}

TEST(resp, an_error_poisons_the_parser_until_reset) {
    resp_parser parser;
    std::size_t consumed = 0;
    ASSERT_EQ(parser.next("?", consumed), resp_parser::status::error);
    EXPECT_EQ(consumed, 1U);
    std::size_t again = 0;
    EXPECT_EQ(parser.next("+OK\r\n", again), resp_parser::status::error);
    EXPECT_EQ(again, 0U);
    EXPECT_EQ(parser.error(), parse_error::bad_type);
    EXPECT_FALSE(parser.idle());
    parser.reset();
    EXPECT_TRUE(parser.idle());
    ASSERT_EQ(parser.next("+OK\r\n", again), resp_parser::status::reply);
    EXPECT_EQ(parser.take(), reply::simple("OK"));
}

TEST(resp, limits_refuse_huge_declarations_before_the_payload) {
    parser_limits limits;
    limits.max_bulk_length = 10;
    limits.max_aggregate_length = 4;
    limits.max_depth = 3;
    limits.max_line_length = 8;
    EXPECT_EQ(error_of("$10\r\n0123456789\r\n", limits), parse_error::none);
    EXPECT_EQ(error_of("$11\r\n", limits), parse_error::bulk_too_long);
    parser_limits long_lines = limits;
    long_lines.max_line_length = 64;
    EXPECT_EQ(error_of("$9223372036854775807\r\n", long_lines), parse_error::bulk_too_long);
    EXPECT_EQ(error_of("*4\r\n:1\r\n:2\r\n:3\r\n:4\r\n", limits), parse_error::none);
    EXPECT_EQ(error_of("*5\r\n", limits), parse_error::aggregate_too_long);
    EXPECT_EQ(error_of("%3\r\n", limits), parse_error::aggregate_too_long);  // 6 elements
    EXPECT_EQ(error_of("*1\r\n*1\r\n*1\r\n:1\r\n", limits), parse_error::none);
    EXPECT_EQ(error_of("*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", limits), parse_error::too_deep);
    EXPECT_EQ(error_of("*1\r\n*1\r\n*1\r\n*0\r\n", limits), parse_error::too_deep);
    EXPECT_EQ(error_of("+12345678\r\n", limits), parse_error::none);
    EXPECT_EQ(error_of("+123456789\r\n", limits), parse_error::line_too_long);
    // Also when the line arrives in pieces, and before its end has arrived at all.
    EXPECT_EQ(parse_all("+123456789\r\n", 1, limits).error, parse_error::line_too_long);
    EXPECT_EQ(parse_all("+1234567890123", 3, limits).error, parse_error::line_too_long);
}

TEST(resp, a_declared_length_alone_allocates_little) {
    // 512 MiB declared (the default limit), 3 bytes sent: the parser waits without reserving it.
    resp_parser parser;
    std::size_t consumed = 0;
    EXPECT_EQ(parser.next("$536870912\r\nabc", consumed), resp_parser::status::need_more);
    EXPECT_FALSE(parser.idle());
    consumed = 0;
    resp_parser aggregate;
    EXPECT_EQ(aggregate.next("*16777216\r\n:1\r\n", consumed), resp_parser::status::need_more);
}

TEST(resp, error_code_is_the_first_word) {
    EXPECT_EQ(reply::make_error("WRONGTYPE Operation against a key").error_code(), "WRONGTYPE");
    EXPECT_EQ(reply::make_error("NOAUTH").error_code(), "NOAUTH");
    EXPECT_EQ(reply::simple("OK").error_code(), "");
}

TEST(resp, debug_strings_are_readable) {
    EXPECT_EQ(
        to_debug_string(reply::make_array({reply::bulk("a\n"), reply::make_integer(3), reply{}})),
        "[\"a\\x0a\", (integer) 3, (nil)]");
    EXPECT_EQ(to_debug_string(reply::make_error("ERR x")), "(error) ERR x");
}

}  // namespace
}  // namespace sb::broker::redis
