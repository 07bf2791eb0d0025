-- Job records (the dashboard's JobRepository; layout in job-record-keys.ts). Prepended to the queue scripts that
-- write records (push, later, send-all, reserve, release, ack), so a record rides on the call the queue makes anyway.
-- A record is one string: its fields as a small JSON object, a newline, then the payload as reserved (none when the
-- job is encrypted). What the payload says (id, name, tags, attempts, when it was pushed) is not repeated in the
-- fields of a finished job's usual record, nor are its connection and queue: the reader takes them from the
-- payload and from the queue it reads, so the record is put together by concatenation, without decoding or
-- encoding JSON.
-- Finished jobs' records live in the queue's `data` hash (one field per job), exactly while the job is on the
-- completed, silenced or failed list: trimming a list deletes the fields of the ids it drops. Waiting jobs have no
-- record (the dashboard reads them from the queue itself) unless they carry a monitored tag or are a failed job's
-- retry: those, and every record of a job with a monitored tag, are `job:<id>` strings expiring after their trim.
-- A records config `c` is { base = 'queues:{N}:records:', connection, queue, tp, tc, tf, tm, trim } (trims in ms:
-- pending, completed, failed, monitored). Every script that writes records calls R.trim(c, now) before it returns.
local R = {}

-- Most ids one trim drops from one list (the rest go on the next calls: a call adds far fewer).
local TRIM_BATCH = 1000

function R.now_ms()
  local t = redis.call('time')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- `queue` nil: read from the base when a record needs it (queue_of).
-- `trim` false: R.trim leaves this call's lists for a later call (the worker asks for a trim often enough that
-- the lists keep up; see JobRecordWriter.reserveFlag); nil or true: trimmed at the end of the call.
function R.conf(base, connection, queue, tp, tc, tf, tm, trim)
  return {
    base = base, data = base .. 'data', connection = connection, queue = queue,
    tp = tonumber(tp), tc = tonumber(tc), tf = tonumber(tf), tm = tonumber(tm), touched = {}, trim = trim ~= false,
  }
end

-- A list written in this call, to trim once at its end (R.trim): entries older than `ms` go; `owns` when the
-- list's ids own their fields of the data hash (completed, silenced, failed).
local function touch(c, key, ms, owns)
  c.touched[key] = owns and -ms or ms
end

-- The queue's name as a record shows it: given, or the tag of the base's keys ('queues:{N}:records:' -> N).
local function queue_of(c)
  local q = c.queue
  if not q then
    q = string.match(c.base, 'queues:{(.*)}:records:$') or ''
    c.queue = q
  end
  return q
end

-- Trims the lists this call wrote (once each, however many jobs it wrote to them).
function R.trim(c, now)
  if not c.trim then return end
  for key, ms in pairs(c.touched) do
    if ms < 0 then
      local old = redis.call('zrangebyscore', key, '-inf', '(' .. (now + ms), 'limit', 0, TRIM_BATCH)
      if #old > 0 then
        redis.call('hdel', c.data, unpack(old))
        redis.call('zrem', key, unpack(old))
      end
    else
      redis.call('zremrangebyscore', key, '-inf', '(' .. (now - ms))
    end
  end
  c.touched = {}
end

-- The job's id: the payload's fixed head is '{"v":N,' then optional '"attempts":N,' then '"uuid":"...' (plain
-- finds near the start: cheaper than a pattern, and nothing past the head is read).
-- A UUID (36 characters, the usual id) is cut out without looking for its end.
function R.id_of(payload)
  local s = string.find(payload, '"uuid":"', 1, true)
  if not s or s > 40 or string.byte(payload, 1) ~= 123 then return nil end
  if string.byte(payload, s + 44) == 34 and string.byte(payload, s + 16) == 45 then return string.sub(payload, s + 8, s + 43) end
  local e = string.find(payload, '"', s + 8, true)
  if not e or e == s + 8 then return nil end
  return string.sub(payload, s + 8, e - 1)
