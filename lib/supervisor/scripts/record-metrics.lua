-- Adds a worker's measurements since its last flush to the metrics hashes, keeping a running average runtime.
-- KEYS[1] measured jobs set, KEYS[2] measured queues set, KEYS[3..] one hash per entry (jobs first, then queues)
-- ARGV[1] number of job entries; then per entry: name, count, total runtime in ms
local jobs = tonumber(ARGV[1])
local entry = 0
for i = 3, #KEYS do
  local base = 2 + entry * 3
  local name = ARGV[base]
  local count = tonumber(ARGV[base + 1])
  local total = tonumber(ARGV[base + 2])
  local set = KEYS[2]
  if entry < jobs then set = KEYS[1] end
  redis.call('SADD', set, name)
  local current = redis.call('HMGET', KEYS[i], 'throughput', 'runtime')
  local throughput = tonumber(current[1]) or 0
  local runtime = tonumber(current[2]) or 0
  local after = throughput + count
  local average = (runtime * throughput + total) / after
  redis.call('HSET', KEYS[i], 'throughput', after, 'runtime', string.format('%.3f', average))
  entry = entry + 1
end
return entry
