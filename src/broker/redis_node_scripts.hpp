#pragma once
// The Lua scripts of redis_broker about nodes rather than one channel: subscription counts and
// the crossing of zero, the janitor that removes a dead node, and registering a node's state
// again after Redis lost it. Keys as in redis_scripts.hpp.
//
// A channel's cluster-wide subscription count is never stored: it is the sum of the registered
// nodes' counts (P.."nc:"..N), read in the same atomic step as the change. So a dead node's
// counts stop counting the moment the janitor removes it, and a count cannot drift from its
// parts.

#include "broker/detail/redis_lua.hpp"

#include <string_view>

namespace sb::broker::redis_scripts {

// KEYS: nc:N (this node's subscription counts), nodes. ARGV: topic, delta, prefix, N. Returns 1
// when the cluster-wide count went from 0 to more, -1 when it went to 0, else 0.
inline constexpr std::string_view count_subscriptions = SB_SUBSCRIPTIONS_LUA R"lua(
local before = subscriptions(ARGV[3], KEYS[2], ARGV[1], ARGV[4])
if redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2]) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
local after = subscriptions(ARGV[3], KEYS[2], ARGV[1], ARGV[4])
if before <= 0 and after > 0 then return 1 end
if before > 0 and after <= 0 then return -1 end
return 0
)lua";

