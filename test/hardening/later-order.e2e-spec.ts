import { Job } from '../../lib';
import { createQueueApp, QueueTestApp } from '../support/queue-app';

const ran: number[] = [];

@Job({ name: 'ordered' })
class Ordered {
  handle(data: { n: number }): void {
    ran.push(data.n);
  }
}

describe('later() with a due time now or in the past', () => {
  let t: QueueTestApp;
  beforeEach(async () => {
    ran.length = 0;
    t = await createQueueApp([Ordered]);
  });
  afterEach(() => t.close());

  it('hands such jobs out oldest due time first, as Laravel\'s delayed set orders them (driver)', async () => {
    const driver = t.manager.connection();
    await driver.later('{default}', 'due-2s-ago', -2);
    await driver.later('{default}', 'due-now', 0);
    await driver.later('{default}', 'due-10s-ago', -10);
    await driver.later('{default}', 'due-5s-ago', -5);

    const popped = await driver.pop(['{default}'], 10);

    expect(popped.map((j) => j.raw)).toEqual(['due-10s-ago', 'due-5s-ago', 'due-2s-ago', 'due-now']);
  });

  it('runs jobs dispatched with a delay of zero or a past Date oldest due time first, not in call order', async () => {
    const now = Date.now();
    await t.bus.dispatch(Ordered, { n: 1 }).delay(new Date(now - 1000));
    await t.bus.dispatch(Ordered, { n: 2 }).delay(0);
    await t.bus.dispatch(Ordered, { n: 3 }).delay(new Date(now - 60000));
    await t.bus.dispatch(Ordered, { n: 4 }).delay(-30);

    expect(await t.worker.run({ stopWhenEmpty: true, sleep: 0, maxTime: 20 })).toBe('empty');

    expect(ran).toEqual([3, 4, 1, 2]);
  });
});
