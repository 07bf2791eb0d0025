-- KEYS ready, delayed, reserved. Returns { ready, delayed, reserved }.
return { redis.call('llen', KEYS[1]), redis.call('zcard', KEYS[2]), redis.call('zcard', KEYS[3]) }
