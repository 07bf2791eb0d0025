-- Shared by failed-forget.lua and failed-records-prune.lua (prepended to each: see FAILED_RECORDS_PRELUDE in
-- lib/failed/failed-job-records.ts). The dashboard's record of a failed job (layout in
-- lib/drivers/redis/job-record-keys.ts) is a field of the queue's data hash, or a `job:<id>` string for a job with a
-- monitored tag: its fields as JSON, a newline, its payload.
local FR = {}

-- The record's fields and payload, or nil.
local function split(text)
  local nl = text and string.find(text, '\n', 1, true)
  if not nl then return nil end
  local ok, meta = pcall(cjson.decode, string.sub(text, 1, nl - 1))
  if not ok or type(meta) ~= 'table' then return nil end
  return meta, string.sub(text, nl + 1)
end

-- A failed record's tags: its fields hold them as JSON text (the worker writes them for every failed job); else the
-- payload's own list.
local function tags_of(meta, payload)
  local json = meta.tags
  if type(json) ~= 'string' or json == '' then
    local ok, job = pcall(cjson.decode, payload)
    if ok and type(job) == 'table' and type(job.tags) == 'table' then return job.tags end
    return {}
  end
  local ok, tags = pcall(cjson.decode, json)
  if ok and type(tags) == 'table' then return tags end
  return {}
end

-- Removes the record of `id` (in `data`, the queue's data hash, or its `job:<id>` string) and its entries in the
-- failed lists of its tags, when the record says failed (a retried job's record, waiting or running again, stays).
function FR.forget_record(base, data, id)
  local record = base .. 'job:' .. id
  local in_hash = true
  local text = redis.call('HGET', data, id)
  if not text then
    in_hash = false
    text = redis.call('GET', record)
  end
  local meta, payload = split(text)
  if not (meta and meta.status == 'failed') then return end
  for _, tag in ipairs(tags_of(meta, payload)) do
    if type(tag) == 'string' then redis.call('ZREM', base .. 'failed-tag:' .. tag, id) end
  end
  if in_hash then redis.call('HDEL', data, id) else redis.call('DEL', record) end
end
