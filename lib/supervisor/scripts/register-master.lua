-- A master's heartbeat: its record with a short TTL, and its name in the set of masters.
-- KEYS[1] names set, KEYS[2] the master's record; ARGV[1] name, ARGV[2] record (JSON), ARGV[3] TTL in ms
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1
