#pragma once
// The Lua scripts of redis_broker. Each runs atomically in Redis, which is what makes a
// cluster-wide decision happen exactly once: an offset is handed out once, member_added goes out
// for a user's first connection anywhere, member_removed for its last, and a dead node is
// cleaned up by exactly one surviving janitor.
//
// Keys (prefix P, topic T, node N): P.."pos:"..T {offset, epoch}; P.."cache:"..T; P.."ch:"..T
// (pub/sub); P.."pm:"..T {user → info}; P.."pc:"..T {user → connections cluster-wide};
// P.."pn:"..N {T.."\n"..user → connections on N}; P.."node:"..N (heartbeat, with TTL);
// P.."nodes" (set of node ids); P.."nc:"..N {T → subscriptions on N}; P.."conns:"..N {tenant →
// connections on N, with TTL}; P.."ctl" (pub/sub: control envelopes for every node).
//
// Envelopes built here follow envelope.hpp's wire form: "<offset>\n<epoch>\n" then fields
// "<len>:<bytes>": flags, origin, tenant, channel, event, data, exclude, user_id, id, created_at.

#include <string_view>

namespace sb::broker::redis_scripts {

// KEYS: pos, cache. ARGV: initial offset, initial epoch, body, pub/sub channel, cache TTL ms
// (0: do not cache), "1" to number the publication, "1" to require a known position. Returns
// {offset, epoch}, or {-1, ''} when the position is required and unknown (nothing published).
inline constexpr std::string_view publish = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[7] == '1' then return {-1, ''} end
  redis.call('HSET', KEYS[1], 'offset', ARGV[1], 'epoch', ARGV[2])
end
local offset = 0
if ARGV[6] == '1' then
  offset = redis.call('HINCRBY', KEYS[1], 'offset', 1)
end
local epoch = redis.call('HGET', KEYS[1], 'epoch')
redis.call('EXPIRE', KEYS[1], 604800)
local payload = offset .. '\n' .. epoch .. '\n' .. ARGV[3]
if tonumber(ARGV[5]) > 0 then
  redis.call('SET', KEYS[2], payload, 'PX', ARGV[5])
end
redis.call('PUBLISH', ARGV[4], payload)
return {offset, epoch}
)lua";

// Builds a member_removed body (kind 2) in Lua: shared by leave and the janitor.
#define SB_MEMBER_BODY_LUA                                                                      \
    "local function f(s) return #s .. ':' .. s end\n"                                          \
    "local function member_body(kind, origin, tenant, channel, user, data)\n"                  \
    "  return f(kind .. '0000') .. f(origin) .. f(tenant) .. f(channel) .. f('') .. f(data) .. " \
    "f('') .. f(user) .. f('') .. f('0')\n"                                                     \
    "end\n"

// KEYS: pm, pc, pn (this node). ARGV: user, info, "T\nuser", max members (0: none), member_added
// body, pub/sub channel. Returns {-1} when full, else {connections of the user cluster-wide,
// HGETALL pm}.
inline constexpr std::string_view presence_join = R"lua(
local total = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
if total == 1 then
  local max = tonumber(ARGV[4])
  if max > 0 and redis.call('HLEN', KEYS[1]) >= max then
    redis.call('HDEL', KEYS[2], ARGV[1])
    return {-1}
  end
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('PUBLISH', ARGV[6], '0\n\n' .. ARGV[5])
end
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
return {total, redis.call('HGETALL', KEYS[1])}
)lua";

// KEYS: pm, pc, pn (this node). ARGV: user, "T\nuser", origin node, tenant, channel, pub/sub
// channel. Returns 1 when that was the user's last connection (member_removed went out).
inline constexpr std::string_view presence_leave = SB_MEMBER_BODY_LUA R"lua(
local mine = redis.call('HINCRBY', KEYS[3], ARGV[2], -1)
if mine <= 0 then redis.call('HDEL', KEYS[3], ARGV[2]) end
if mine < 0 then return 0 end
local total = redis.call('HINCRBY', KEYS[2], ARGV[1], -1)
if total > 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
local info = redis.call('HGET', KEYS[1], ARGV[1]) or 'null'
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[6], '0\n\n' .. member_body('2', ARGV[3], ARGV[4], ARGV[5], ARGV[1], info))
return 1
)lua";

