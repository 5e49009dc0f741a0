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
// connections on N, with TTL}; P.."ctl" (pub/sub: control envelopes for every node);
// P.."idem:"..T.."\n"..key (an idempotency key's first publication, with the window as TTL);
// P.."reaped:"..N (N was removed as dead: what it registers again is news to the others).
// P.."pv:"..T (the presence channel's membership version: see next_member_version).
//
// Scripts about nodes (heartbeats, the janitor, subscription counts, registering a node's state
// again): redis_node_scripts.hpp.
//
// Envelopes built here follow envelope.hpp's wire form: "<offset>\n<epoch>\n" then fields
// "<len>:<bytes>": flags, origin, tenant, channel, event, data, exclude, user_id, id, created_at.
// Member events put the membership version in the offset's place (envelope.hpp).

#include "broker/detail/redis_lua.hpp"

#include <string_view>

namespace sb::broker::redis_scripts {

// KEYS: pos, cache, idempotency key ('' for none). ARGV: initial offset, initial epoch, body,
// pub/sub channel, cache TTL ms (0: do not cache), "1" to number the publication, "1" to require
// a known position, idempotency window ms, "<id>\n<created_at>" of this publication. Returns
// {offset, epoch}; {-1, ''} when the position is required and unknown; {-2, "<offset>\n<epoch>\n
// <id>\n<created_at>"} when the key was used within the window (the first publication's). Both
// of the latter publish nothing. The key is checked and taken in the step that publishes, so
// two nodes racing with one key publish once.
inline constexpr std::string_view publish = R"lua(
if KEYS[3] ~= '' then
  local seen = redis.call('GET', KEYS[3])
  if seen then return {-2, seen} end
end
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
if KEYS[3] ~= '' then
  redis.call('SET', KEYS[3], offset .. '\n' .. epoch .. '\n' .. ARGV[9], 'PX', ARGV[8])
end
return {offset, epoch}
)lua";

// KEYS: pm, pc, pn (this node), pv. ARGV: user, info, "T\nuser", max members (0: none),
// member_added body, pub/sub channel. Returns {-1} when full, else {connections of the user
// cluster-wide, HGETALL pm, membership version of that list ('0': none yet)}.
inline constexpr std::string_view presence_join = SB_MEMBER_VERSION_LUA R"lua(
local total = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
local version = redis.call('GET', KEYS[4]) or '0'
if total == 1 then
  local max = tonumber(ARGV[4])
  if max > 0 and redis.call('HLEN', KEYS[1]) >= max then
    redis.call('HDEL', KEYS[2], ARGV[1])
    return {-1}
  end
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  version = next_member_version(KEYS[4])
  redis.call('PUBLISH', ARGV[6], version .. '\n\n' .. ARGV[5])
end
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
return {total, redis.call('HGETALL', KEYS[1]), version}
)lua";

// KEYS: pm, pv. Returns {HGETALL pm, membership version of that list ('0': none yet)}, read in
// one step so that the version says exactly which member events the list contains.
inline constexpr std::string_view presence_members = R"lua(
return {redis.call('HGETALL', KEYS[1]), redis.call('GET', KEYS[2]) or '0'}
)lua";

// KEYS: pm, pc, pn (this node), pv. ARGV: user, "T\nuser", origin node, tenant, channel, pub/sub
// channel. Returns 1 when that was the user's last connection (member_removed went out).
inline constexpr std::string_view presence_leave = SB_MEMBER_BODY_LUA SB_MEMBER_VERSION_LUA R"lua(
local mine = redis.call('HINCRBY', KEYS[3], ARGV[2], -1)
if mine <= 0 then redis.call('HDEL', KEYS[3], ARGV[2]) end
if mine < 0 then return 0 end
local total = redis.call('HINCRBY', KEYS[2], ARGV[1], -1)
if total > 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
local info = redis.call('HGET', KEYS[1], ARGV[1]) or 'null'
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[6], next_member_version(KEYS[4]) .. '\n\n' ..
           member_body('2', ARGV[3], ARGV[4], ARGV[5], ARGV[1], info))
return 1
)lua";

// KEYS: pm, pv. ARGV: user, info, member_updated body, pub/sub channel. Returns 1 when updated.
inline constexpr std::string_view presence_update = SB_MEMBER_VERSION_LUA R"lua(
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', ARGV[4], next_member_version(KEYS[2]) .. '\n\n' .. ARGV[3])
return 1
)lua";

}  // namespace sb::broker::redis_scripts
