-- Fixed-window duration limiter: take one slot in the current window (Laravel's DurationLimiter::acquire).
-- The clock is the Redis server's, so every worker agrees on where a window starts and ends.
--
-- KEYS[1]  the limiter's hash {start, end, count} (epoch seconds, epoch seconds, slots taken)
-- ARGV[1]  window length in seconds (integer >= 1)
-- ARGV[2]  slots per window (integer >= 0)
--
-- Returns {acquired (1 | 0), window end (epoch s), slots left (may be negative), now (epoch s)}

local time = redis.call('TIME')
local nowSec = tonumber(time[1])
local now = nowSec + tonumber(time[2]) / 1000000
local decay = tonumber(ARGV[1])
local maxLocks = tonumber(ARGV[2])

local window = redis.call('HMGET', KEYS[1], 'start', 'end')
local windowStart = tonumber(window[1])
local windowEnd = tonumber(window[2])

if windowStart and windowEnd and now >= windowStart and now <= windowEnd then
  local count = redis.call('HINCRBY', KEYS[1], 'count', 1)
  local acquired = 0
  if count <= maxLocks then acquired = 1 end
  return {acquired, windowEnd, maxLocks - count, nowSec}
end

-- No window yet, or the last one is over: open a new one with this call as its first slot.
redis.call('HSET', KEYS[1], 'start', nowSec, 'end', nowSec + decay, 'count', 1)
redis.call('EXPIRE', KEYS[1], decay * 2)
local acquired = 0
if maxLocks >= 1 then acquired = 1 end
return {acquired, nowSec + decay, maxLocks - 1, nowSec}
