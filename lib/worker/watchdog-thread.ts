/**
 * The watchdog's thread, as plain JavaScript run with `new Worker(source, { eval: true })`: it needs no compiler
 * wherever it runs (dist, ts-node, Jest). It has its own Redis connection and its own event loop, so a handler
 * that blocks the main thread cannot stop it.
 *
 * workerData: { ioredis: path, server: ioredis options, cluster: nodes|null, extendSha, extendSource,
 *               exitCode, pongWaitMs, tickMs }
 * Main → thread: { t: 'hold', id, key, raw, queue, retryAfter, since, deadline } | { t: 'drop', id } | { t: 'pong', seq } | { t: 'close' }
 * Thread → main: { t: 'ready' } | { t: 'lost', ids } | { t: 'ping', seq } | { t: 'error', message }
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
const IORedis = require(workerData.ioredis);
const Redis = IORedis.default || IORedis;
const { url, ...server } = workerData.server;
const options = Object.assign({ maxRetriesPerRequest: 1, connectTimeout: 5000, commandTimeout: 5000 }, server, { connectionName: 'nestjs-queue:watchdog' });
const redis = workerData.cluster
  ? new IORedis.Cluster(workerData.cluster, { redisOptions: options })
  : typeof url === 'string' ? new Redis(url, options) : new Redis(options);
redis.on('error', () => {});
parentPort.postMessage({ t: 'ready' });

const held = new Map();
let timer = null;
let ping = null;
let seq = 0;
let ending = false;

function schedule() {
  if (timer === null && held.size > 0) timer = setInterval(tick, workerData.tickMs);
  if (timer !== null && held.size === 0) {
    clearInterval(timer);
    timer = null;
    ping = null;
  }
}

async function extend(key, jobs) {
  const args = [jobs[0].retryAfter].concat(jobs.map((j) => j.raw));
  let gone;
  try {
    gone = await redis.evalsha(workerData.extendSha, 1, key, ...args);
  } catch (error) {
    if (!(error && String(error.message).startsWith('NOSCRIPT'))) throw error;
    gone = await redis.eval(workerData.extendSource, 1, key, ...args);
  }
  if (gone.length === 0) return;
  const set = new Set(gone);
  const ids = jobs.filter((j) => set.has(j.raw) && held.get(j.id) === j).map((j) => j.id);
  if (ids.length) parentPort.postMessage({ t: 'lost', ids });
}

function tick() {
  const now = Date.now();
  const due = new Map();
  let overdue = null;
  for (const job of held.values()) {
    if (now >= job.nextBeat) {
      job.nextBeat = now + job.retryAfter * 500;
      const list = due.get(job.key) || [];
      list.push(job);
      due.set(job.key, list);
    }
    if (job.deadline > 0 && now > job.deadline && (!overdue || job.deadline < overdue.deadline)) overdue = job;
  }
  for (const [key, jobs] of due) {
    extend(key, jobs).catch((error) => parentPort.postMessage({ t: 'error', message: String(error && error.message) }));
  }
  if (!overdue) {
    ping = null;
    return;
  }
  if (ping === null) {
    ping = { seq: ++seq, at: now };
    parentPort.postMessage({ t: 'ping', seq: ping.seq });
  } else if (now - ping.at > workerData.pongWaitMs) {
    end(overdue, now);
  }
}

function end(job, now) {
  if (ending) return;
  ending = true;
  const over = ((now - job.started) / 1000).toFixed(1);
  try {
    fs.writeSync(2, 'nestjs-queue watchdog: a ' + job.queue + ' job has run ' + over + ' s, past its timeout and grace, and the ' +
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

parentPort.on('message', (m) => {
  if (m.t === 'hold') {
    held.set(m.id, { id: m.id, key: m.key, raw: m.raw, queue: m.queue, retryAfter: m.retryAfter, deadline: m.deadline,
      started: m.since, nextBeat: m.since + m.retryAfter * 500 });
    schedule();
  } else if (m.t === 'drop') {
    held.delete(m.id);
    schedule();
  } else if (m.t === 'pong') {
    if (ping && ping.seq === m.seq) ping = null;
  } else if (m.t === 'close') {
    held.clear();
    schedule();
    redis.disconnect();
    parentPort.close();
  }
});
`;
