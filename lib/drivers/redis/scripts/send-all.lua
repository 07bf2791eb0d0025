-- Sends the jobs of one dispatchMany call in one step, so they are all queued or none is: Redis refuses only the
-- first write of a script when it is out of memory, and a script is never interleaved with other commands.
-- KEYS: 3 per queue (ready list, delayed set, notify list), ARGV[1] queues; then the unique-lock keys.
-- ARGV[2..]: 6 per job: queue index (1-based), delay seconds ('' = ready now; <= 0 = due already, ordered by due
-- time), unique key index into KEYS (0 = none), lock seconds (0 = no expiry), job id (the lock's value), payload.
-- Returns one flag per job: 1 sent, 0 not sent because its unique lock is held.
local t = redis.call('time')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local sent = {}
local ready = {}
local order = {}
for i = 2, #ARGV, 6 do
  local q = tonumber(ARGV[i])
  local u = tonumber(ARGV[i + 2])
  local ok = true
  if u > 0 then
    local ttl = tonumber(ARGV[i + 3])
    if ttl > 0 then
      ok = redis.call('set', KEYS[u], ARGV[i + 4], 'NX', 'EX', ttl) ~= false
    else
      ok = redis.call('set', KEYS[u], ARGV[i + 4], 'NX') ~= false
    end
  end
  if ok then
    local delay = ARGV[i + 1]
    if delay == '' then
      local list = ready[q]
      if not list then
        list = {}
        ready[q] = list
        order[#order + 1] = q
      end
      list[#list + 1] = ARGV[i + 5]
    else
      redis.call('zadd', KEYS[(q - 1) * 3 + 2], now + tonumber(delay), ARGV[i + 5])
    end
    sent[#sent + 1] = 1
  else
    sent[#sent + 1] = 0
  end
end
for _, q in ipairs(order) do
  local list = ready[q]
  local tokens = {}
  for s = 1, #list, 1000 do
    local e = math.min(s + 999, #list)
    redis.call('rpush', KEYS[(q - 1) * 3 + 1], unpack(list, s, e))
    for j = 1, e - s + 1 do tokens[j] = 1 end
    for j = e - s + 2, #tokens do tokens[j] = nil end
    redis.call('rpush', KEYS[(q - 1) * 3 + 3], unpack(tokens))
  end
end
return sent
