-- Moves the current metrics of every measured job and queue into their snapshot sets, trims them, and resets the
-- counters (Horizon's snapshot): throughput is counted per snapshot period.
-- KEYS[1] last snapshot time; then per entry: its hash, its snapshot set
-- ARGV[1] now (seconds), ARGV[2] number of job entries, ARGV[3] jobs kept, ARGV[4] queues kept;
-- then one wait (seconds) per queue entry, in order
local now = tonumber(ARGV[1])
local jobs = tonumber(ARGV[2])
local entries = (#KEYS - 1) / 2
for e = 0, entries - 1 do
  local hash = KEYS[2 + e * 2]
  local set = KEYS[3 + e * 2]
  local current = redis.call('HMGET', hash, 'throughput', 'runtime')
  local snapshot = { throughput = tonumber(current[1]) or 0, runtime = tonumber(current[2]) or 0, time = now }
  local keep = tonumber(ARGV[3])
  if e >= jobs then
    keep = tonumber(ARGV[4])
    snapshot.wait = tonumber(ARGV[5 + e - jobs]) or 0
  end
  redis.call('ZADD', set, now, cjson.encode(snapshot))
  redis.call('ZREMRANGEBYRANK', set, 0, -(keep + 1))
  redis.call('DEL', hash)
end
redis.call('SET', KEYS[1], now)
return entries
