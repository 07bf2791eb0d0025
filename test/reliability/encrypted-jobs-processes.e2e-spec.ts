import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { middlewareLists, OverlapJob, SecretJob } from '../fixtures/worker-process/middleware-fixture-jobs';
import type { QueueTestApp } from '../support/queue-app';
import { testRedisUrl, uniquePrefix, waitUntil } from '../support/test-redis';
import { createMiddlewareApp, newKey, records, startMiddlewareWorker } from './support/middleware-processes';
import type { WorkerProcess } from './support/worker-process';

const WORKERS = 3;
const run = promisify(execFile);

/** `redis-cli -h <host> -p <port> LRANGE <key> 0 -1`, the real binary, as an operator would look. */
async function redisCliLrange(url: string, key: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const { stdout } = await run('redis-cli', ['-h', hostname, '-p', port, 'LRANGE', key, '0', '-1']);
  return stdout;
}

/** A secret no one would write by chance. */
const secret = () => `4111-${randomBytes(6).toString('hex')}`;

describe('encrypted jobs across 3 worker processes', () => {
  const url = testRedisUrl();
  const oldKey = newKey();
  const currentKey = newKey();
  const prefix = uniquePrefix('encrypted-processes');
  const ready = `${prefix}queues:{default}`;
  let t: QueueTestApp;
  /** Senders holding other keys. */
  const apps: QueueTestApp[] = [];
  let workers: WorkerProcess[] = [];

  const seen = async () => (await records(t, 'secret')).map(([json]) => JSON.parse(json) as { card: string });
  const doneIds = () => t.redis.lrange(middlewareLists.done(prefix), 0, -1);
  const allDone = async (ids: string[]) => {
    const done = await doneIds();
    return ids.every((id) => done.includes(id));
  };

  beforeAll(async () => {
    t = await createMiddlewareApp(url, prefix, currentKey);
    // Every worker has the current key and, after a rotation, the old one.
    workers = await Promise.all(
      Array.from({ length: WORKERS }, () =>
        startMiddlewareWorker({ redisUrl: url, prefix, worker: { concurrency: 2, sleep: 0.05, tries: 1 } }, { key: currentKey, previousKeys: [oldKey] }),
      ),
    );
  });
  beforeEach(() => t.redis.del(middlewareLists.secret(prefix)));
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    for (const app of apps) await app.close();
    await t?.close();
  });

  it('redis-cli LRANGE shows no plaintext of an encrypted job (it does of a plain one), and a worker process with the key runs it with its data intact', async () => {
    const card = secret();
    // Parked on a queue no worker serves while we look; then handed to theirs.
    const id = (await t.bus.dispatch(SecretJob, { card }).onQueue('parked')) as string;
    // Control: the same text in a plain job's data is readable through redis-cli.
    await t.bus.dispatch(OverlapJob, { key: card, ms: 0 }).onQueue('control');

    const queued = await redisCliLrange(url, `${prefix}queues:{parked}`);
    const control = await redisCliLrange(url, `${prefix}queues:{control}`);
    process.stdout.write(`redis-cli LRANGE of the encrypted job (${queued.length} bytes): ${queued.trim().slice(0, 160)}...\n`);
    expect(queued).toContain(id);
    expect(queued).toContain('"encrypted":true');
    expect(queued).not.toContain(card);
    expect(queued).not.toContain('"card"');
    expect(control).toContain(card);

    expect(await t.redis.lmove(`${prefix}queues:{parked}`, ready, 'LEFT', 'RIGHT')).toContain(id);
    await waitUntil(() => allDone([id]), 'a worker process to run the encrypted job');
    expect(await seen()).toEqual([{ card }]);
    expect(await t.failed.find(id)).toBeNull();
  });

  it('after a key rotation, workers with previousKeys run jobs encrypted under the old key and under the new one', async () => {
    const oldSender = await createMiddlewareApp(url, prefix, oldKey);
    apps.push(oldSender);
    const cards = [secret(), secret(), secret()];
    const ids = [
      (await oldSender.bus.dispatch(SecretJob, { card: cards[0] })) as string,
      (await oldSender.bus.dispatch(SecretJob, { card: cards[1] })) as string,
      (await t.bus.dispatch(SecretJob, { card: cards[2] })) as string,
    ];

    await waitUntil(() => allDone(ids), 'the old-key and new-key jobs to run');
    expect((await seen()).map((d) => d.card).sort()).toEqual([...cards].sort());
    for (const id of ids) expect(await t.failed.find(id)).toBeNull();
  });

  it('a tampered payload, or one under a key no worker has, becomes a failed record saying it could not be decrypted; its handler never runs and the workers go on', async () => {
    const parked = `${prefix}queues:{parked}`;
    const tampered = (await t.bus.dispatch(SecretJob, { card: secret() }).onQueue('parked')) as string;
    const raw = (await t.redis.lindex(parked, 0)) as string;
    const data = (JSON.parse(raw) as { data: string }).data;
    // Byte 30 of iv (12) + tag (16) + ciphertext: inside the ciphertext.
    const at = 40;
    const flipped = data.slice(0, at) + (data[at] === 'A' ? 'B' : 'A') + data.slice(at + 1);
    expect(await t.redis.lset(parked, 0, raw.replace(data, flipped))).toBe('OK');
    expect(await t.redis.lmove(parked, ready, 'LEFT', 'RIGHT')).toContain(tampered);

    const stranger = await createMiddlewareApp(url, prefix, newKey());
    apps.push(stranger);
    const foreign = (await stranger.bus.dispatch(SecretJob, { card: secret() })) as string;
    const card = secret();
    const good = (await t.bus.dispatch(SecretJob, { card })) as string;

    await waitUntil(async () => (await allDone([good])) && (await t.failed.ids()).length === 2, 'two failed records and the good job', 15000);

    for (const id of [tampered, foreign]) {
      const record = await t.failed.find(id);
      expect(record?.exception).toContain('The data of mw-secret could not be decrypted: it was tampered with, or was encrypted with a key this worker does not have.');
    }
    process.stdout.write(`failed record of the tampered job: ${(await t.failed.find(tampered))?.exception.split('\n')[0]}\n`);
    expect(await seen()).toEqual([{ card }]);
    expect(await t.redis.llen(ready)).toBe(0);
  });
});
