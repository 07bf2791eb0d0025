-- Shared by decrement-pending-jobs.lua and increment-failed-jobs.lua (prepended to each: see JOB_SPANS_PRELUDE in
-- lib/batches/redis-batch.repository.ts). A batch keeps the process spans of its jobs, for its callbacks' span
-- links, in the hash field jobSpans: entries of 52 characters (<trace id>-<span id>-<flags>, checked by the caller)
-- separated by one space, the first MAX recorded (MAX_TRACE_LINKS in lib/payload/payload.interface.ts).
local JS = {}
local MAX = 128
-- An entry and the space after it: the field's length + 1 is a whole number of these.
local ENTRY = 53

-- Adds args[from..#args] to the batch's jobSpans, as many as fit under MAX. The field's length says how many it
-- holds, so a batch that has all it keeps costs one HSTRLEN.
function JS.keep(key, args, from)
  if from > #args then
    return
  end
  local size = redis.call('HSTRLEN', key, 'jobSpans')
  local room = MAX - math.floor((size + 1) / ENTRY)
  if room <= 0 then
    return
  end
  local added = {}
  for i = from, math.min(#args, from + room - 1) do
    added[#added + 1] = args[i]
  end
  local joined = table.concat(added, ' ')
  if size > 0 then
    joined = redis.call('HGET', key, 'jobSpans') .. ' ' .. joined
  end
  redis.call('HSET', key, 'jobSpans', joined)
end
