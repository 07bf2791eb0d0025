-- Heartbeat: push the reservations of jobs still in hand to now + retryAfter.
-- KEYS[1] reserved set; ARGV[1] retryAfter seconds; ARGV[2..] members. Returns the members that were gone.
local t = redis.call('time')
local until_ = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[1])
local lost = {}
for i = 2, #ARGV do
  if redis.call('zadd', KEYS[1], 'XX', 'CH', until_, ARGV[i]) == 0 and not redis.call('zscore', KEYS[1], ARGV[i]) then
    lost[#lost + 1] = ARGV[i]
  end
end
return lost
