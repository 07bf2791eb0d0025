import { NullFailedJobStore } from '../../lib/failed/null-failed-job.store';
import { failedRecord } from './failed-job-store.contract';

describe('NullFailedJobStore', () => {
  it('discards logged records: find, all and ids see nothing', async () => {
    const store = new NullFailedJobStore();
    const record = failedRecord();
    await store.setup();
    await store.log(record);

    expect(await store.find(record.id)).toBeNull();
    expect(await store.all()).toEqual([]);
    expect(await store.ids()).toEqual([]);
    expect(await store.ids(record.queue)).toEqual([]);
  });

  it('reports that nothing was removed by forget, flush and prune', async () => {
    const store = new NullFailedJobStore();
    const record = failedRecord();
    await store.log(record);

    expect(await store.forget(record.id)).toBe(false);
    expect(await store.flush()).toBe(0);
    expect(await store.flush(1)).toBe(0);
    expect(await store.prune(new Date(Date.now() + 3_600_000))).toBe(0);
    await expect(store.close()).resolves.toBeUndefined();
  });
});
