-- Removes up to ARGV[3] failed jobs whose failedAt score is at most ARGV[2] ('(ms' = strictly before, '+inf' = all).
-- Returns how many were removed; the caller repeats while a full batch comes back.
-- KEYS[1] the index sorted set; ARGV[1] prefix of record hashes (id appended), ARGV[2] max score, ARGV[3] batch size
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
if #ids == 0 then
  return 0
end
for i = 1, #ids do
  redis.call('DEL', ARGV[1] .. ids[i])
end
return redis.call('ZREM', KEYS[1], unpack(ids))
