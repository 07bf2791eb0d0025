-- Removes one failed job from the failed store, from the dashboard's job records (layout in
-- lib/drivers/redis/job-record-keys.ts), or from both at once when they share a server and no cluster slots
-- part them. Returns 1 when the store had something to remove, else 0. failed-records.lua comes before this.
-- ARGV[1] id, ARGV[2] 'store', 'records' or 'both', ARGV[3] the queue's records base ('queues:{N}:records:').
-- KEYS: unless 'records', the record's hash and the store's index; then, unless 'store', the queue's records
-- failed list, the job's `job:<id>` record and the queue's records data hash.
-- From the records go the id's entry in the failed list and what FR.forget_record removes.
local id, mode = ARGV[1], ARGV[2]
local removed = 0
local k = 1
if mode ~= 'records' then
  removed = redis.call('DEL', KEYS[1]) + redis.call('ZREM', KEYS[2], id)
  k = 3
end
if mode ~= 'store' then
  redis.call('ZREM', KEYS[k], id)
  FR.forget_record(ARGV[3], KEYS[k + 2], id)
end
if removed > 0 then
  return 1
end
return 0
