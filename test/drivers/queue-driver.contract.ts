import { randomUUID } from 'node:crypto';
import type { QueueDriver, ReservedJob } from '../../lib/drivers/queue-driver.interface';
import { uniquePrefix, waitUntil } from '../support/test-redis';

/**
 * Makes a driver under `prefix` (a prefix of its own per test: the factory's owner deletes its keys after the
 * file), with the given retryAfter. The contract closes every driver it made after the file.
 */
export type QueueDriverFactory = (options: { retryAfter: number; prefix: string }) => Promise<QueueDriver>;

/** A payload as the dispatcher writes it: the `{"v":N,"attempts":N` head the reserve script rewrites. */
export function payload(label: string, attempts = 0): string {
  return `{"v":1,"attempts":${attempts},"uuid":"${randomUUID()}","job":"Contract","data":{"label":"${label}"}}`;
}

const labelOf = (raw: string): string => (JSON.parse(raw) as { data: { label: string } }).data.label;
const attemptsOf = (raw: string): number => (JSON.parse(raw) as { attempts: number }).attempts;
const uuidOf = (raw: string): string => (JSON.parse(raw) as { uuid: string }).uuid;

/**
 * The behaviour every QueueDriver shares (lib/drivers/queue-driver.interface.ts). `queues` names the queues
 * the cases use, in priority order: on a cluster pass names that live on different masters (the object may be
 * filled in by a beforeAll of the caller).
 */
