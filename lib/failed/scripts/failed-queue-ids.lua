-- Ids of the failed jobs of one queue, newest first.
-- KEYS[1] the index sorted set; ARGV[1] prefix of record hashes (id appended), ARGV[2] queue name
local ids = redis.call('ZREVRANGE', KEYS[1], 0, -1)
local matching = {}
for i = 1, #ids do
  if redis.call('HGET', ARGV[1] .. ids[i], 'queue') == ARGV[2] then
    matching[#matching + 1] = ids[i]
  end
end
return matching
