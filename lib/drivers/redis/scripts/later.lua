-- Add payloads to a delayed set, scored by the epoch second (with fractions) they become available.
-- KEYS[1] delayed set; ARGV[1] delay in seconds; ARGV[2..] payloads.
local t = redis.call('time')
local at = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[1])
for i = 2, #ARGV do
  redis.call('zadd', KEYS[1], at, ARGV[i])
end
return #ARGV - 1
