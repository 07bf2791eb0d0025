-- A job of the batch failed for good: failed + 1, and its id joins failedJobIds once. Pending is unchanged.
-- Its process span (when traced) joins jobSpans (see job-spans.lua, prepended).
-- KEYS[1] the batch hash; ARGV[1] the job id; ARGV[2] (optional) its span.
-- Returns {pendingJobs, failedJobs} after the update, or nil when the batch does not exist.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return nil
end
local failed = redis.call('HINCRBY', KEYS[1], 'failedJobs', 1)
local pending = tonumber(redis.call('HGET', KEYS[1], 'pendingJobs') or '0')
local raw = redis.call('HGET', KEYS[1], 'failedJobIds')
local ids = {}
if raw and raw ~= '' then
  ids = cjson.decode(raw)
end
local present = false
for _, id in ipairs(ids) do
  if id == ARGV[1] then
    present = true
    break
  end
end
if not present then
  ids[#ids + 1] = ARGV[1]
  redis.call('HSET', KEYS[1], 'failedJobIds', cjson.encode(ids))
end
JS.keep(KEYS[1], ARGV, 2)
return {pending, failed}
