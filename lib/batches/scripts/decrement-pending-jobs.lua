-- A job of the batch succeeded: pending - 1, and its id leaves failedJobIds (it may have failed before a retry).
-- KEYS[1] the batch hash; ARGV[1] the job id.
-- Returns {pendingJobs, failedJobs} after the update, or nil when the batch does not exist.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return nil
end
local pending = redis.call('HINCRBY', KEYS[1], 'pendingJobs', -1)
local failed = tonumber(redis.call('HGET', KEYS[1], 'failedJobs') or '0')
local raw = redis.call('HGET', KEYS[1], 'failedJobIds')
-- Most batches have no failures: decode the list only when there is one.
if raw and raw ~= '[]' and raw ~= '' then
  local ids = cjson.decode(raw)
  local kept = {}
  for _, id in ipairs(ids) do
    if id ~= ARGV[1] then
      kept[#kept + 1] = id
    end
  end
  if #kept < #ids then
    -- cjson writes an empty table as {}, so an empty list is written by hand.
    if #kept == 0 then
      redis.call('HSET', KEYS[1], 'failedJobIds', '[]')
    else
      redis.call('HSET', KEYS[1], 'failedJobIds', cjson.encode(kept))
    end
  end
end
return {pending, failed}
