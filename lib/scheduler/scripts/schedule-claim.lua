-- Claims one due time of one task: KEYS[1] the claim key, ARGV[1] this claim's value, ARGV[2] the lease (ms).
-- Returns 'claimed' when this call took it, else the value held (another scheduler's claim, or 'done:...').
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 'claimed'
end
return redis.call('GET', KEYS[1])