end

function R.attempts_of(payload)
  return tonumber(string.match(payload, '^{"v":%d+,"attempts":(%d+)') or 0)
end

local function tags_of(json)
  if type(json) ~= 'string' or json == '' then return {} end
  local ok, list = pcall(cjson.decode, json)
  if not ok or type(list) ~= 'table' then return {} end
  return list
end

local function split(v)
  if not v then return nil end
  local nl = string.find(v, '\n', 1, true)
  if not nl then return nil end
  local ok, meta = pcall(cjson.decode, string.sub(v, 1, nl - 1))
  if not ok or type(meta) ~= 'table' then return nil end
  return meta, string.sub(v, nl + 1)
end

-- A job's `job:<id>` record: its fields and payload, or nil.
local function load(key)
  return split(redis.call('get', key))
end

-- Saves a `job:<id>` record for `ms` (nil: keeps its expiry).
local function save(key, meta, payload, ms)
  local value = cjson.encode(meta) .. '\n' .. (payload or '')
  if ms == nil then
    redis.call('set', key, value, 'KEEPTTL')
  elseif ms > 0 then
    redis.call('set', key, value, 'PX', ms)
  else
    redis.call('del', key)
  end
end

local function has(flags, f)
  return string.find(flags, f, 1, true) ~= nil
end

local function ttl(c, meta, ms)
  if meta.monitored and c.tm > ms then return c.tm end
  return ms
end

-- A job was pushed (or scheduled: `available` ms). Only a job with tags or flag 'r' comes here. flags: 'e'
-- encrypted (no payload kept), 's' silenced, 'r' the id was queued before (a retry of a failed job): its failed
-- record and entries go and its record starts again. A record is kept when the job is re-queued or carries a
-- monitored tag.
function R.pushed(c, id, name, tags, flags, payload, pushed, now, available)
  local key = c.base .. 'job:' .. id
  local old = nil
  if has(flags, 'r') then
    local kept = redis.call('hget', c.data, id)
    if kept then
      old = split(kept)
      redis.call('hdel', c.data, id)
    else
      old = load(key)
    end
    redis.call('zrem', c.base .. 'failed', id)
    local oldTags = old and old.tags
    if type(oldTags) ~= 'string' or oldTags == '' then oldTags = tags end
    for _, tag in ipairs(tags_of(oldTags)) do redis.call('zrem', c.base .. 'failed-tag:' .. tag, id) end
  end
  local monitored = false
  for _, tag in ipairs(tags_of(tags)) do
    if redis.call('sismember', c.base .. 'monitored', tag) == 1 then
      local tk = c.base .. 'tag:' .. tag
      redis.call('zadd', tk, now, id)
      touch(c, tk, c.tm, false)
      monitored = true
    end
  end
  if not monitored and not has(flags, 'r') then return end
  local meta = {
    id = id, name = name, connection = c.connection, queue = queue_of(c), status = 'pending', attempts = R.attempts_of(payload),
    tags = tags, encrypted = has(flags, 'e'), silenced = has(flags, 's'), monitored = monitored, pushed_at = tonumber(pushed) or now,
    available_at = available, retried_by = old and old.retried_by or nil,
  }
  save(key, meta, not meta.encrypted and payload or nil, ttl(c, meta, c.tp))
end

-- A reserved job's record is marked reserved, when it has one. Only a job that may have one is looked up: one that
-- carries tags (it may be monitored) or whose payload held attempts before this reservation (a failed job's retry,
-- queued with attempts 0, or a job back for another attempt). True when it had a record.
function R.reserved(base, payload, attempts, now)
  local id = R.id_of(payload)
  if not id then return false end
  local key = base .. 'job:' .. id
  local meta, kept = load(key)
  if not meta then return false end
  meta.status = 'reserved'
  meta.reserved_at = now
  meta.attempts = attempts
  save(key, meta, kept, nil)
  return true
