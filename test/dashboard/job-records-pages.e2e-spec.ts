import Redis from 'ioredis';
import { ListEntry, mergedPage } from '../../lib/dashboard/records/merged-page';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../support/test-redis';

jest.setTimeout(60000);

/** The same page read the slow, obvious way: every entry of every part, sorted as one sorted set would be. */
function naivePage(all: ListEntry[], start: number, limit: number): ListEntry[] {
  return [...all].sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).slice(start, start + limit);
}

describe('pages of a list merged across queues (mergedPage)', () => {
  let redis: Redis;
  const prefix = uniquePrefix('pages');
  beforeAll(() => {
    redis = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('reads every page, shallow or deep, as one sorted set of all the queues would hold it, ties included', async () => {
    // Three parts of very different sizes; scores in ms with many ties (up to 40 entries share a millisecond, also
    // across parts) and a few fractional ones.
    const sizes = [3000, 1400, 7];
    const all: ListEntry[] = [];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let part = 0; part < sizes.length; part++) {
      const args: (string | number)[] = [];
      for (let i = 0; i < sizes[part]; i++) {
        const score = 1_700_000_000_000 + Math.floor(random() * 200) * (part === 2 ? 7 : 1) + (i % 97 === 0 ? 0.5 : 0);
        const id = `${part}-${String(i).padStart(5, '0')}`;
        args.push(score, id);
        all.push({ part, id, score });
      }
      await redis.zadd(`${prefix}list:${part}`, ...args);
    }
    const parts = sizes.map((_, part) => ({ client: redis, key: `${prefix}list:${part}` }));
    const total = all.length;
    for (const start of [0, 1, 49, 450, 451, 499, 500, 777, 1234, 2500, 3000, 4000, total - 50, total - 1, total, total + 10]) {
      for (const limit of [1, 50]) {
        expect({ start, limit, page: await mergedPage(parts, start, limit) }).toEqual({ start, limit, page: naivePage(all, start, limit) });
      }
    }
  });

  it('pages one queue by rank and answers an empty page past the end or for no queue', async () => {
    await redis.zadd(`${prefix}one`, 3, 'c', 1, 'a', 2, 'b', 2, 'bb');
    const one = [{ client: redis, key: `${prefix}one` }];
    expect((await mergedPage(one, 1, 2)).map((e) => e.id)).toEqual(['bb', 'b']);
    expect(await mergedPage(one, 4, 50)).toEqual([]);
    expect(await mergedPage([], 0, 50)).toEqual([]);
    const two = [...one, { client: redis, key: `${prefix}empty` }];
    expect(await mergedPage(two, 600, 50)).toEqual([]);
  });
});
