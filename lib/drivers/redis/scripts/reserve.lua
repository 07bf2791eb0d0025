-- Ack reservations, then reserve up to ARGV[2] jobs from the queues in order.
-- KEYS: 4 per queue (ready list, delayed set, reserved set, notify list), ARGV[3] queues; then one reserved set
-- per reservation to ack. ARGV[1] retryAfter seconds, ARGV[2] how many to reserve, ARGV[3] number of queues,
-- ARGV[4..] the members to ack, one per extra key.
-- Returns a flat list: queue index (1-based), reserved payload, ...
local t = redis.call('time')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local until_ = now + tonumber(ARGV[1])
local queues = tonumber(ARGV[3])
local base = queues * 4
for i = 4, #ARGV do
  redis.call('zrem', KEYS[base + i - 3], ARGV[i])
end
local want = tonumber(ARGV[2])
local out = {}

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
  if want <= 0 then break end
  local k = (q - 1) * 4
  local ready, delayed, reserved, notify = KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4]
  migrate(delayed, ready, notify)
  migrate(reserved, ready, notify)
  local jobs = redis.call('lpop', ready, want)
  if jobs then
    local args = {}
    for i = 1, #jobs do
      local job = jobs[i]
      -- Raise attempts by rewriting the '{"v":N,"attempts":N' prefix, or by inserting '"attempts":1' after
      -- '{"v":N,' when the payload leaves out attempts at 0; the rest of the JSON is not read.
      local head, rest = string.match(job, '^({"v":%d+,)()')
      if head then
        local n, after = string.match(job, '^"attempts":(%d+)()', rest)
        if n then
          job = head .. '"attempts":' .. (tonumber(n) + 1) .. string.sub(job, after)
        else
          job = head .. '"attempts":1,' .. string.sub(job, rest)
        end
      end
      args[#args + 1] = until_
      args[#args + 1] = job
      out[#out + 1] = q
      out[#out + 1] = job
    end
    redis.call('zadd', reserved, unpack(args))
    redis.call('lpop', notify, #jobs)
    want = want - #jobs
  end
end
return out
