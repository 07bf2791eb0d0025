import { randomBytes } from 'node:crypto';
import type { AtomicStore } from '../../lib/stores/atomic-store.interface';
import { sleep, waitUntil } from '../support/test-redis';
import { contend } from './support/contend';
import { openStore, StoreSpec } from './support/store-under-test';

/**
 * The behaviour every atomic store promises (Redis, SQLite, PostgreSQL, MariaDB): locks with owners and expiry,
 * fixed windows, counters and signal values, atomic under many callers in one process and across processes.
 * `setup` gives the store's spec (opened here and in forked contenders) and `teardown` drops what it made.
 */
export function describeAtomicStoreContract(label: string, setup: () => Promise<StoreSpec>, teardown: () => Promise<void>): void {
  describe(`${label} atomic store`, () => {
    let spec: StoreSpec;
    let store: AtomicStore;
    let key: (name: string) => string;

    beforeAll(async () => {
      spec = await setup();
      store = openStore(spec);
    });
    afterAll(async () => {
      await store?.close();
      await teardown();
    });
    beforeEach(() => {
      const run = randomBytes(4).toString('hex');
      key = (name) => `nq-store-test:${run}:${name}`;
    });

    describe('locks', () => {
      it('gives a free lock to the first owner and refuses it to another while it is held', async () => {
        expect(await store.acquireLock(key('l'), 'a', 0)).toBe(true);
        expect(await store.acquireLock(key('l'), 'b', 0)).toBe(false);
        expect(await store.acquireLock(key('l'), 'a', 0)).toBe(false);
      });

      it('is released only by its owner, and is free again after', async () => {
        await store.acquireLock(key('l'), 'a', 60_000);
        expect(await store.releaseLock(key('l'), 'b')).toBe(false);
        expect(await store.acquireLock(key('l'), 'b', 60_000)).toBe(false);
        expect(await store.releaseLock(key('l'), 'a')).toBe(true);
        expect(await store.releaseLock(key('l'), 'a')).toBe(false);
        expect(await store.acquireLock(key('l'), 'b', 60_000)).toBe(true);
      });

      it('expires after its time to live, and the next owner takes it over', async () => {
        // (That a lock with a time to live is refused while it lasts is shown above with 60 s; a short one here
        // may already be over by the next call on a loaded machine, so only its end is checked.)
        expect(await store.acquireLock(key('l'), 'a', 200)).toBe(true);
        await waitUntil(() => store.acquireLock(key('l'), 'b', 60_000), 'the expired lock to be taken over', 10_000);
        // The first owner's late release leaves the new owner's lock alone.
        expect(await store.releaseLock(key('l'), 'a')).toBe(false);
        expect(await store.acquireLock(key('l'), 'c', 60_000)).toBe(false);
      });

      it('keeps a lock without expiry after a lock with one has expired', async () => {
        await store.acquireLock(key('forever'), 'a', 0);
        await store.acquireLock(key('short'), 'a', 200);
        await waitUntil(() => store.acquireLock(key('short'), 'b', 0), 'the short lock to expire', 10_000);
        expect(await store.acquireLock(key('forever'), 'b', 0)).toBe(false);
      });

      it('keeps keys apart by case and keeps long keys (past 255 characters) apart', async () => {
        expect(await store.acquireLock(key('Case'), 'a', 0)).toBe(true);
        expect(await store.acquireLock(key('case'), 'b', 0)).toBe(true);
        const long = key('x'.repeat(400));
        expect(await store.acquireLock(`${long}1`, 'a', 0)).toBe(true);
        expect(await store.acquireLock(`${long}2`, 'a', 0)).toBe(true);
        expect(await store.acquireLock(`${long}1`, 'b', 0)).toBe(false);
      });

      it('gives a lock to exactly one of 50 callers racing for it in one process', async () => {
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.acquireLock(key('race'), `o${i}`, 60_000)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('gives a lock to exactly one of 4 processes × 25 callers racing for it', async () => {
        const results = (await contend(spec, { op: 'lock', key: key('race'), count: 25 }, 4)).flat();
        expect(results).toHaveLength(100);
        expect(results.filter((r) => r === 1)).toHaveLength(1);
      });
    });

    describe('fixed windows', () => {
      it('takes slots up to the limit, then refuses, counting what is left', async () => {
        const first = await store.windowAcquire(key('w'), 3, 60);
        expect(first).toMatchObject({ acquired: true, remaining: 2 });
        expect(first.decaysAt - first.now).toBe(60);
        expect(await store.windowAcquire(key('w'), 3, 60)).toMatchObject({ acquired: true, remaining: 1, decaysAt: first.decaysAt });
        expect(await store.windowAcquire(key('w'), 3, 60)).toMatchObject({ acquired: true, remaining: 0 });
        const over = await store.windowAcquire(key('w'), 3, 60);
        expect(over).toMatchObject({ acquired: false, remaining: 0, decaysAt: first.decaysAt });
      });

      it('allows nothing with a limit of 0', async () => {
        expect((await store.windowAcquire(key('w'), 0, 60)).acquired).toBe(false);
      });

      it('says whether the window is full without taking a slot', async () => {
        const empty = await store.windowTooMany(key('w'), 2, 60);
        expect(empty.tooManyAttempts).toBe(false);
        expect(empty.decaysAt - empty.now).toBe(60);
        const opened = await store.windowAcquire(key('w'), 2, 60);
        expect(await store.windowTooMany(key('w'), 2, 60)).toMatchObject({ tooManyAttempts: false, decaysAt: opened.decaysAt });
        await store.windowAcquire(key('w'), 2, 60);
        expect(await store.windowTooMany(key('w'), 2, 60)).toMatchObject({ tooManyAttempts: true, decaysAt: opened.decaysAt });
        expect(await store.windowTooMany(key('w'), 2, 60)).toMatchObject({ tooManyAttempts: true });
      });

      it('opens a new window once the last one is over', async () => {
        await store.windowAcquire(key('w'), 1, 1);
        expect((await store.windowAcquire(key('w'), 1, 1)).acquired).toBe(false);
        await waitUntil(async () => (await store.windowAcquire(key('w'), 1, 1)).acquired, 'a new one-second window', 10_000);
      });

      it('starts over after delete()', async () => {
        await store.windowAcquire(key('w'), 1, 60);
        await store.delete(key('w'));
        expect((await store.windowAcquire(key('w'), 1, 60)).acquired).toBe(true);
      });

      it('gives exactly the limit of slots to 4 processes × 25 callers', async () => {
        const results = (await contend(spec, { op: 'window', key: key('w'), count: 25, max: 30 }, 4)).flat();
        expect(results.filter((r) => r === 1)).toHaveLength(30);
        expect((await store.windowTooMany(key('w'), 30, 600)).tooManyAttempts).toBe(true);
      });
    });

    describe('counters', () => {
      it('counts up from 1', async () => {
        expect(await store.increment(key('c'), 60)).toBe(1);
        expect(await store.increment(key('c'), 60)).toBe(2);
        expect(await store.increment(key('c'), 60)).toBe(3);
      });

      it('starts again from 1 once its time to live has passed', async () => {
        await store.increment(key('c'), 1);
        await store.increment(key('c'), 1);
        expect(await store.get(key('c'))).toBe('2');
        // Each increment sets the time to live again, so the wait only reads.
        await waitUntil(async () => (await store.get(key('c'))) === null, 'the counter to expire', 10_000);
        expect(await store.increment(key('c'), 1)).toBe(1);
      });

      it('is exact under 100 increments at once in one process', async () => {
        const counts = await Promise.all(Array.from({ length: 100 }, () => store.increment(key('c'), 600)));
        expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      });

      it('is exact under 4 processes × 50 increments at once: every count from 1 to 200 once', async () => {
        const counts = (await contend(spec, { op: 'increment', key: key('c'), count: 50 }, 4)).flat();
        expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      });
    });

    describe('values', () => {
      it('sets, reads and deletes a value; an unset one reads as null', async () => {
        expect(await store.get(key('v'))).toBeNull();
        await store.set(key('v'), '1700000000000');
        expect(await store.get(key('v'))).toBe('1700000000000');
        await store.set(key('v'), 'again');
        expect(await store.get(key('v'))).toBe('again');
        await store.delete(key('v'));
        expect(await store.get(key('v'))).toBeNull();
      });

      it('reads many values in the order asked, null for the unset ones', async () => {
        await store.set(key('a'), 'A');
        await store.set(key('c'), 'C');
        expect(await store.getMany([key('c'), key('b'), key('a'), key('c')])).toEqual(['C', null, 'A', 'C']);
        expect(await store.getMany([])).toEqual([]);
      });

      it('forgets a value after its time to live', async () => {
        await store.set(key('v'), 'x', 1);
        await store.set(key('kept'), 'y');
        expect(await store.get(key('v'))).toBe('x');
        await waitUntil(async () => (await store.get(key('v'))) === null, 'the value to expire', 10_000);
        expect(await store.get(key('kept'))).toBe('y');
      });
    });

    it('is shared by two stores on the same server (another process sees the same state)', async () => {
      const other = openStore(spec);
      try {
        await store.set(key('shared'), 'from-first');
        expect(await other.get(key('shared'))).toBe('from-first');
        expect(await store.acquireLock(key('l'), 'first', 0)).toBe(true);
        expect(await other.acquireLock(key('l'), 'second', 0)).toBe(false);
        await sleep(0);
      } finally {
        await other.close();
      }
    });
  });
}
