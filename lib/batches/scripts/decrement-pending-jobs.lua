-- Jobs of the batch succeeded: pending - (how many), and their ids leave failedJobIds (one may have failed before a
-- retry). Several jobs that finished in the same tick come in one call, as if one after another in ARGV's order.
-- Their process spans (when traced) join jobSpans (see job-spans.lua, prepended).
-- KEYS[1] the batch hash; ARGV[1] how many job ids (n), ARGV[2..n+1] the job ids, ARGV[n+2..] their spans.
-- Returns {pendingJobs, failedJobs} after the update, or nil when the batch does not exist.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return nil
end
local n = tonumber(ARGV[1])
local pending = redis.call('HINCRBY', KEYS[1], 'pendingJobs', -n)
local failed = tonumber(redis.call('HGET', KEYS[1], 'failedJobs') or '0')
local raw = redis.call('HGET', KEYS[1], 'failedJobIds')
-- Most batches have no failures: decode the list only when there is one.
if raw and raw ~= '[]' and raw ~= '' then
  local succeeded = {}
  for i = 2, n + 1 do
    succeeded[ARGV[i]] = true
  end
  local ids = cjson.decode(raw)
  local kept = {}
  for _, id in ipairs(ids) do
    if not succeeded[id] then
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
JS.keep(KEYS[1], ARGV, n + 2)
return {pending, failed}
