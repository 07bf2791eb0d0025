-- Fixed-window duration limiter: is the current window full? Takes no slot
-- (Laravel's DurationLimiter::tooManyAttempts). Server clock, as in duration-acquire.lua.
--
-- KEYS[1]  the limiter's hash {start, end, count}
-- ARGV[1]  window length in seconds (integer >= 1)
-- ARGV[2]  slots per window (integer >= 0)
--
-- Returns {too many (1 | 0), window end (epoch s), now (epoch s)}

local time = redis.call('TIME')
local nowSec = tonumber(time[1])
local now = nowSec + tonumber(time[2]) / 1000000
local decay = tonumber(ARGV[1])
local maxLocks = tonumber(ARGV[2])

local window = redis.call('HMGET', KEYS[1], 'start', 'end', 'count')
local windowStart = tonumber(window[1])
local windowEnd = tonumber(window[2])
local count = tonumber(window[3]) or 0

if windowStart and windowEnd and now >= windowStart and now <= windowEnd then
  if maxLocks - count <= 0 then return {1, windowEnd, nowSec} end
  return {0, windowEnd, nowSec}
end

return {0, nowSec + decay, nowSec}
