-- Push payloads to a ready list and one wake-up token each to its notify list.
-- KEYS[1] ready list, KEYS[2] notify list. ARGV[1] '0': no records, ARGV[2..] payloads; '1': ARGV[2..8] records
-- config (base, connection, queue, trims in ms: pending, completed, failed, monitored), ARGV[9] how many payloads,
-- the payloads, then 6 per job that may need a record (it has tags, or is re-queued): payload index (1-based), id,
-- name, tags (JSON), flags (see R.pushed), pushed at (ms). A job without tags costs nothing more.
local payloads = {}
if ARGV[1] == '1' then
  local n = tonumber(ARGV[9])
  for i = 1, n do payloads[i] = ARGV[9 + i] end
  if #ARGV > 9 + n then
    local c = R.conf(ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8])
    local now = R.now_ms()
    for i = 10 + n, #ARGV, 6 do
      R.pushed(c, ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], payloads[tonumber(ARGV[i])], ARGV[i + 5], now, nil)
    end
    R.trim(c, now)
  end
else
  for i = 2, #ARGV do payloads[i - 1] = ARGV[i] end
end
local n = #payloads
redis.call('rpush', KEYS[1], unpack(payloads))
local tokens = {}
for i = 1, n do tokens[i] = 1 end
redis.call('rpush', KEYS[2], unpack(tokens))
return n
