-- KEYS ready, delayed, reserved, notify, wake. Deletes them all; returns how many jobs there were.
local n = redis.call('llen', KEYS[1]) + redis.call('zcard', KEYS[2]) + redis.call('zcard', KEYS[3])
redis.call('del', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return n