end

-- Whether each queue (by records base) has monitored tags, as this call found it.
local monitoring = {}

-- True when a job reserved now may have a record of its own (see R.reserved): a retry or a job back for another
-- attempt (`had_attempts`), or one with tags (a tag may be monitored). `count` is how many jobs the pop took from
-- the queue whose records are at `base`: from 4 on, one SCARD of the queue's monitored tags costs less than
-- reading every payload for tags, and when it has none a job's tags need not be looked for. (A job pushed while
-- its tag was monitored and reserved after the tag stopped being monitored keeps its record's status until it
-- ends.)
function R.may_have_record(payload, had_attempts, base, count)
  if had_attempts then return true end
  if base and count and count >= 4 then
    local m = monitoring[base]
    if m == nil then
      m = redis.call('scard', base .. 'monitored') > 0
      monitoring[base] = m
    end
    if not m then return false end
  end
  return string.find(payload, '"tags":', 1, true) ~= nil
end

function R.released(base, payload, available)
  local id = R.id_of(payload)
  if not id then return end
  local key = base .. 'job:' .. id
  local meta, kept = load(key)
  if not meta then return end
  meta.status = 'pending'
  if available then meta.available_at = available end
  save(key, meta, kept, nil)
end

-- The base of a queue's records from its reserved set's key ('queues:{N}:reserved').
function R.base_of_reserved(reserved)
  return string.sub(reserved, 1, -10) .. ':records:'
end

-- A finished job's usual record starts with its status: its connection and queue are those of the place it is
-- read from (decodeRecord), its id, name, tags and attempts those of its payload.
local function lead(status)
  return '{"status":"' .. status .. '"'
end

-- What the worker passes about a job that ended: `info` is its flags, then the time it was reserved (ms, digits;
-- none when not known). Flags: 's' silenced, 'e' encrypted, 'k' it had a record when it was reserved (R.reserved),
-- 'h' a newline and the record's fields so far follow ('{"id":...', no closing brace: for an encrypted job, whose
-- payload is not kept, and a failed one). A job with no flag's info starts with a digit.
local function parse_info(info)
  local flags, at, rest = string.match(info, '^(%a*)(%d*)()')
  local head = nil
  if has(flags, 'h') then head = string.sub(info, rest + 1) end
  return at, flags, head
end

-- A finished job's record without a read: the fields the payload does not hold (or, when `head` is given, the
-- worker's fields so far: an encrypted job, whose payload is not kept, or a failed one), then the payload (none
-- for an encrypted job).
local function usual(c, status, payload, at, flags, head, now, exception)
  local value
  if head then
    value = head .. ',"status":"' .. status .. '","attempts":' .. R.attempts_of(payload)
  else
    value = lead(status)
  end
  if at ~= '' then value = value .. ',"reserved_at":' .. at end
  value = value .. ',"' .. status .. '_at":' .. now
  if has(flags, 's') then value = value .. ',"silenced":true' end
  if exception then value = value .. ',"exception":' .. cjson.encode(exception) end
  return value .. '}\n' .. (has(flags, 'e') and '' or payload)
end

