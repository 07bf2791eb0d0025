-- Takes back jobs a dispatchMany call had sent, when another part of the call failed: each is removed from its
-- delayed set or ready list (with one wake-up token), its unique lock freed if it still holds it, and the record of
-- a job taken back deleted.
-- KEYS and ARGV as send-all.lua (a 'j' job that was not sent has '-' in place of its delay and is skipped).
-- Returns how many sent jobs could not be found: a worker had taken them already.
--
-- The jobs are looked at last first. send-all.lua appended them to their ready lists in the call's order and
-- workers take from the head, so a job still there is found from the tail in a step or two (LREM -1), and once one
-- of a queue is missing, its earlier ones are looked for in one pass over the list instead of one pass each.
local queues = tonumber(ARGV[1])
local records = ARGV[2] == '1'
local missing = 0

-- The jobs, in the call's order: {kind, queue index, payload, ARGV index of a 'j' job's fields}.
local jobs = {}
local i = 8 + queues
local last = #ARGV
while i <= last do
  if ARGV[i] == 'p' then
    local q = tonumber(ARGV[i + 1])
    local n = tonumber(ARGV[i + 2])
    for k = i + 3, i + 2 + n do jobs[#jobs + 1] = { 'p', q, ARGV[k] } end
    i = i + 3 + n
  else
    if ARGV[i + 2] ~= '-' then jobs[#jobs + 1] = { 'j', tonumber(ARGV[i + 1]), ARGV[i + 6], i } end
    i = i + 11
  end
end

local removed = {}
-- Per queue, once a ready job was missing: the earlier ones to look for in one pass (payload -> true).
local later = {}
local function take_from_ready(q, payload)
  local ready = KEYS[(q - 1) * 3 + 1]
  if later[q] then
    later[q][payload] = true
    return nil
  end
  if redis.call('lrem', ready, -1, payload) == 1 then
    removed[q] = (removed[q] or 0) + 1
    return true
  end
  later[q] = {}
  return false
end

local function forget(job, found)
  if job[1] ~= 'j' then return end
  local at = job[4]
  local u = tonumber(ARGV[at + 3])
  if u > 0 and redis.call('get', KEYS[u]) == ARGV[at + 5] then redis.call('del', KEYS[u]) end
  if found and records then
    redis.call('del', KEYS[(job[2] - 1) * 3 + 1] .. ':records:job:' .. ARGV[at + 5])
  end
end

local pending = {}
for k = #jobs, 1, -1 do
  local job = jobs[k]
  if job[1] == 'j' and redis.call('zrem', KEYS[(job[2] - 1) * 3 + 2], job[3]) == 1 then
    forget(job, true)
  else
    local found = take_from_ready(job[2], job[3])
    if found == nil then
      pending[#pending + 1] = job
    else
      if not found then missing = missing + 1 end
      forget(job, found)
    end
  end
end

-- One pass over each list whose tail did not hold them all; the ones found there are removed from the head side.
local present = {}
for q, wanted in pairs(later) do
  local ready = KEYS[(q - 1) * 3 + 1]
  local here, order = {}, {}
  local size = redis.call('llen', ready)
  for s = 0, size - 1, 1000 do
    for _, payload in ipairs(redis.call('lrange', ready, s, s + 999)) do
      if wanted[payload] then
        here[payload] = true
        order[#order + 1] = payload
      end
    end
  end
  -- In list order, so each is found a short way from the head.
  for _, payload in ipairs(order) do redis.call('lrem', ready, 1, payload) end
  removed[q] = (removed[q] or 0) + #order
  present[q] = here
end
for _, job in ipairs(pending) do
  local found = present[job[2]][job[3]] == true
  if not found then missing = missing + 1 end
  forget(job, found)
end

for q, n in pairs(removed) do redis.call('lrem', KEYS[(q - 1) * 3 + 3], n, '1') end
return missing
