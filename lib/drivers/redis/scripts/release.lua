-- Put a reserved job back: on the delayed set at now + delay, or straight on the ready list when delay <= 0; its
-- record, if it has one (records on and the job had one when it was reserved: ARGV[3] '1'), is pending again.
-- Does nothing (returns 0) when the reservation is already gone: someone else has the job now.
-- A delayed release that is now the queue's earliest due job wakes an idle worker (see later.lua).
-- KEYS[1] reserved, KEYS[2] delayed, KEYS[3] ready, KEYS[4] notify, KEYS[5] wake; ARGV[1] member, ARGV[2] delay seconds.
if redis.call('zrem', KEYS[1], ARGV[1]) == 0 then return 0 end
local delay = tonumber(ARGV[2])
local available = nil
if delay <= 0 then
  redis.call('rpush', KEYS[3], ARGV[1])
  redis.call('rpush', KEYS[4], 1)
else
  local t = redis.call('time')
  local at = tonumber(t[1]) + tonumber(t[2]) / 1000000 + delay
  redis.call('zadd', KEYS[2], at, ARGV[1])
  local first = redis.call('zrange', KEYS[2], 0, 0, 'WITHSCORES')
  if tonumber(first[2]) >= at and redis.call('llen', KEYS[5]) == 0 then redis.call('rpush', KEYS[5], 1) end
  available = math.floor(at * 1000)
end
if ARGV[3] == '1' then R.released(KEYS[3] .. ':records:', ARGV[1], available) end
return 1
