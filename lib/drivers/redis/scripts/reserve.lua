-- Ack reservations, then reserve up to ARGV[2] jobs from the queues in order; with records on, the acked jobs'
-- records are completed and the reserved ones' marked reserved (those that have one).
-- KEYS: 5 per queue (ready list, delayed set, reserved set, notify list, wake list), ARGV[3] queues; then one
-- reserved set per reservation to ack. ARGV[1] retryAfter seconds, ARGV[2] how many to reserve, ARGV[3] number of
-- queues, ARGV[4] '1' records on, ARGV[5..8] record trims in ms (pending, completed, failed, monitored), ARGV[9] the
-- connection; ARGV[10..] the members to ack, one per extra key (records on: 2 per ack, the member then the job's
-- record info, see R.finished).
-- Returns a flat list: queue index (1-based; negative when records are on and the job has a record of its own,
-- see R.reserved), reserved payload, ...; when fewer jobs than asked were found (every queue was looked at) and
-- some queue has delayed jobs, then 0, 0 and for each such queue: its index, ms until its earliest is due.
-- Idle workers wait no longer than that. A pop that takes the last ready job of a queue that has delayed jobs puts
-- a token on its wake list (at most one there): another idle worker, which may not know the due time, wakes to learn
-- it, so a due time is never left to workers that are all busy.
local t = redis.call('time')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local until_ = now + tonumber(ARGV[1])
local queues = tonumber(ARGV[3])
local base = queues * 5
-- ARGV[4] '2': records on, their lists not trimmed in this call (see JobRecordWriter.reserveFlag); '0' off.
local records = ARGV[4] ~= '0'
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stride = records and 2 or 1
local n = 0
local confs = {}
local finished = {}
for i = 10, #ARGV, stride do
  n = n + 1
  local reservedKey = KEYS[base + n]
  redis.call('zrem', reservedKey, ARGV[i])
  if records then
    local jobs = finished[reservedKey]
    if not jobs then
      jobs = {}
      finished[reservedKey] = jobs
    end
    jobs[#jobs + 1] = ARGV[i]
    jobs[#jobs + 1] = ARGV[i + 1]
  end
end
for reservedKey, jobs in pairs(finished) do
  local rbase = R.base_of_reserved(reservedKey)
  local c = R.conf(rbase, ARGV[9], nil, ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[4] == '1')
  R.completed_many(c, jobs, now_ms)
  R.trim(c, now_ms)
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

-- The earliest due time (epoch s) of each queue's delayed set as this call saw it: nil none, false not known (due
-- jobs were moved since). One ZRANGE tells whether anything is due, so a set with nothing due costs what it did.
local earliest = {}
local function earliest_of(q)
  if earliest[q] == false then
    local first = redis.call('zrange', KEYS[(q - 1) * 5 + 2], 0, 0, 'WITHSCORES')
    earliest[q] = first[2] and tonumber(first[2]) or nil
  end
  return earliest[q]
end

for q = 1, queues do
  if want <= 0 then break end
  local k = (q - 1) * 5
  local ready, delayed, reserved, notify = KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4]
  local first = redis.call('zrange', delayed, 0, 0, 'WITHSCORES')
  if first[2] and tonumber(first[2]) <= now then
    migrate(delayed, ready, notify)
    earliest[q] = false
  else
    earliest[q] = first[2] and tonumber(first[2]) or nil
  end
  migrate(reserved, ready, notify)
  local jobs = redis.call('lpop', ready, want)
  if jobs then
    local args = {}
    for i = 1, #jobs do
      local job = jobs[i]
      -- Raise attempts by rewriting the '{"v":N,"attempts":N' prefix, or by inserting '"attempts":1' after
      -- '{"v":N,' when the payload leaves out attempts at 0; the rest of the JSON is not read.
      local head, rest = string.match(job, '^({"v":%d+,)()')
      local attempts = 1
      local had_attempts = false
      if head then
        local n, after = string.match(job, '^"attempts":(%d+)()', rest)
        if n then
          had_attempts = true
          attempts = tonumber(n) + 1
          job = head .. '"attempts":' .. attempts .. string.sub(job, after)
        else
          job = head .. '"attempts":1,' .. string.sub(job, rest)
        end
      end
      local index = q
      if records and R.may_have_record(job, had_attempts, ready .. ':records:', #jobs) and R.reserved(ready .. ':records:', job, attempts, now_ms) then index = -q end
      args[#args + 1] = until_
      args[#args + 1] = job
      out[#out + 1] = index
      out[#out + 1] = job
    end
    redis.call('zadd', reserved, unpack(args))
    redis.call('lpop', notify, #jobs)
    if earliest_of(q) and (#jobs < want or redis.call('llen', ready) == 0) then
      local wake = KEYS[k + 5]
      if redis.call('llen', wake) == 0 then redis.call('rpush', wake, 1) end
    end
    want = want - #jobs
  end
end
if want > 0 then
  -- Every queue was looked at (the loop above stops only when enough jobs were found).
  local marked = false
  for q = 1, queues do
    local at = earliest_of(q)
    if at then
      if not marked then
        out[#out + 1] = 0
        out[#out + 1] = 0
        marked = true
      end
      out[#out + 1] = q
      out[#out + 1] = math.max(0, math.ceil((at - now) * 1000))
    end
  end
end
return out
