-- The dashboard's reads of one queue's waiting jobs by id, without scanning (lib/dashboard/records/pending-reader.ts).
-- A ready list holds its jobs in the order they came onto it (RPUSH at the tail, LPOP at the head), and a job
-- pushed straight there comes in id order (UUID v7: time ordered), so a binary search over positions by id finds
-- where an id sits: about 20 LINDEX-like reads for a million jobs. Jobs that came back (released, due delayed
-- ones, expired reservations) sit by when they came back, not by their id.
-- KEYS[1] ready list, KEYS[2] delayed set, KEYS[3] reserved set.
-- ARGV[1] 'position', ARGV[2] a key (an id, or the start of one): the list's first position (0 = the head, the
--   oldest) whose job's id is >= the key, i.e. how many jobs come before it.
-- ARGV[1] 'find', ARGV[2] an id, ARGV[3] how many jobs to read around its place in the ready list (and at most
--   in each of the two sets); the search looks back over 1,024 jobs a step, so a run of up to that many jobs that
--   came back just after the one sought does not hide it: returns { kind, payload, score } (kind 'ready', 'delayed' or 'reserved'; score ''
--   for 'ready'), or false when it is not there.

local function id_of(payload)
  return string.match(payload, '^{"v":%d+,"uuid":"([^"]+)"') or string.match(payload, '^{"v":%d+,"attempts":%d+,"uuid":"([^"]+)"')
end

-- The greatest id among the jobs from position i - back to i, those before `lo` left out (the search already
-- knows they come before the key); nil when none has one. A job that came back sits after jobs with greater ids:
-- looking back over `back` jobs, a probe among up to that many such jobs still sees a greater id before it, so it
-- does not turn the search the wrong way. Only a probe that would turn right reads further back than 16 jobs.
local function greatest(from, to, best)
  if to < from then return best end
  for _, payload in ipairs(redis.call('lrange', KEYS[1], from, to)) do
    local id = id_of(payload)
    if id and (best == nil or id > best) then best = id end
  end
  return best
end

local function probe(i, lo, back, key)
  local near = math.max(lo, i - math.min(back, 15))
  local best = greatest(near, i, nil)
  if back <= 15 or (best ~= nil and best >= key) then return best end
  return greatest(math.max(lo, i - back), near - 1, best)
end

local function position(key, back)
  local lo, hi = 0, redis.call('llen', KEYS[1])
  if hi == 0 then return 0 end
  -- A key past the newest job (as in every queue but the one holding a new job): one probe, no search.
  local last = probe(hi - 1, 0, back, key)
  if last ~= nil and last < key then return hi end
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    local id = probe(mid, lo, back, key)
    if id ~= nil and id < key then lo = mid + 1 else hi = mid end
  end
  return lo
end

if ARGV[1] == 'position' then
  return position(ARGV[2], 0)
end

local id, window = ARGV[2], tonumber(ARGV[3])

-- In progress: the latest reserved first (a worker holds few at a time).
local reserved = redis.call('zrevrange', KEYS[3], 0, window - 1, 'withscores')
for i = 1, #reserved, 2 do
  if id_of(reserved[i]) == id then return { 'reserved', reserved[i], reserved[i + 1] } end
end

-- Jobs that came back turn a search only to the right of where the id is, so the window reaches further left.
local at = position(id, 1024)
local from = math.max(0, at - math.floor(window * 3 / 4))
for _, payload in ipairs(redis.call('lrange', KEYS[1], from, from + window - 1)) do
  if id_of(payload) == id then return { 'ready', payload, '' } end
end

-- Delayed: due at or after the id's own time (a job is never due before it was pushed), soonest first.
local ms = tonumber(string.sub(id, 1, 8) .. string.sub(id, 10, 13), 16)
if ms then
  local delayed = redis.call('zrangebyscore', KEYS[2], ms / 1000 - 1, '+inf', 'withscores', 'limit', 0, window)
  for i = 1, #delayed, 2 do
    if id_of(delayed[i]) == id then return { 'delayed', delayed[i], delayed[i + 1] } end
  end
end
return false
