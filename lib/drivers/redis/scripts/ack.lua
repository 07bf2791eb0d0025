-- Removes a reservation and records how the job ended (records on only: without them an ack is a ZREM).
-- KEYS[1] reserved set. ARGV[1] member (the payload as reserved), ARGV[2] 'completed' or 'failed', ARGV[3..9]
-- records config (as push.lua), ARGV[10] the job's record info (see R.finished), ARGV[11] its tags (JSON, ''
-- none: written on failure only), ARGV[12] the exception (failed).
local removed = redis.call('zrem', KEYS[1], ARGV[1])
local c = R.conf(ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9])
local now = R.now_ms()
R.finished(c, ARGV[2], ARGV[1], ARGV[10], now, ARGV[12], ARGV[11])
R.trim(c, now)
return removed