// KEYS: pm. ARGV: user, info, member_updated body, pub/sub channel. Returns 1 when updated.
inline constexpr std::string_view presence_update = R"lua(
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', ARGV[4], '0\n\n' .. ARGV[3])
return 1
)lua";

// KEYS: nodes, node:N, pn:N. ARGV: N, prefix. Removes a node whose heartbeat expired, and its
// presence connections; member_removed for each user left with none. Returns the number of
// members removed, or -1 when N is alive or another janitor got there first.
inline constexpr std::string_view janitor = SB_MEMBER_BODY_LUA R"lua(
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return -1 end
local entries = redis.call('HGETALL', KEYS[3])
local removed = 0
for i = 1, #entries, 2 do
  local field = entries[i]
  local count = tonumber(entries[i + 1])
  local nl = string.find(field, '\n', 1, true)
  local topic = string.sub(field, 1, nl - 1)
  local user = string.sub(field, nl + 1)
  local pc = ARGV[2] .. 'pc:' .. topic
  local total = redis.call('HINCRBY', pc, user, -count)
  if total <= 0 then
    redis.call('HDEL', pc, user)
    local pm = ARGV[2] .. 'pm:' .. topic
    local info = redis.call('HGET', pm, user) or 'null'
    redis.call('HDEL', pm, user)
    local colon = string.find(topic, ':', 1, true)
    local body = member_body('2', 'janitor', string.sub(topic, 1, colon - 1), string.sub(topic, colon + 1), user, info)
    redis.call('PUBLISH', ARGV[2] .. 'ch:' .. topic, '0\n\n' .. body)
    removed = removed + 1
  end
end
redis.call('DEL', KEYS[3])
redis.call('DEL', ARGV[2] .. 'nc:' .. ARGV[1], ARGV[2] .. 'conns:' .. ARGV[1])
return removed
)lua";

// KEYS: nc:N (this node's subscription counts). ARGV: topic, delta.
inline constexpr std::string_view count_subscriptions = R"lua(
if redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2]) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
)lua";

// KEYS: nodes. ARGV: prefix, topic, "1" exact / "0" prefix match. Sums every registered node's
// counts. Returns a flat list: topic, subscriptions, presence members, topic, ...
inline constexpr std::string_view channel_counts = R"lua(
local totals = {}
local order = {}
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local nc = ARGV[1] .. 'nc:' .. node
  local pairs_ = {}
  if ARGV[3] == '1' then
    local v = redis.call('HGET', nc, ARGV[2])
    if v then pairs_ = {ARGV[2], v} end
  else
    local all = redis.call('HGETALL', nc)
    for i = 1, #all, 2 do
      if string.sub(all[i], 1, #ARGV[2]) == ARGV[2] then
        pairs_[#pairs_ + 1] = all[i]
        pairs_[#pairs_ + 1] = all[i + 1]
      end
    end
  end
  for i = 1, #pairs_, 2 do
    if totals[pairs_[i]] == nil then
      totals[pairs_[i]] = 0
      order[#order + 1] = pairs_[i]
    end
    totals[pairs_[i]] = totals[pairs_[i]] + tonumber(pairs_[i + 1])
  end
end
local out = {}
for _, topic in ipairs(order) do
  if totals[topic] > 0 then
    out[#out + 1] = topic
    out[#out + 1] = totals[topic]
    out[#out + 1] = redis.call('HLEN', ARGV[1] .. 'pm:' .. topic)
  end
end
return out
)lua";

// KEYS: nodes, conns:N. ARGV: prefix, N, TTL ms, then tenant, count, tenant, count...
// Replaces this node's counts and returns the other nodes' sums: tenant, count, ...
inline constexpr std::string_view exchange_connections = R"lua(
redis.call('DEL', KEYS[2])
if #ARGV > 3 then
  redis.call('HSET', KEYS[2], unpack(ARGV, 4))
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
local sums = {}
local order = {}
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if node ~= ARGV[2] then
    local all = redis.call('HGETALL', ARGV[1] .. 'conns:' .. node)
    for i = 1, #all, 2 do
      if sums[all[i]] == nil then
        sums[all[i]] = 0
        order[#order + 1] = all[i]
      end
      sums[all[i]] = sums[all[i]] + tonumber(all[i + 1])
    end
  end
end
local out = {}
for _, tenant in ipairs(order) do
  out[#out + 1] = tenant
  out[#out + 1] = sums[tenant]
end
return out
)lua";

#undef SB_MEMBER_BODY_LUA

}  // namespace sb::broker::redis_scripts
