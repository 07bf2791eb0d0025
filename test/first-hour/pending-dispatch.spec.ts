import { Job } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';

@Job()
class Ping {
  async handle(_data: { n: number }): Promise<void> {}
}

describe('dispatch() returns a real Promise<string | null>', () => {
  let t: QueueTestApp;

  beforeEach(async () => {
    t = await createQueueApp([Ping]);
  });

  afterEach(async () => {
    await t.close();
  });

  const queued = (queue: string) => t.manager.connection('redis').size(queue);

  it('is a Promise (instanceof, finally, Promise.all, assignable to Promise<unknown>) and sends exactly once', async () => {
    const pending = t.bus.dispatch(Ping, { n: 1 }).onQueue('first-hour');
    expect(pending).toBeInstanceOf(Promise);
    const asPromise: Promise<unknown> = pending;
    let finallyRan = false;
    const [viaFinally, viaAll, viaAwait, viaPromise] = await Promise.all([
      pending.finally(() => {
        finallyRan = true;
      }),
      Promise.all([pending]).then(([id]) => id),
      pending,
      asPromise,
    ]);
    expect(finallyRan).toBe(true);
    expect(viaFinally).toMatch(/^[0-9a-f-]{36}$/);
    expect([viaAll, viaAwait, viaPromise]).toEqual([viaFinally, viaFinally, viaFinally]);
    expect(await queued('first-hour')).toBe(1);
  });

  it('sends nothing until awaited, so delay(), onQueue() and onConnection() chained first all apply', async () => {
    const pending = t.bus.dispatch(Ping, { n: 2 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(await queued('later')).toBe(0);
    const id = await pending.delay(60).onConnection('redis').onQueue('later');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await t.manager.connection('redis').sizes('later')).toMatchObject({ ready: 0, delayed: 1 });
    expect(() => pending.onQueue('too-late')).toThrow(/called after the job was sent/);
  });

  it('rejects through catch and finally for an unknown connection, and never as an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const caught = await t.bus.dispatch(Ping, { n: 3 }).onConnection('nope').catch((e: Error) => e.message);
      expect(caught).toMatch(/Queue connection "nope" is not configured/);
      await expect(t.bus.dispatch(Ping, { n: 4 }).onConnection('nope').finally(() => undefined)).rejects.toThrow(/not configured/);
      t.bus.dispatch(Ping, { n: 5 }).onConnection('nope'); // never awaited: never sent, nothing to report
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
