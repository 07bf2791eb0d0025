-- Sends the jobs of one dispatchMany call in one step, so they are all queued or none is: Redis refuses only the
-- first write of a script when it is out of memory, and a script is never interleaved with other commands.
-- KEYS: 3 per queue (ready list, delayed set, notify list), ARGV[1] queues; then the unique-lock keys.
-- ARGV[2] '1' records on, ARGV[3..6] record trims in ms (pending, completed, failed, monitored), ARGV[7] the
-- connection, ARGV[8 .. 7 + queues] the queues' names; then the jobs in the call's order, as segments:
-- 'p', queue index (1-based), n, then n payloads: jobs ready now with no lock and no record (the common case,
--   one argument a job, pushed straight from ARGV);
-- 'j', then 10 fields: queue index, delay seconds ('' = ready now; <= 0 = due already, ordered by due time),
--   unique key index into KEYS (0 = none), lock seconds (0 = no expiry), job id (the lock's value), payload, job
--   name, tags (JSON, '' none), record flags (R.pushed; a job with neither tags nor flag 'r' gets no record while
--   it waits), pushed at (ms).
-- Returns the positions (1-based, in the call's order) of the jobs not sent because their unique lock is held.
-- A queue whose earliest due job is now one of these gets a token on its wake list (see later.lua).
local t = redis.call('time')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local queues = tonumber(ARGV[1])
local records = ARGV[2] == '1'
local now_ms = math.floor(now * 1000)
local confs = {}
if records then
  for q = 1, queues do
    confs[q] = R.conf(KEYS[(q - 1) * 3 + 1] .. ':records:', ARGV[7], ARGV[7 + q], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
  end
end
local CHUNK = 1000
local ones = {}
for j = 1, CHUNK do ones[j] = 1 end
-- One wake-up token per job pushed to a ready list, sent per queue at the end.
local tokens = {}
local held = {}
local earliest = {}
local position = 0
local i = 8 + queues
local last = #ARGV
while i <= last do
  if ARGV[i] == 'p' then
    local q = tonumber(ARGV[i + 1])
    local n = tonumber(ARGV[i + 2])
    local ready = KEYS[(q - 1) * 3 + 1]
    local first = i + 3
    for s = first, first + n - 1, CHUNK do
      redis.call('rpush', ready, unpack(ARGV, s, math.min(s + CHUNK - 1, first + n - 1)))
    end
    tokens[q] = (tokens[q] or 0) + n
    position = position + n
    i = first + n
  else
    local q = tonumber(ARGV[i + 1])
    local u = tonumber(ARGV[i + 3])
    local id, payload = ARGV[i + 5], ARGV[i + 6]
    position = position + 1
    local ok = true
    if u > 0 then
      local ttl = tonumber(ARGV[i + 4])
      if ttl > 0 then
        ok = redis.call('set', KEYS[u], id, 'NX', 'EX', ttl) ~= false
      else
        ok = redis.call('set', KEYS[u], id, 'NX') ~= false
      end
    end
    if ok then
      local delay = ARGV[i + 2]
      local available = nil
      if delay == '' then
        redis.call('rpush', KEYS[(q - 1) * 3 + 1], payload)
        tokens[q] = (tokens[q] or 0) + 1
      else
        redis.call('zadd', KEYS[(q - 1) * 3 + 2], now + tonumber(delay), payload)
        if not earliest[q] or now + tonumber(delay) < earliest[q] then earliest[q] = now + tonumber(delay) end
        available = math.floor((now + tonumber(delay)) * 1000)
      end
      if records and (ARGV[i + 8] ~= '' or string.find(ARGV[i + 9], 'r', 1, true)) then
        R.pushed(confs[q], id, ARGV[i + 7], ARGV[i + 8], ARGV[i + 9], payload, ARGV[i + 10], now_ms, available)
      end
    else
      held[#held + 1] = position
    end
    i = i + 11
  end
end
if records then
  for q = 1, queues do R.trim(confs[q], now_ms) end
end
for q, n in pairs(tokens) do
  local notify = KEYS[(q - 1) * 3 + 3]
  for s = 1, n, CHUNK do
    redis.call('rpush', notify, unpack(ones, 1, math.min(CHUNK, n - s + 1)))
  end
end
for q = 1, queues do
  local at = earliest[q]
  if at then
    local first = redis.call('zrange', KEYS[(q - 1) * 3 + 2], 0, 0, 'WITHSCORES')
    -- The wake list shares the queue's hash tag: queues:{Q}:wake beside queues:{Q}.
    local wake = KEYS[(q - 1) * 3 + 1] .. ':wake'
    if tonumber(first[2]) >= at and redis.call('llen', wake) == 0 then redis.call('rpush', wake, 1) end
  end
end
return held
