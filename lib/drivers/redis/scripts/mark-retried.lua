-- Notes on a failed job's record that a retry sent job ARGV[2] at ARGV[3] (ms). The record stays where it is (a
-- field of its queue's data hash, or its `job:<id>` string with its expiry); nothing is written when it has none
-- (trimmed meanwhile: a field written back then would outlive every list).
-- KEYS[1] the queue's records data hash, KEYS[2] the job's `job:<id>` key; ARGV[1] the job's id. Returns 1 when marked.
local text = redis.call('hget', KEYS[1], ARGV[1])
local in_data = text ~= false
if not in_data then text = redis.call('get', KEYS[2]) end
if not text then return 0 end
local nl = string.find(text, '\n', 1, true)
if not nl then return 0 end
local ok, meta = pcall(cjson.decode, string.sub(text, 1, nl - 1))
if not ok or type(meta) ~= 'table' then return 0 end
local list = type(meta.retried_by) == 'table' and meta.retried_by or {}
list[#list + 1] = { id = ARGV[2], retriedAt = tonumber(ARGV[3]) }
meta.retried_by = list
local value = cjson.encode(meta) .. '\n' .. string.sub(text, nl + 1)
if in_data then
  redis.call('hset', KEYS[1], ARGV[1], value)
else
  redis.call('set', KEYS[2], value, 'KEEPTTL')
end
return 1
