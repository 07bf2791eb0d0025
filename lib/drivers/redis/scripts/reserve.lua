-- Optionally ack one reservation, then reserve up to ARGV[3] jobs from the queues in order.
-- KEYS[1] reserved set holding the job to ack (any reserved set when there is none);
-- then 4 keys per queue: ready list, delayed set, reserved set, notify list.
-- ARGV[1] retryAfter seconds, ARGV[2] member to ack ('' for none), ARGV[3] how many to reserve.
-- Returns a flat list: queue index (1-based), reserved payload, ...
local t = redis.call('time')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local until_ = now + tonumber(ARGV[1])
if ARGV[2] ~= '' then
  redis.call('zrem', KEYS[1], ARGV[2])
end
local want = tonumber(ARGV[3])
local out = {}
local queues = (#KEYS - 1) / 4

local function migrate(from, ready, notify)
  local due = redis.call('zrangebyscore', from, '-inf', now, 'limit', 0, 1000)
  if #due > 0 then
    redis.call('zrem', from, unpack(due))
    redis.call('rpush', ready, unpack(due))
    local tokens = {}
    for i = 1, #due do tokens[i] = 1 end
    redis.call('rpush', notify, unpack(tokens))
  end
end

for q = 1, queues do
  local base = 1 + (q - 1) * 4
  local ready, delayed, reserved, notify = KEYS[base + 1], KEYS[base + 2], KEYS[base + 3], KEYS[base + 4]
  migrate(delayed, ready, notify)
  migrate(reserved, ready, notify)
  while want > 0 do
    local job = redis.call('lpop', ready)
    if not job then break end
    local head, n, rest = string.match(job, '^({"v":%d+,"attempts":)(%d+)(.*)$')
    local taken = job
    if head then taken = head .. (tonumber(n) + 1) .. rest end
    redis.call('zadd', reserved, until_, taken)
    redis.call('lpop', notify)
    out[#out + 1] = q
    out[#out + 1] = taken
    want = want - 1
  end
  if want == 0 then break end
end
return out
