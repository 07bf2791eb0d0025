-- Gives a claimed due time back after a failed dispatch: KEYS[1] the claim key, ARGV[1] our claim's value.
-- Returns 1 when it was ours and is gone, else 0.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
