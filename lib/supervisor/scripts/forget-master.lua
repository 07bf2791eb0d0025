-- A master that stops removes its record, its name and its pending commands.
-- KEYS[1] names set, KEYS[2] the master's record, KEYS[3] its command list; ARGV[1] name
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2], KEYS[3])
return 1
