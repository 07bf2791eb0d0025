-- Removes one failed job. Returns 1 when something was removed, else 0.
-- KEYS[1] the record's hash, KEYS[2] the index sorted set; ARGV[1] id
local deleted = redis.call('DEL', KEYS[1])
local unindexed = redis.call('ZREM', KEYS[2], ARGV[1])
if deleted + unindexed > 0 then
  return 1
end
return 0
