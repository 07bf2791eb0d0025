import { randomUUID } from 'node:crypto';
import { Job } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';

/** A string that only ever appears in job data: no log line may contain it. */
const MARKER = 'PRIVATE-DATA-7f3a9c';

let good = 0;
let thrown = 0;

@Job({ name: 'always-throws' })
class AlwaysThrows {
  handle(): void {
    thrown++;
    throw new Error('boom');
  }
}

@Job({ name: 'fine' })
class Fine {
  handle(): void {
    good++;
  }
}

/** A payload as our dispatcher writes it, with `fields` put over it (a hostile or broken writer). */
function payload(fields: Record<string, unknown>, uuid = randomUUID()): string {
  return JSON.stringify({ v: 1, uuid, job: 'always-throws', data: { secret: MARKER }, ...fields });
}

/** Everything the process prints while `work` runs (Nest's logger writes to stdout and stderr). */
async function captureOutput<T>(work: () => Promise<T>): Promise<{ result: T; output: string }> {
  let output = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output += chunk.toString();
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output += chunk.toString();
    return true;
  });
  try {
    return { result: await work(), output };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('payloads the dispatcher did not write', () => {
  let t: QueueTestApp;
  let ready: string;
  beforeEach(async () => {
    good = 0;
    thrown = 0;
    t = await createQueueApp([AlwaysThrows, Fine]);
    ready = `${t.prefix}queues:{default}`;
  });
  afterEach(() => t.close());

  const badFields: [field: string, fields: Record<string, unknown>][] = [
    ['attempts', { attempts: -5 }],
    ['maxTries', { maxTries: 'x' }],
    ['retryUntil', { retryUntil: 'soon' }],
    ['backoff', { backoff: 'abc', maxTries: 3 }],
    ['backoff[0]', { backoff: [-1], maxTries: 3 }],
    ['timeout', { timeout: 'long' }],
    ['maxExceptions', { maxExceptions: 1.5 }],
    ['failOnTimeout', { failOnTimeout: 'yes' }],
    ['delay', { delay: 'later' }],
    ['batchId', { batchId: 42 }],
    ['chain', { chain: 'next' }],
    ['chain[0].job', { chain: [{ data: {} }] }],
    ['chainCatch', { chainCatch: [] }],
    ['tags', { tags: 'a,b' }],
    ['encrypted', { encrypted: 'no' }],
    ['uniqueUntil', { uniqueKey: 'k', uniqueUntil: 'never' }],
    ['cause', { cause: 'x' }],
  ];

  it('fails each payload with a bad control field, in a failed record naming the field, and goes on working', async () => {
    const ids: Record<string, string> = {};
    for (const [field, fields] of badFields) {
      const uuid = randomUUID();
      ids[field] = uuid;
      await t.redis.rpush(ready, payload(fields, uuid));
    }
    await t.bus.dispatch(Fine, {} as never);

    // Bounded: before the checks, a payload with attempts -5 was released and run again forever.
    const reason = await t.worker.run({ stopWhenEmpty: true, sleep: 0, maxTime: 20 });

    expect(reason).toBe('empty');
    expect(good).toBe(1);
    expect(thrown).toBe(0);
    for (const [field] of badFields) {
      const record = await t.failed.find(ids[field]);
      expect({ field, exception: record?.exception.split('\n')[0] }).toEqual({
        field,
        exception: expect.stringContaining(`has a bad "${field}"`),
      });
      expect(record?.exception).toContain('InvalidPayloadError');
    }
    expect(await t.manager.connection().sizes('{default}')).toEqual({ ready: 0, delayed: 0, reserved: 0 });
  });

  it('logs an unreadable or refused payload by job, id, queue and attempt, never by its text or data', async () => {
    const unknownJob = randomUUID();
    const badField = randomUUID();
    await t.redis.rpush(ready, `{"v":1,"uuid":"${randomUUID()}","job":"fine","data":{"secret":"${MARKER}"`); // cut off: not JSON
    await t.redis.rpush(ready, `["${MARKER}"]`);
    await t.redis.rpush(ready, JSON.stringify({ v: 1, uuid: unknownJob, job: 'NoSuchJob', data: { secret: MARKER } }));
    await t.redis.rpush(ready, payload({ maxTries: 'x' }, badField));

    const { result, output } = await captureOutput(() => t.worker.run({ stopWhenEmpty: true, sleep: 0, maxTime: 20 }));

    expect(result).toBe('empty');
    expect(output).not.toContain(MARKER);
    const lines = output.split('\n').filter((l) => l.includes('could not be run'));
    expect(lines).toHaveLength(4);
    expect(lines.find((l) => l.includes(unknownJob))).toMatch(/job NoSuchJob, id [0-9a-f-]{36}, attempt 1\) on redis:default/);
    expect(lines.find((l) => l.includes(badField))).toMatch(/job always-throws, id [0-9a-f-]{36}, attempt 1\) on redis:default/);
    // The records keep the payload as it was, for inspection and retry.
    expect((await t.failed.find(unknownJob))?.payload).toContain(MARKER);
  });
});
