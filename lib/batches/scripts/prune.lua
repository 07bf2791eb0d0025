-- Deletes old batches, looking at one page of the index at a time so Redis is never blocked for long.
-- Every batch that can qualify was created before the cut-off (finishedAt >= createdAt), so only the
-- index entries scored below it are looked at.
-- KEYS[1] the index (ZSET of batch ids by createdAt).
-- ARGV[1] the prefix of batch hash keys (same hash tag as the index), ARGV[2] cut-off, epoch milliseconds,
-- ARGV[3] '1' to also delete unfinished batches, ARGV[4] '1' to also delete cancelled batches,
-- ARGV[5] offset into the candidates, ARGV[6] page size.
-- Returns {deleted, candidatesLookedAt, indexEntriesRemoved} (removed = deleted + entries whose batch was gone).
local before = tonumber(ARGV[2])
local unfinished = ARGV[3] == '1'
local cancelled = ARGV[4] == '1'
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2], 'LIMIT', ARGV[5], ARGV[6])
local deleted = 0
local removed = 0
for _, id in ipairs(ids) do
  local key = ARGV[1] .. id
  local fields = redis.call('HMGET', key, 'id', 'finishedAt', 'cancelledAt')
  if not fields[1] then
    -- An index entry whose batch is gone: drop it, it is not a deletion.
    redis.call('ZREM', KEYS[1], id)
    removed = removed + 1
  else
    local prune = false
    if fields[2] then
      prune = tonumber(fields[2]) < before
    else
      prune = unfinished
    end
    if not prune and cancelled and fields[3] then
      prune = true
    end
    if prune then
      redis.call('DEL', key)
      redis.call('ZREM', KEYS[1], id)
      deleted = deleted + 1
      removed = removed + 1
    end
  end
end
return {deleted, #ids, removed}
