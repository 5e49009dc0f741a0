#pragma once
// Lua shared by the scripts of redis_scripts.hpp and redis_node_scripts.hpp, as string literals
// to paste in front of a script (Redis has no way to share functions between EVALs).

// member_body(kind, origin, tenant, channel, user, data): an envelope body (envelope.hpp's wire
// form) for a presence change: '1' member_added, '2' member_removed.
#define SB_MEMBER_BODY_LUA                                                                      \
    "local function f(s) return #s .. ':' .. s end\n"                                          \
    "local function member_body(kind, origin, tenant, channel, user, data)\n"                  \
    "  return f(kind .. '0000') .. f(origin) .. f(tenant) .. f(channel) .. f('') .. f(data) .. " \
    "f('') .. f(user) .. f('') .. f('0')\n"                                                     \
    "end\n"

// next_member_version(pv): the presence channel's next membership version (key P.."pv:"..T), as
// a string of digits. Every change of membership or info that is published takes one, and the
// member event carries it where publications carry their offset, so a node can tell which events
// a member list read at version V already contains (<= V). A missing key (first use, or Redis
// lost its data) starts at the clock in milliseconds rather than 0: versions handed out after a
// data loss stay above those of before, which nodes may still hold. 13 digits: exact in Lua's
// doubles and in its default number format.
#define SB_MEMBER_VERSION_LUA                                                                    \
    "local function next_member_version(pv)\n"                                                  \
    "  if redis.call('EXISTS', pv) == 0 then\n"                                                  \
    "    local t = redis.call('TIME')\n"                                                         \
    "    redis.call('SET', pv, t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000)))\n" \
    "  end\n"                                                                                    \
    "  local v = string.format('%d', redis.call('INCR', pv))\n"                                  \
    "  redis.call('EXPIRE', pv, 604800)\n"                                                       \
    "  return v\n"                                                                               \
    "end\n"

// subscriptions(prefix, nodes, topic, self): the topic's subscriptions summed over the registered
// nodes, and over `self` too when it is not registered (yet, or any more): a node's own counts
// always count for the node deciding whether the channel crossed zero.
#define SB_SUBSCRIPTIONS_LUA                                                                     \
    "local function subscriptions(prefix, nodes, topic, self)\n"                                \
    "  local sum = 0\n"                                                                          \
    "  local seen = false\n"                                                                     \
    "  for _, node in ipairs(redis.call('SMEMBERS', nodes)) do\n"                                \
    "    if node == self then seen = true end\n"                                                 \
    "    sum = sum + (tonumber(redis.call('HGET', prefix .. 'nc:' .. node, topic)) or 0)\n"     \
    "  end\n"                                                                                    \
    "  if not seen and self ~= '' then\n"                                                        \
    "    sum = sum + (tonumber(redis.call('HGET', prefix .. 'nc:' .. self, topic)) or 0)\n"     \
    "  end\n"                                                                                    \
    "  return sum\n"                                                                             \
    "end\n"
