-- Records one failed job, replacing any record with the same id (log is idempotent on id).
-- KEYS[1] the record's hash, KEYS[2] the index sorted set (score = failedAt in ms)
-- ARGV[1] id, ARGV[2] connection, ARGV[3] queue, ARGV[4] payload, ARGV[5] exception, ARGV[6] failedAt ms
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1],
  'id', ARGV[1], 'connection', ARGV[2], 'queue', ARGV[3],
  'payload', ARGV[4], 'exception', ARGV[5], 'failed_at', ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
return 1
