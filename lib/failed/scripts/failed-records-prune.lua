-- Removes up to ARGV[3] failed jobs scored below ARGV[2] (ms) from one queue's job records (layout in
-- lib/drivers/redis/job-record-keys.ts): from its failed list and what FR.forget_record removes (failed-records.lua
-- comes before this). Returns how many were taken off the failed list; the caller repeats while a full batch comes
-- back. KEYS[1] the queue's records failed list, KEYS[2] its records data hash; ARGV[1] the queue's records base
-- ('queues:{N}:records:').
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
if #ids == 0 then
  return 0
end
for _, id in ipairs(ids) do FR.forget_record(ARGV[1], KEYS[2], id) end
return redis.call('ZREM', KEYS[1], unpack(ids))
