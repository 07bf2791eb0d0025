import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Job, JobContext, QueueModuleOptions, job } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { createTestDatabase, TestDatabase } from '../support/sql-databases';

/** Only ever in the data of encrypted jobs: it must never be readable where jobs and batches rest. */
const MARKER = 'PIN-CONFIDENTIAL-4417';
const keyBytes = randomBytes(32);
const key = `base64:${keyBytes.toString('base64')}`;
const ran: string[] = [];

@Job({ name: 'plain' })
class Plain {
  handle(data: { n: number }): void {
    ran.push(`plain ${data.n}`);
  }
}

@Job({ name: 'secret', encrypted: true })
class Secret {
  handle(data: { pin: string }, ctx: JobContext): void {
    ran.push(`secret ${data.pin}${ctx.batchId ? ' (batch)' : ''}`);
  }
}

@Job({ name: 'other-secret', encrypted: true })
class OtherSecret {
  handle(data: { pin: string }): void {
    ran.push(`other ${data.pin}`);
  }
}

const jobs = [Plain, Secret, OtherSecret];

describe('encrypted job data is encrypted wherever it rests', () => {
  let t: QueueTestApp;
  let ready: string;
  const start = async (options: QueueModuleOptions = {}) => {
    t = await createQueueApp(jobs, { key, ...options });
    ready = `${t.prefix}queues:{default}`;
  };
  beforeEach(() => void (ran.length = 0));
  afterEach(() => t.close());

  it('keeps it encrypted as the next link inside another job\'s chain, and runs it', async () => {
    await start();
    await t.bus.chain([job(Plain, { n: 1 }), job(Secret, { pin: MARKER })]).catch(job(Secret, { pin: `${MARKER}-catch` })).dispatch();

    const [first] = await t.redis.lrange(ready, 0, -1);
    expect(first).not.toContain(MARKER);
    expect(JSON.parse(first).chain[0]).toMatchObject({ job: 'secret', encrypted: true });

    await t.worker.run({ once: true, sleep: 0 });
    const [next] = await t.redis.lrange(ready, 0, -1);
    expect(next).not.toContain(MARKER);
    expect(JSON.parse(next)).toMatchObject({ job: 'secret', encrypted: true, v: 2 });

    expect(await t.worker.run({ stopWhenEmpty: true, sleep: 0, maxTime: 20 })).toBe('empty');
    expect(ran).toEqual(['plain 1', `secret ${MARKER}`]);
  });

  it('keeps a batch\'s then, catch and finally callbacks encrypted in the Redis batch record', async () => {
    await start();
    const batch = await t.bus
      .batch([job(Plain, { n: 1 })])
      .then(job(Secret, { pin: MARKER }))
      .catch(job(Secret, { pin: `${MARKER}-catch` }))
      .finally(job(Secret, { pin: `${MARKER}-finally` }))
      .dispatch();

    const record = await t.redis.hgetall(`${t.prefix}{batches}:batch:${batch.id}`);
    expect(record.options).toBeDefined();
    expect(JSON.stringify(record)).not.toContain(MARKER);

    expect(await t.worker.run({ stopWhenEmpty: true, sleep: 0, maxTime: 20 })).toBe('empty');
    expect(ran.sort()).toEqual(['plain 1', `secret ${MARKER} (batch)`, `secret ${MARKER}-finally (batch)`]);
  });

  describe('in a SQL batch repository', () => {
    let database: TestDatabase;
    beforeEach(async () => {
      database = await createTestDatabase('sqlite');
    });
    afterEach(() => database.drop());

    it('keeps the callbacks encrypted in the batch row', async () => {
      await start({ batching: { driver: 'database', database: 'batches' }, databases: { batches: database.options } });
      await t.bus.batch([job(Plain, { n: 1 })]).then(job(Secret, { pin: MARKER })).dispatch();

      const file = (database.options.connection as { filename: string }).filename;
      const dir = dirname(file);
      const bytes = readdirSync(dir).map((name) => readFileSync(join(dir, name)).toString('latin1')).join('');
      expect(bytes.length).toBeGreaterThan(0);
      expect(bytes).not.toContain(MARKER);

      expect(await t.worker.run({ stopWhenEmpty: true, sleep: 0, maxTime: 20 })).toBe('empty');
      expect(ran.sort()).toEqual(['plain 1', `secret ${MARKER} (batch)`]);
    });
  });
});

describe('encrypted job data is bound to its job', () => {
  let t: QueueTestApp;
  let ready: string;
  beforeEach(async () => {
    ran.length = 0;
    t = await createQueueApp(jobs, { key });
    ready = `${t.prefix}queues:{default}`;
  });
  afterEach(() => t.close());

  it('refuses ciphertext copied into another job\'s payload, of another class or of the same class', async () => {
    const original = (await t.bus.dispatch(Secret, { pin: MARKER })) as string;
    const otherClass = (await t.bus.dispatch(OtherSecret, { pin: 'o' })) as string;
    const sameClass = (await t.bus.dispatch(Secret, { pin: 's' })) as string;
    const raw = await t.redis.lrange(ready, 0, -1);
    const stolen = JSON.parse(raw[0]).data as string;
    for (const index of [1, 2]) {
      const victim = JSON.parse(raw[index]);
      await t.redis.lset(ready, index, JSON.stringify({ ...victim, data: stolen }));
    }

    expect(await t.worker.run({ stopWhenEmpty: true, sleep: 0, maxTime: 20 })).toBe('empty');

    expect(ran).toEqual([`secret ${MARKER}`]);
    for (const id of [otherClass, sameClass]) {
      expect((await t.failed.find(id))?.exception).toContain('could not be decrypted');
    }
    expect(await t.failed.find(original)).toBeNull();
  });

  it('refuses plain data for a job declared encrypted, as a payload and as a chain link', async () => {
    const payload = randomUUID();
    const carrier = randomUUID();
    await t.redis.rpush(ready, JSON.stringify({ v: 1, uuid: payload, job: 'secret', data: { pin: 'attacker' } }));
    await t.redis.rpush(ready, JSON.stringify({ v: 1, uuid: carrier, job: 'plain', data: { n: 9 }, chain: [{ job: 'secret', data: { pin: 'attacker' } }] }));

    expect(await t.worker.run({ stopWhenEmpty: true, sleep: 0, maxTime: 20 })).toBe('empty');

    expect(ran).toEqual([]);
    expect((await t.failed.find(payload))?.exception).toContain('is an encrypted job, but the data of this payload is plain text');
    expect((await t.failed.find(carrier))?.exception).toContain('chain link for the encrypted job secret whose data is plain text');
  });

  it('refuses ciphertext written by the earlier, unbound format, saying why', async () => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keyBytes, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify({ pin: 'old' }), 'utf8'), cipher.final()]);
    const data = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    const id = randomUUID();
    await t.redis.rpush(ready, JSON.stringify({ v: 1, uuid: id, job: 'secret', data, encrypted: true }));

    expect(await t.worker.run({ stopWhenEmpty: true, sleep: 0, maxTime: 20 })).toBe('empty');

    expect(ran).toEqual([]);
    expect((await t.failed.find(id))?.exception).toContain('encrypted by an earlier nestjs-queue');
  });
});
