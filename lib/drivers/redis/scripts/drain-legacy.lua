-- Moves the jobs a queue left on its keys of the old layout (queues:Q before every queue was keyed queues:{Q})
-- onto its keys now, up to ARGV[1] of each kind per call. ARGV[2] '1': the old ready jobs go before the new ones
-- (the first drain of a queue: they were queued before the upgrade), else after them (jobs an old producer pushed
-- since the last drain).
-- KEYS old ready, old delayed, old reserved; ready, delayed, notify. Returns {moved, more}: more = 1 when a
-- kind still had ARGV[1] jobs to move (call again).
-- The old layout shared keys between queues (queue x's notify list was queue x:notify's ready list; queue y's
-- reserved set was queue y:reserved's ready list), so each old key is moved only when it has the type that
-- queue's own key would have, and only entries that are payloads (JSON objects) leave a ready list: wake-up
-- tokens ('1') of another queue are dropped, they only woke workers of the old version.
local limit = tonumber(ARGV[1])
local moved, more, tokens = 0, 0, 0
local function is(key, kind) return redis.call('type', key)['ok'] == kind end

local head = ARGV[2] == '1'
if is(KEYS[1], 'list') then
  -- In order: to the head, the old list's tail goes first (chunk after chunk); to the tail, its head.
  local n = 0
  while n < limit do
    local job
    if head then job = redis.call('rpop', KEYS[1]) else job = redis.call('lpop', KEYS[1]) end
    if not job then break end
    n = n + 1
    if string.sub(job, 1, 1) == '{' then
      if head then redis.call('lpush', KEYS[4], job) else redis.call('rpush', KEYS[4], job) end
      tokens = tokens + 1
    end
  end
  if n == limit then more = 1 end
end

if is(KEYS[2], 'zset') then
  local due = redis.call('zrange', KEYS[2], 0, limit - 1, 'withscores')
  for i = 1, #due, 2 do
    redis.call('zadd', KEYS[5], due[i + 1], due[i])
    redis.call('zrem', KEYS[2], due[i])
    moved = moved + 1
  end
  if #due == limit * 2 then more = 1 end
end

if is(KEYS[3], 'zset') then
  -- Reservations of workers of the old version stay until they expire (that worker may still ack them);
  -- an expired one goes back to the ready list, as the reserve script does with its own.
  local t = redis.call('time')
  local expired = redis.call('zrangebyscore', KEYS[3], '-inf', tonumber(t[1]) + tonumber(t[2]) / 1000000, 'limit', 0, limit)
  for i = 1, #expired do
    redis.call('zrem', KEYS[3], expired[i])
    redis.call('rpush', KEYS[4], expired[i])
    tokens = tokens + 1
  end
  if #expired == limit then more = 1 end
end

if tokens > 0 then
  local list = {}
  for i = 1, tokens do list[i] = 1 end
  redis.call('rpush', KEYS[6], unpack(list))
end
return {moved + tokens, more}
