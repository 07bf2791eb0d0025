-- Push payloads to a ready list and one wake-up token each to its notify list.
-- KEYS[1] ready list, KEYS[2] notify list; ARGV payloads.
local n = #ARGV
redis.call('rpush', KEYS[1], unpack(ARGV))
local tokens = {}
for i = 1, n do tokens[i] = 1 end
redis.call('rpush', KEYS[2], unpack(tokens))
return n
