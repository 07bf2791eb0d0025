/**
 * The watchdog's thread, as plain JavaScript run with `new Worker(source, { eval: true })`: it needs no compiler
 * wherever it runs (dist, ts-node, Jest). It has its own connection (Redis, or the queue database through knex) and its own event loop, so a handler
 * that blocks the main thread cannot stop it.
 *
 * The jobs in hand are read from shared memory the main thread writes (see watchdog.ts: one slot per concurrency
 * slot of a loop; a slot's `seq` is odd while it holds a job), so taking and finishing a job costs the main thread
 * no message. A payload too big for its slot comes by message instead.
 *
 * workerData: { store, exitCode, pongWaitMs, tickMs }, store one of
 *   { kind: 'redis', ioredis: path, server: ioredis options, cluster: nodes|null, extendSha, extendSource }
 *   { kind: 'database', knex: path, config: knex configuration, extendSql } (a job's name in its slot: 'id:attempts')
 * Main → thread: { t: 'loop', loop, seqs, times, bytes, cap, keys, retryAfter } | { t: 'unloop', loop }
 *              | { t: 'big', loop, slot, seq, raw } | { t: 'pong', seq } | { t: 'close' }
 * Thread → main: { t: 'ready' } | { t: 'lost', loop, slot, seq } | { t: 'ping', seq } | { t: 'error', message }
 *
 * Every beat (half of retryAfter) the reservations in hand are extended. When a job is past its deadline (timeout +
 * grace) the thread asks the main thread whether it is alive; if no answer comes within pongWaitMs, the main thread
 * is blocked: the thread writes one line to stderr and ends the process with exitCode (through the inspector, which
 * interrupts running JavaScript; SIGKILL if even that fails), so the job's reservation lapses after retryAfter.
 */
export const WATCHDOG_THREAD_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const store = workerData.store;

// extendAll(key, retryAfter, names) extends the reservations named (Redis: the payloads as reserved; database:
// 'id:attempts') and resolves to the names of those already gone; closeStore() ends the connection.
let extendAll;
let closeStore;
// warmStore() gets the store ready for a first extension soon (database: knex loaded, a connection open).
let warmStore;
if (store.kind === 'redis') {
  const IORedis = require(store.ioredis);
  const Redis = IORedis.default || IORedis;
  const { url, ...server } = store.server;
  const options = Object.assign({ maxRetriesPerRequest: 1, connectTimeout: 5000, commandTimeout: 5000 }, server, { connectionName: 'nestjs-queue:watchdog' });
  const redis = store.cluster
    ? new IORedis.Cluster(store.cluster, { redisOptions: options })
    : typeof url === 'string' ? new Redis(url, options) : new Redis(options);
  redis.on('error', () => {});
  extendAll = async (key, retryAfter, names) => {
    const args = [retryAfter].concat(names);
    try {
      return await redis.evalsha(store.extendSha, 1, key, ...args);
    } catch (error) {
      if (!(error && String(error.message).startsWith('NOSCRIPT'))) throw error;
      return redis.eval(store.extendSource, 1, key, ...args);
    }
  };
  closeStore = () => redis.disconnect();
  warmStore = () => {};
} else {
  // knex is loaded when the thread first sees a job in hand (warmStore), not at start: a worker's start waits for
  // this thread to be ready.
  let db = null;
  const open = () => {
    if (!db) {
      const loaded = require(store.knex);
      db = (loaded.knex || loaded.default || loaded)(Object.assign({}, store.config, { pool: { min: 0, max: 1 }, acquireConnectionTimeout: 5000 }));
    }
    return db;
  };
  // Rows changed by an UPDATE, as knex.raw resolves it on better-sqlite3, pg and mysql2.
  const changed = (r) => (r && typeof r.changes === 'number' ? r.changes : r && typeof r.rowCount === 'number' ? r.rowCount : Array.isArray(r) && r[0] ? r[0].affectedRows : 0);
  extendAll = async (key, retryAfter, names) => {
    const leaseUntil = Date.now() + Math.round(retryAfter * 1000);
    const gone = [];
    for (const name of names) {
      const at = name.lastIndexOf(':');
      const result = await open().raw(store.extendSql, [leaseUntil, name.slice(0, at), Number(name.slice(at + 1))]);
      if (changed(result) !== 1) gone.push(name);
    }
    return gone;
  };
  closeStore = () => (db ? db.destroy() : undefined);
  // Loading knex and opening its connection can take seconds on a loaded machine: begun when the thread first sees a
  // job in hand, so the first extension (half a retryAfter in) does not wait for it and the lease cannot lapse then.
  let warming = null;
  warmStore = () => {
    if (warming) return;
    warming = Promise.resolve()
      .then(() => open().raw('select 1'))
      .catch(() => {
        warming = null; // tried again with the next job; an extension reports its own error
      });
  };
}

