import { InvalidJobDataError, Job, JobContext } from '../../lib';
import { assertPlainJson } from '../../lib/payload/json-data.validator';
import { createQueueApp, QueueTestApp } from '../support/queue-app';

const received: unknown[] = [];

@Job()
class KeepData {
  async handle(data: unknown, _job: JobContext): Promise<void> {
    received.push(data);
  }
}

/** `{ next: { next: ... } }` nested `depth` levels deep, built without recursion. */
function nested(depth: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let at = root;
  for (let i = 0; i < depth; i++) {
    const next: Record<string, unknown> = {};
    at.next = next;
    at = next;
  }
  return root;
}

describe('dispatch validation of job data', () => {
  let t: QueueTestApp;
  beforeEach(async () => {
    received.length = 0;
    t = await createQueueApp([KeepData]);
  });
  afterEach(() => t.close());

  it('refuses -0 like NaN, naming its path, and queues nothing', async () => {
    const dispatch = t.bus.dispatch(KeepData as never, { price: { amount: -0 } } as never);
    await expect(dispatch).rejects.toThrow(InvalidJobDataError);
    await expect(t.bus.dispatch(KeepData as never, { list: [1, -0] } as never)).rejects.toThrow(
      'Job data at data.list[1] is -0, which JSON turns into 0',
    );
    expect(await t.manager.connection().size('default')).toBe(0);
  });

  it('refuses data nested 20,000 deep with InvalidJobDataError, not a stack overflow', async () => {
    const deep = nested(20_000);
    const error = await t.bus.dispatch(KeepData as never, deep as never).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidJobDataError);
    expect((error as Error).message).toMatch(/nested 1000 levels deep, past the limit of 1000/);
    expect(await t.manager.connection().size('default')).toBe(0);
  });

  it('sends data nested just under the limit, and a worker receives it intact', async () => {
    const deep = nested(998);
    await t.bus.dispatch(KeepData as never, deep as never);
    await t.worker.run({ stopWhenEmpty: true, sleep: 0 });
    expect(received).toEqual([deep]);
  });

  it('still refuses a cycle with its path, and accepts an object shared by two keys', async () => {
    const shared = { id: 1 };
    const cyclic: Record<string, unknown> = { user: { name: 'Ada' } };
    (cyclic.user as Record<string, unknown>).self = cyclic;
    await expect(t.bus.dispatch(KeepData as never, cyclic as never)).rejects.toThrow(
      'Job data at data.user.self refers back to an enclosing object (a cycle)',
    );
    await t.bus.dispatch(KeepData as never, { a: shared, b: [shared] } as never);
    await t.worker.run({ stopWhenEmpty: true, sleep: 0 });
    expect(received).toEqual([{ a: { id: 1 }, b: [{ id: 1 }] }]);
  });

  it('reports the first bad value in key order, as JSON would meet it', () => {
    expect(() => assertPlainJson({ a: [1, 2, { b: undefined }], c: NaN })).toThrow('data.a[2].b is undefined');
    expect(() => assertPlainJson([0, 0.5, -1, 'x', null, true, new Date(0)])).not.toThrow();
  });
});
