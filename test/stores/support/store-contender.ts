// A forked process that races other processes on one store: `STORE_SPEC` (JSON StoreSpec) says which store,
// `STORE_TASK` (JSON) what to do. It waits for "go" on its IPC channel, so every contender starts together, then
// sends its results back and exits.
import { openStore, StoreSpec } from './store-under-test';

interface Task {
  op: 'lock' | 'increment' | 'window';
  key: string;
  count: number;
  owner: string;
  max?: number;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.STORE_SPEC ?? '') as StoreSpec;
  const task = JSON.parse(process.env.STORE_TASK ?? '') as Task;
  const store = openStore(spec);
  // Open the connection (and the tables) before the start, so the race is between statements, not connects.
  await store.get(`${task.key}:warm-up`);
  process.send?.({ ready: true });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const calls = Array.from({ length: task.count }, async (_, i) => {
    if (task.op === 'lock') return (await store.acquireLock(task.key, `${task.owner}-${i}`, 60_000)) ? 1 : 0;
    if (task.op === 'increment') return store.increment(task.key, 600);
    return (await store.windowAcquire(task.key, task.max ?? 1, 600)).acquired ? 1 : 0;
  });
  const results = await Promise.all(calls);
  await store.close();
  process.send?.({ results }, () => process.exit(0));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
