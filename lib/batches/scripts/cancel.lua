-- Cancels a batch. As Laravel, a cancelled batch also counts as finished. The first cancellation's time is kept.
-- KEYS[1] the batch hash; ARGV[1] now, epoch milliseconds.
-- Returns {pendingJobs, failedJobs}, or nil when the batch does not exist.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return nil
end
redis.call('HSETNX', KEYS[1], 'cancelledAt', ARGV[1])
redis.call('HSETNX', KEYS[1], 'finishedAt', ARGV[1])
local counts = redis.call('HMGET', KEYS[1], 'pendingJobs', 'failedJobs')
return {tonumber(counts[1] or '0'), tonumber(counts[2] or '0')}
