-- Marks a claimed due time dispatched: KEYS[1] the claim key, ARGV[1] our claim's value, ARGV[2] the done
-- value, ARGV[3] how long (ms) it is remembered. Returns 1, or 0 when the claim was no longer ours.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
