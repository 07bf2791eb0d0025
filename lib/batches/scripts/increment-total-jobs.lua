-- Adds jobs to a batch: total + n, pending + n, and the batch is no longer finished.
-- KEYS[1] the batch hash; ARGV[1] how many jobs.
-- Returns {pendingJobs, failedJobs} after the update, or nil when the batch does not exist.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return nil
end
local amount = tonumber(ARGV[1])
redis.call('HINCRBY', KEYS[1], 'totalJobs', amount)
local pending = redis.call('HINCRBY', KEYS[1], 'pendingJobs', amount)
redis.call('HDEL', KEYS[1], 'finishedAt')
local failed = tonumber(redis.call('HGET', KEYS[1], 'failedJobs') or '0')
return {pending, failed}