// KEYS: nodes, node:N, pn:N, nc:N, reaped:N. ARGV: N, prefix, how long to remember that N was
// reaped (ms). Removes a node whose heartbeat expired: its presence connections (member_removed
// to every subscribed node for each user left with none) and its subscription counts. Returns -1
// when N is alive or another janitor got there first; else what changed, a flat list of
// (kind, topic, user, info): 'r' a member removed, 'v' a channel left with no subscription.
inline constexpr std::string_view janitor = SB_MEMBER_BODY_LUA SB_MEMBER_VERSION_LUA SB_SUBSCRIPTIONS_LUA R"lua(
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return -1 end
local out = {}
local entries = redis.call('HGETALL', KEYS[3])
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
    redis.call('PUBLISH', ARGV[2] .. 'ch:' .. topic, next_member_version(ARGV[2] .. 'pv:' .. topic) .. '\n\n' .. body)
    for _, v in ipairs({'r', topic, user, info}) do out[#out + 1] = v end
  end
end
redis.call('DEL', KEYS[3])
local counted = redis.call('HKEYS', KEYS[4])
redis.call('DEL', KEYS[4], ARGV[2] .. 'conns:' .. ARGV[1])
-- N is out of the node set already: what is left is every other node's count.
for _, topic in ipairs(counted) do
  if subscriptions(ARGV[2], KEYS[1], topic, '') <= 0 then
    for _, v in ipairs({'v', topic, '', ''}) do out[#out + 1] = v end
  end
end
redis.call('SET', KEYS[5], '1', 'PX', ARGV[3])
return out
)lua";

// KEYS: nc:N, pn:N, nodes, reaped:N. ARGV: prefix, N, then the number of topics S, S pairs
// (topic, subscriptions on N), the number of members M, M quadruples (topic, user, info,
// connections on N). Makes N's registered state exactly that (N's own memory of what it
// registered), adjusting the cluster-wide member counts by the difference:
// - a user left with no connection anywhere is removed with member_removed (every node's clients
//   saw it as a member);
// - a user who becomes a member again is announced (member_added) only when N had been reaped,
//   since only then was its removal announced. After Redis lost its data nobody announced
//   anything, so coming back is silent. N's own clients hear the announcement too: whether they
//   heard the removal depends on whether N's subscriber connection survived (a stall: yes; a
//   partition: no), and a redundant member_added leaves a member list right where a missing
//   one would leave it wrong.
// A silent change takes no membership version (nobody hears of it, so no list can be ahead of it).
// Returns a flat list of (kind, topic, user, info): 'o' channel occupied (only after a reap, by
// the same reasoning), 'a' member added (idem), 'r' member removed, 'v' channel vacated.
inline constexpr std::string_view reregister = SB_MEMBER_BODY_LUA SB_MEMBER_VERSION_LUA SB_SUBSCRIPTIONS_LUA R"lua(
local prefix, self = ARGV[1], ARGV[2]
local announce = redis.call('DEL', KEYS[4]) == 1
redis.call('SADD', KEYS[3], self)
local occupied, members, vacated = {}, {}, {}
local function add(list, kind, topic, user, info)
  for _, v in ipairs({kind, topic, user, info}) do list[#list + 1] = v end
end

local i = 3
local want_subs = {}
for _ = 1, tonumber(ARGV[i]) do
  want_subs[ARGV[i + 1]] = tonumber(ARGV[i + 2])
  i = i + 2
end
i = i + 1
local want = {}
for _ = 1, tonumber(ARGV[i]) do
  want[ARGV[i + 1] .. '\n' .. ARGV[i + 2]] = {ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], tonumber(ARGV[i + 4])}
  i = i + 4
end

local topics = {}
for topic in pairs(want_subs) do topics[topic] = true end
for _, topic in ipairs(redis.call('HKEYS', KEYS[1])) do topics[topic] = true end
for topic in pairs(topics) do
  local before = subscriptions(prefix, KEYS[3], topic, self)
  local n = want_subs[topic] or 0
  if n > 0 then redis.call('HSET', KEYS[1], topic, n) else redis.call('HDEL', KEYS[1], topic) end
  local after = subscriptions(prefix, KEYS[3], topic, self)
  if before <= 0 and after > 0 and announce then add(occupied, 'o', topic, '', '') end
  if before > 0 and after <= 0 then add(vacated, 'v', topic, '', '') end
end

local function apply(topic, user, info, diff, now)
  local field = topic .. '\n' .. user
  if now > 0 then redis.call('HSET', KEYS[2], field, now) else redis.call('HDEL', KEYS[2], field) end
  if diff == 0 then return end
  local pc = prefix .. 'pc:' .. topic
  local pm = prefix .. 'pm:' .. topic
  local total = redis.call('HINCRBY', pc, user, diff)
  local colon = string.find(topic, ':', 1, true)
  local tenant, channel = string.sub(topic, 1, colon - 1), string.sub(topic, colon + 1)
  if total <= 0 then
    redis.call('HDEL', pc, user)
    if total - diff > 0 then
      local had = redis.call('HGET', pm, user) or 'null'
      redis.call('HDEL', pm, user)
      redis.call('PUBLISH', prefix .. 'ch:' .. topic,
                 next_member_version(prefix .. 'pv:' .. topic) .. '\n\n' .. member_body('2', self, tenant, channel, user, had))
      add(members, 'r', topic, user, had)
    end
  elseif total - diff <= 0 then
    redis.call('HSET', pm, user, info)
    if announce then
      redis.call('PUBLISH', prefix .. 'ch:' .. topic,
                 next_member_version(prefix .. 'pv:' .. topic) .. '\n\n' .. member_body('1', self, tenant, channel, user, info))
      add(members, 'a', topic, user, info)
    end
  end
end

local have = redis.call('HGETALL', KEYS[2])
for j = 1, #have, 2 do
  if want[have[j]] == nil then
    local nl = string.find(have[j], '\n', 1, true)
    apply(string.sub(have[j], 1, nl - 1), string.sub(have[j], nl + 1), 'null', -tonumber(have[j + 1]), 0)
  end
end
local had = {}
for j = 1, #have, 2 do had[have[j]] = tonumber(have[j + 1]) end
for field, w in pairs(want) do apply(w[1], w[2], w[3], w[4] - (had[field] or 0), w[4]) end

local out = {}
for _, list in ipairs({occupied, members, vacated}) do
  for _, v in ipairs(list) do out[#out + 1] = v end
end
return out
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

}  // namespace sb::broker::redis_scripts
