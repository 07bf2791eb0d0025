import { randomBytes, randomUUID } from 'node:crypto';
import { FailedJobRecord, Job, JobContext, JobFailed, PayloadTooLargeError } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { uniquePrefix } from '../support/test-redis';

const handled: string[] = [];

@Job({ name: 'good' })
class GoodJob {
  handle(data: { n: number }): void {
    handled.push(`good ${data.n}`);
  }
}

@Job({ name: 'secret', encrypted: true })
class SecretJob {
  handle(data: { pin: string }): void {
    handled.push(`secret ${data.pin}`);
  }
}

@Job({ name: 'big' })
class BigJob {
  handle(_data: { text: string }, _job: JobContext): void {
    handled.push('big');
  }
}

const keyA = `base64:${randomBytes(32).toString('base64')}`;
const keyB = randomBytes(32).toString('hex');

describe('bad input', () => {
  let t: QueueTestApp;
  let ready: string;
  beforeEach(async () => {
    handled.length = 0;
    t = await createQueueApp([GoodJob, SecretJob, BigJob], { key: keyA, maxPayloadBytes: 2048 });
    ready = `${t.prefix}queues:{default}`;
  });
  afterEach(() => t.close());

  it('turns garbage, an unknown version, an unknown job and undecryptable data into failed records that say so; the worker goes on', async () => {
    const v99 = randomUUID();
    const unknown = randomUUID();
    const good = async (n: number) => t.bus.dispatch(GoodJob, { n });
    await t.redis.rpush(ready, 'this is not a job {');
    await good(1);
    await t.redis.rpush(ready, JSON.stringify({ v: 99, attempts: 0, uuid: v99, job: 'good', data: { n: 99 } }));
    await good(2);
    await t.redis.rpush(ready, JSON.stringify({ v: 1, attempts: 0, uuid: unknown, job: 'NoSuchJob', data: {} }));
    await good(3);
    // Encrypted by a sender holding another key than the worker's.
    const sender = await createQueueApp([GoodJob, SecretJob, BigJob], { key: keyB, prefix: t.prefix });
    const secret = (await sender.bus.dispatch(SecretJob, { pin: '1234' })) as string;
    await sender.app.close();
    sender.redis.disconnect();
    await good(4);
    const failedEvents: string[] = [];
    t.events.on(JobFailed, (e) => void failedEvents.push(e.job.id));

    expect(await t.worker.run({ stopWhenEmpty: true, sleep: 0 })).toBe('empty');

    expect(handled).toEqual(['good 1', 'good 2', 'good 3', 'good 4']);
    const records = await t.failed.all();
    expect(records).toHaveLength(4);
    const byPayload = (match: (payload: string) => boolean): FailedJobRecord => {
      const found = records.find((r) => match(r.payload));
      if (!found) throw new Error(`no failed record matched; records: ${JSON.stringify(records, null, 2)}`);
      return found;
    };
    const garbage = byPayload((p) => p === 'this is not a job {');
    expect(garbage.exception).toContain('InvalidPayloadError');
    expect(garbage.exception).toContain('not valid JSON');
    expect(garbage.queue).toBe('default');
    expect(byPayload((p) => p.includes(v99)).exception).toContain('version 99, newer than this worker understands');
    expect((await t.failed.find(v99))?.id).toBe(v99);
    expect((await t.failed.find(unknown))?.exception).toContain('No job named "NoSuchJob" is registered');
    expect((await t.failed.find(secret))?.exception).toContain('could not be decrypted');
    expect(failedEvents.sort()).toEqual([garbage.id, v99, unknown, secret].sort());
    expect(await t.manager.connection().sizes('{default}')).toEqual({ ready: 0, delayed: 0, reserved: 0 });
  });

  it('a job encrypted with the worker key runs (the failure above is the key, not encryption)', async () => {
    await t.bus.dispatch(SecretJob, { pin: 'PIN-4711-PLAINTEXT' });
    const raw = (await t.redis.lrange(ready, 0, -1))[0];
    expect(raw).not.toContain('PIN-4711');
    await t.worker.run({ stopWhenEmpty: true, sleep: 0 });
    expect(handled).toEqual(['secret PIN-4711-PLAINTEXT']);
  });

  it('refuses a payload over maxPayloadBytes at dispatch, saying what to do; nothing reaches Redis', async () => {
    const dispatch = t.bus.dispatch(BigJob, { text: 'x'.repeat(4000) });
    await expect(dispatch).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(t.bus.dispatch(BigJob, { text: 'x'.repeat(4000) })).rejects.toThrow(
      /The payload of big is \d+ bytes, over the limit of 2048 bytes\. Store large data elsewhere and pass a reference, or raise maxPayloadBytes/,
    );
    expect(await t.manager.connection().size('{default}')).toBe(0);
    expect(await t.bus.dispatch(BigJob, { text: 'x'.repeat(1000) })).toEqual(expect.any(String));
    expect(await t.manager.connection().size('{default}')).toBe(1);
  });
});
