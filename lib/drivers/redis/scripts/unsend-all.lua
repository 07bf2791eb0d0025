-- Takes back jobs a dispatchMany call had sent, when another part of the call failed: each is removed from its
-- delayed set or ready list (with one wake-up token) and its unique lock freed if it still holds it.
-- KEYS and ARGV as send-all.lua (payloads that were not sent are skipped by a 0 in place of the delay: ARGV per
-- job: queue index, '' / delay / '-' for not sent, unique key index, lock seconds, job id, payload).
-- Returns how many sent jobs could not be found: a worker had taken them already.
local missing = 0
for i = 2, #ARGV, 6 do
  if ARGV[i + 1] ~= '-' then
    local k = (tonumber(ARGV[i]) - 1) * 3
    local payload = ARGV[i + 5]
    if redis.call('zrem', KEYS[k + 2], payload) == 0 then
      if redis.call('lrem', KEYS[k + 1], 1, payload) == 1 then
        redis.call('lrem', KEYS[k + 3], 1, '1')
      else
        missing = missing + 1
      end
    end
    local u = tonumber(ARGV[i + 2])
    if u > 0 and redis.call('get', KEYS[u]) == ARGV[i + 4] then redis.call('del', KEYS[u]) end
  end
end
return missing
