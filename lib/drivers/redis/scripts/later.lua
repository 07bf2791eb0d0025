-- Add a payload to a delayed set, scored by the epoch second (with fractions) it becomes available. When it is now
-- the queue's earliest due job, one token on the wake list (at most one there) wakes an idle worker, whose next pop
-- learns the new due time: a worker blocked or sleeping for longer wakes by then (see reserve.lua).
-- KEYS[1] delayed set, KEYS[2] wake list; ARGV[1] delay in seconds, ARGV[2] payload; ARGV[3] '1': a job that may
-- need a record (see push.lua): ARGV[4..10] records config, ARGV[11..15] id, name, tags, flags, pushed at (ms).
local t = redis.call('time')
local at = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[1])
redis.call('zadd', KEYS[1], at, ARGV[2])
local first = redis.call('zrange', KEYS[1], 0, 0, 'WITHSCORES')
if tonumber(first[2]) >= at and redis.call('llen', KEYS[2]) == 0 then redis.call('rpush', KEYS[2], 1) end
if ARGV[3] == '1' then
  local c = R.conf(ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10])
  local now = R.now_ms()
  R.pushed(c, ARGV[11], ARGV[12], ARGV[13], ARGV[14], ARGV[2], ARGV[15], now, math.floor(at * 1000))
  R.trim(c, now)
end
return 1
