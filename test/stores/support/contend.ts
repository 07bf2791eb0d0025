import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { StoreSpec } from './store-under-test';

const REGISTER = join(__dirname, '..', '..', 'fixtures', 'worker-process', 'register.js');
const CONTENDER = join(__dirname, 'store-contender.ts');

/**
 * Runs `processes` forked contenders on one store at the same moment, each making `count` calls of `op` at once;
 * resolves to every call's result, per process. Each child is bounded by `timeoutMs` and killed past it.
 */
export async function contend(
  spec: StoreSpec,
  task: { op: 'lock' | 'increment' | 'window'; key: string; count: number; max?: number },
  processes: number,
  timeoutMs = 20_000,
): Promise<number[][]> {
  const children = Array.from({ length: processes }, (_, i) =>
    fork(CONTENDER, [], {
      execArgv: ['-r', REGISTER],
      env: { ...process.env, STORE_SPEC: JSON.stringify(spec), STORE_TASK: JSON.stringify({ ...task, owner: `p${i}` }) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    }),
  );
  const stderr = children.map(() => '');
  children.forEach((child, i) => child.stderr?.on('data', (chunk: Buffer) => (stderr[i] += chunk.toString())));
  const timer = setTimeout(() => children.forEach((child) => child.kill('SIGKILL')), timeoutMs);
  try {
    const message = (child: (typeof children)[number], i: number, want: 'ready' | 'results') =>
      new Promise<{ ready?: boolean; results?: number[] }>((resolve, reject) => {
        const onMessage = (m: { ready?: boolean; results?: number[] }) => {
          if (m[want] === undefined) return;
          child.off('exit', onExit);
          child.off('message', onMessage);
          resolve(m);
        };
        const onExit = (code: number | null, signal: string | null) =>
          reject(new Error(`contender ${i} exited (${code ?? signal}) before sending ${want}: ${stderr[i]}`));
        child.on('message', onMessage);
        child.once('exit', onExit);
      });
    await Promise.all(children.map((child, i) => message(child, i, 'ready')));
    const results = children.map((child, i) => message(child, i, 'results'));
    for (const child of children) child.send('go');
    return (await Promise.all(results)).map((m) => m.results ?? []);
  } finally {
    clearTimeout(timer);
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