export function describeQueueDriverContract(label: string, make: QueueDriverFactory, queues: { high: string; low: string; other: string }): void {
  describe(`${label}: QueueDriver contract`, () => {
    const made: QueueDriver[] = [];
    let lastPrefix = '';
    const fresh = async (retryAfter = 60, prefix = (lastPrefix = uniquePrefix('driver'))): Promise<QueueDriver> => {
      const driver = await make({ retryAfter, prefix });
      made.push(driver);
      return driver;
    };
    // Read when the tests start: a cluster's file picks its queue names in its own beforeAll.
    let high = '';
    let low = '';
    let other = '';
    beforeAll(() => {
      ({ high, low, other } = queues);
      if (!high || !low || !other) throw new Error('the contract needs three queue names');
    });

    afterAll(async () => {
      await Promise.all(made.map((d) => d.close()));
    });

    it('push then pop hands the job out once with its attempts raised, and counts it as reserved', async () => {
      const driver = await fresh();
      const raw = payload('one');
      await driver.push(high, raw);
      expect(await driver.sizes(high)).toEqual({ ready: 1, delayed: 0, reserved: 0 });

      const [job, ...more] = await driver.pop([high], 5);
      expect(more).toEqual([]);
      expect(job.queue).toBe(high);
      expect(uuidOf(job.raw)).toBe(uuidOf(raw));
      expect(attemptsOf(job.raw)).toBe(1);
      expect(await driver.sizes(high)).toEqual({ ready: 0, delayed: 0, reserved: 1 });
      expect(await driver.pop([high], 1)).toEqual([]);
    });

    it('pushMany keeps the order of the payloads, and pop takes them first in, first out', async () => {
      const driver = await fresh();
      await driver.pushMany(high, ['a', 'b', 'c', 'd'].map((l) => payload(l)));
      const first = await driver.pop([high], 3);
      const second = await driver.pop([high], 3);
      expect([...first, ...second].map((j) => labelOf(j.raw))).toEqual(['a', 'b', 'c', 'd']);
      expect(await driver.size(high)).toBe(4);
    });

    it('concurrent pushes in one tick all arrive, each exactly once', async () => {
      const driver = await fresh();
      const labels = Array.from({ length: 50 }, (_, i) => `c${i}`);
      await Promise.all(labels.map((l) => driver.push(high, payload(l))));
      const popped = await driver.pop([high], 100);
      expect(popped.map((j) => labelOf(j.raw)).sort()).toEqual([...labels].sort());
    });

    it('concurrent pops in one tick (a worker\'s slots) hand each job to one pop only, acks included', async () => {
      const driver = await fresh();
      const labels = Array.from({ length: 20 }, (_, i) => `p${i}`);
      await driver.pushMany(high, labels.map((l) => payload(l)));
      const first = await Promise.all(Array.from({ length: 5 }, () => driver.pop([high], 2)));
      expect(first.every((jobs) => jobs.length === 2)).toBe(true);
      // Each slot acks its last job and takes the next ones, all in the same tick.
      const second = await Promise.all(first.map((jobs) => driver.pop([high], 3, jobs[1])));
      const all = [...first.flat(), ...second.flat()].map((j) => labelOf(j.raw));
      expect(all.sort()).toEqual([...labels].sort());
      expect(await driver.sizes(high)).toEqual({ ready: 0, delayed: 0, reserved: 15 });
    });

    it('later holds a job back until its delay has passed', async () => {
      const driver = await fresh();
      await driver.later(high, payload('late'), 0.5);
      expect(await driver.sizes(high)).toEqual({ ready: 0, delayed: 1, reserved: 0 });
      expect(await driver.pop([high], 1)).toEqual([]);
      let got: ReservedJob[] = [];
      await waitUntil(async () => (got = await driver.pop([high], 1)).length > 0, 'the delayed job to become available');
      expect(labelOf(got[0].raw)).toBe('late');
    });

    it('pop tries the queues strictly in order: the first queue is drained before the next', async () => {
      const driver = await fresh();
      await driver.push(low, payload('low-1'));
      await driver.push(other, payload('other-1'));
      await driver.push(high, payload('high-1'));
      await driver.push(high, payload('high-2'));
      const order: string[] = [];
      for (let i = 0; i < 4; i++) {
        const [job] = await driver.pop([high, low, other], 1);
        order.push(labelOf(job.raw));
      }
      expect(order).toEqual(['high-1', 'high-2', 'low-1', 'other-1']);
      // One pop asking for more than the first queue holds goes on to the next queues.
      await driver.pushMany(low, [payload('low-2')]);
      await driver.pushMany(other, [payload('other-2')]);
      expect((await driver.pop([high, low, other], 5)).map((j) => [j.queue, labelOf(j.raw)])).toEqual([
        [low, 'low-2'],
        [other, 'other-2'],
      ]);
    });

    it('ack removes the reservation, also when given to pop with the next reservation', async () => {
      const driver = await fresh();
      await driver.pushMany(high, [payload('x'), payload('y')]);
      await driver.push(low, payload('z'));
      const [x] = await driver.pop([high], 1);
      const [y] = await driver.pop([high], 1, x);
      expect(labelOf(y.raw)).toBe('y');
      expect(await driver.sizes(high)).toEqual({ ready: 0, delayed: 0, reserved: 1 });
      // The ack of a job of one queue with the pop of another.
      const [z] = await driver.pop([low], 1, y);
      expect(labelOf(z.raw)).toBe('z');
      expect((await driver.sizes(high)).reserved).toBe(0);
      await driver.ack(z);
      expect(await driver.size(low)).toBe(0);
    });

    it('release puts a job back at once or after a delay, and refuses a reservation that is gone', async () => {
      const driver = await fresh();
      await driver.push(high, payload('r'));
      const [first] = await driver.pop([high], 1);
      expect(await driver.release(first, 0)).toBe(true);
      const [second] = await driver.pop([high], 1);
      expect(attemptsOf(second.raw)).toBe(2);

      expect(await driver.release(second, 30)).toBe(true);
      expect(await driver.sizes(high)).toEqual({ ready: 0, delayed: 1, reserved: 0 });
      expect(await driver.release(second, 0)).toBe(false);
      expect(await driver.sizes(high)).toEqual({ ready: 0, delayed: 1, reserved: 0 });
    });

    it('extend keeps reservations alive and reports those already gone', async () => {
      const driver = await fresh(2);
      await driver.pushMany(high, [payload('kept'), payload('acked')]);
      await driver.push(low, payload('other-queue'));
      const [kept, acked] = await driver.pop([high], 2);
      const [elsewhere] = await driver.pop([low], 1);
      await driver.ack(acked);
      const lost = await driver.extend([kept, acked, elsewhere]);
      expect(lost.map((j) => labelOf(j.raw))).toEqual(['acked']);
    });

    it('sizes counts ready, delayed and reserved jobs apart; size adds them up', async () => {
      const driver = await fresh();
      await driver.pushMany(other, [payload('1'), payload('2'), payload('3')]);
      await driver.later(other, payload('4'), 60);
      await driver.pop([other], 1);
      expect(await driver.sizes(other)).toEqual({ ready: 2, delayed: 1, reserved: 1 });
      expect(await driver.size(other)).toBe(4);
    });

    it('clear deletes ready, delayed and reserved jobs and says how many', async () => {
      const driver = await fresh();
      await driver.pushMany(low, [payload('1'), payload('2')]);
      await driver.later(low, payload('3'), 60);
      await driver.pop([low], 1);
      expect(await driver.clear(low)).toBe(3);
      expect(await driver.sizes(low)).toEqual({ ready: 0, delayed: 0, reserved: 0 });
      expect(await driver.pop([low], 5)).toEqual([]);
    });

    it('a job reserved and never acknowledged is handed out again after retryAfter', async () => {
      const driver = await fresh(1);
      await driver.push(high, payload('crashed'));
      const [first] = await driver.pop([high], 1);
      expect(await driver.pop([high], 1)).toEqual([]);
      let again: ReservedJob[] = [];
      await waitUntil(async () => (again = await driver.pop([high], 1)).length > 0, 'the expired reservation to be handed out again');
      expect(uuidOf(again[0].raw)).toBe(uuidOf(first.raw));
      expect(attemptsOf(again[0].raw)).toBe(2);
      // The old reservation is gone: releasing it does nothing.
      expect(await driver.release(first, 0)).toBe(false);
    });

    it('waitForJobs returns as soon as a job is pushed to the queue', async () => {
      const driver = await fresh();
      const pusher = await fresh(60, lastPrefix);
      const waited = driver.waitForJobs([high], 20).then(() => 'woke');
      await new Promise((r) => setTimeout(r, 200));
      await pusher.push(high, payload('wake'));
      const outcome = await Promise.race([waited, new Promise((r) => setTimeout(() => r('slept'), 15000))]);
      expect(outcome).toBe('woke');
      expect((await driver.pop([high], 1)).map((j) => labelOf(j.raw))).toEqual(['wake']);
    });
  });
}
