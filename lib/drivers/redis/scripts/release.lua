-- Put a reserved job back: on the delayed set at now + delay, or straight on the ready list when delay <= 0.
-- Does nothing (returns 0) when the reservation is already gone: someone else has the job now.
-- KEYS[1] reserved, KEYS[2] delayed, KEYS[3] ready, KEYS[4] notify; ARGV[1] member, ARGV[2] delay seconds.
if redis.call('zrem', KEYS[1], ARGV[1]) == 0 then return 0 end
local delay = tonumber(ARGV[2])
if delay <= 0 then
  redis.call('rpush', KEYS[3], ARGV[1])
  redis.call('rpush', KEYS[4], 1)
else
  local t = redis.call('time')
  redis.call('zadd', KEYS[2], tonumber(t[1]) + tonumber(t[2]) / 1000000 + delay, ARGV[1])
end
return 1