const loops = new Map();
const big = new Map();
let ping = null;
let pingSeq = 0;
let ending = false;

function read(loop, slot) {
  const seq = Atomics.load(loop.seqs, slot * 2);
  const known = loop.held[slot];
  if ((seq & 1) === 0) {
    loop.held[slot] = null;
    return;
  }
  if (known && known.seq === seq) return;
  const len = Atomics.load(loop.seqs, slot * 2 + 1);
  let raw;
  if (len < 0) {
    raw = big.get(loop.id + ':' + slot + ':' + seq);
    if (raw === undefined) return; // its message has not arrived yet
  } else {
    raw = Buffer.from(loop.bytes.buffer, slot * loop.cap, len).toString('utf8');
  }
  const since = Date.now(); // first seen: at most a tick after the job was taken
  const deadline = loop.times[slot * 2 + 1];
  const queue = Atomics.load(loop.queues, slot);
  if (Atomics.load(loop.seqs, slot * 2) !== seq) return; // rewritten meanwhile: read it next tick
  loop.held[slot] = { seq, raw, since, deadline, key: loop.keys[queue], queue: loop.names[queue], nextBeat: since + loop.retryAfter * 500 };
  warmStore();
}

async function extend(key, retryAfter, jobs) {
  const gone = await extendAll(key, retryAfter, jobs.map((j) => j.job.raw));
  if (gone.length === 0) return;
  const set = new Set(gone);
  for (const j of jobs) if (set.has(j.job.raw)) parentPort.postMessage({ t: 'lost', loop: j.loop.id, slot: j.slot, seq: j.job.seq });
}

function tick() {
  const now = Date.now();
  let overdue = null;
  for (const loop of loops.values()) {
    const due = new Map();
    for (let slot = 0; slot < loop.held.length; slot++) {
      read(loop, slot);
      const job = loop.held[slot];
      if (!job) continue;
      if (now >= job.nextBeat) {
        job.nextBeat = now + loop.retryAfter * 500;
        const list = due.get(job.key) || [];
        list.push({ loop, slot, job });
        due.set(job.key, list);
      }
      if (job.deadline > 0 && now > job.deadline && (!overdue || job.deadline < overdue.deadline)) overdue = job;
    }
    for (const [key, jobs] of due) {
      extend(key, loop.retryAfter, jobs).catch((error) => parentPort.postMessage({ t: 'error', message: String(error && error.message) }));
    }
  }
  if (!overdue) {
    ping = null;
    return;
  }
  if (ping === null) {
    ping = { seq: ++pingSeq, at: now };
    parentPort.postMessage({ t: 'ping', seq: ping.seq });
  } else if (now - ping.at > workerData.pongWaitMs) {
    end(overdue, now);
  }
}

function end(job, now) {
  if (ending) return;
  ending = true;
  const over = ((now - job.since) / 1000).toFixed(1);
  const queue = job.queue;
  try {
    fs.writeSync(2, 'nestjs-queue watchdog: a ' + queue + ' job has run ' + over + ' s, past its timeout and grace, and the ' +
      'worker has not answered for ' + (workerData.pongWaitMs / 1000) + ' s (a handler is blocking its event loop): ending the ' +
      'process with exit code ' + workerData.exitCode + '. The job returns to its queue after retryAfter.\\n');
  } catch (e) {}
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), 3000);
  try {
    const { Session } = require('node:inspector');
    const session = new Session();
    session.connectToMainThread();
    session.post('Runtime.evaluate', { expression: 'process.exit(' + Number(workerData.exitCode) + ')' });
  } catch (e) {
    process.kill(process.pid, 'SIGKILL');
  }
}

setInterval(tick, workerData.tickMs);

parentPort.on('message', (m) => {
  if (m.t === 'loop') {
    const slots = m.seqs.length / 2;
    loops.set(m.loop, { id: m.loop, seqs: m.seqs, times: m.times, queues: m.queues, bytes: m.bytes, cap: m.cap, keys: m.keys, names: m.names,
      retryAfter: m.retryAfter, held: new Array(slots).fill(null) });
  } else if (m.t === 'unloop') {
    loops.delete(m.loop);
    for (const k of [...big.keys()]) if (k.startsWith(m.loop + ':')) big.delete(k);
  } else if (m.t === 'big') {
    for (const k of [...big.keys()]) if (k.startsWith(m.loop + ':' + m.slot + ':')) big.delete(k);
    big.set(m.loop + ':' + m.slot + ':' + m.seq, m.raw);
  } else if (m.t === 'pong') {
    if (ping && ping.seq === m.seq) ping = null;
  } else if (m.t === 'close') {
    loops.clear();
    Promise.resolve()
      .then(() => closeStore())
      .catch(() => {})
      .then(() => process.exit(0));
  }
});
parentPort.postMessage({ t: 'ready' });
`;