-- Calls `cmd key ...` with the items of `list`, at most 4000 a call (Lua's unpack has a limit near 8000).
local function call_chunked(cmd, key, list)
  local n = #list
  if n <= 4000 then
    redis.call(cmd, key, unpack(list))
    return
  end
  for i = 1, n, 4000 do redis.call(cmd, key, unpack(list, i, math.min(n, i + 3999))) end
end

-- A job ended: status 'completed' or 'failed' (with `exception` and `tags`, its tags as JSON or ''). `payload` is
-- the reservation's text, `info` as parse_info reads it. Its record is written and it is put on the completed,
-- silenced or failed list (and on the failed list of each of its tags).
function R.finished(c, status, payload, info, now, exception, tags)
  local id = R.id_of(payload)
  if not id then return end
  local at, flags, head = parse_info(info)
  local failed = status == 'failed'
  local silenced = has(flags, 's')
  local key, meta, list, ms
  if has(flags, 'k') then
    key = c.base .. 'job:' .. id
    meta = load(key)
    if meta then silenced = meta.silenced == true end
  end
  if failed then list, ms = 'failed', c.tf else list, ms = silenced and 'silenced' or 'completed', c.tc end
  local monitored = meta and meta.monitored
  if ms <= 0 and not monitored then
    -- Its list keeps nothing (trim 0): no record, no entry; a record it had while it waited goes.
    if meta then redis.call('del', key) end
    return
  end
  if failed and tags and tags ~= '' then
    for _, tag in ipairs(tags_of(tags)) do
      local tk = c.base .. 'failed-tag:' .. tag
      redis.call('zadd', tk, now, id)
      touch(c, tk, c.tf, false)
    end
  end
  redis.call('zadd', c.base .. list, now, id)
  touch(c, c.base .. list, ms, true)
  if not meta then
    redis.call('hset', c.data, id, usual(c, status, payload, at, flags, head, now, failed and (exception or '') or nil))
    return
  end
  -- A record kept while it waited (monitored, or a retry): its fields carry on.
  meta.status = status
  meta.attempts = R.attempts_of(payload)
  if at ~= '' then meta.reserved_at = tonumber(at) end
  if failed then meta.failed_at = now; meta.exception = exception or '' else meta.completed_at = now end
  local kept = (not meta.encrypted) and payload or ''
  if monitored then
    -- Kept as long as its tag's list keeps it (trim.monitored), not only as long as its status's list.
    save(key, meta, kept, ttl(c, meta, ms))
  else
    redis.call('hset', c.data, id, cjson.encode(meta) .. '\n' .. kept)
    redis.call('del', key)
  end
end

-- Many jobs ended completed in one call (reserve.lua's acks): `jobs` holds payload, info, payload, info, ...
-- Those without a record so far (all but monitored jobs and retries) cost their share of one HSET and one ZADD:
-- no read, no JSON decoded or encoded.
function R.completed_many(c, jobs, now)
  local fields, lists = {}, {}
  -- The usual record of a job reserved at `at`: before .. at .. after .. payload (one concatenation).
  local before = lead('completed') .. ',"reserved_at":'
  local after = ',"completed_at":' .. now .. '}\n'
  -- The score as text once (a number would be formatted again for every member).
  local score = tostring(now)
  local list = nil
  local keep = c.tc > 0
  for i = 1, #jobs, 2 do
    local payload, info = jobs[i], jobs[i + 1]
    local id = R.id_of(payload)
    if id then
      local first = string.byte(info, 1)
      if first and first <= 57 then
        -- Only the reservation time: no flags, no fields of its own. (Nothing is written when the completed
        -- list keeps nothing: trim 0.)
        if keep then
          fields[#fields + 1] = id
          fields[#fields + 1] = before .. info .. after .. payload
          if not list then
            list = lists.completed or {}
            lists.completed = list
          end
          list[#list + 1] = score
          list[#list + 1] = id
        end
      else
        local at, flags, head = parse_info(info)
        if has(flags, 'k') then
          R.finished(c, 'completed', payload, info, now, nil, nil)
        elseif keep then
          local name = has(flags, 's') and 'silenced' or 'completed'
          fields[#fields + 1] = id
          fields[#fields + 1] = usual(c, 'completed', payload, at, flags, head, now, nil)
          local l = lists[name]
          if not l then
            l = {}
            lists[name] = l
          end
          l[#l + 1] = score
          l[#l + 1] = id
        end
      end
    end
  end
  if #fields > 0 then call_chunked('hset', c.data, fields) end
  for name, l in pairs(lists) do
    local key = c.base .. name
    call_chunked('zadd', key, l)
    touch(c, key, c.tc, true)
  end
end
