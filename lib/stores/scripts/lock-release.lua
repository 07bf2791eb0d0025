-- Releases a lock only while the caller still owns it (the value is the owner's random token).
-- A lock that expired and was taken by someone else is left alone.
--
-- KEYS[1]  the lock key
-- ARGV[1]  the owner token the caller set
--
-- Returns 1 when released, 0 when the lock was gone or belonged to someone else.

if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
