import { Provider, Type } from '@nestjs/common';
import { join } from 'node:path';
import { Job, job, OnQueue } from '../../../../lib';
import { QueueDashboardModule } from '../../../../lib/dashboard';
import type { DashboardStats, MastersResponse } from '../../../../lib/dashboard';
import { HorizonState } from '../../../../lib/supervisor/horizon-state';
import { buildCli } from '../../../cli/support/cli-build';
import { CliProcess, startCli } from '../../../cli/support/run-cli';
import { testRedisUrl, uniquePrefix, waitUntil } from '../../../support/test-redis';
import { DashboardTestApp, startDashboardApp } from '../../support/dashboard-app';

interface JobSpec {
  name: string;
  queue: string;
  options: { tags?: (data: Record<string, unknown>) => string[] };
}
// Shared with the supervised fixture app (plain JavaScript, as a compiled app is).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { JOBS } = require('../fixtures/dashboard-jobs') as { JOBS: JobSpec[] };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { dashboardQueueOptions } = require('../fixtures/dashboard-options') as { dashboardQueueOptions: (url: string, prefix: string) => Record<string, unknown> };

const FIXTURE_APP = `${join(__dirname, '..', 'fixtures', 'dashboard-app.js')}#AppModule`;
export const WORLD_TIMEOUT_MS = 240_000;

/** The test process's side of each fixture job: same name, options and queue; it dispatches, never runs them. */
function dispatchSide(spec: JobSpec): Type<unknown> {
  const Class = {
    [spec.name]: class {
      async handle(): Promise<void> {
        throw new Error(`${spec.name} runs in the supervised workers, not in the test process`);
      }
    },
  }[spec.name];
  Job(spec.options as never)(Class);
  OnQueue(spec.queue)(Class);
  return Class;
}
const JOB_CLASSES = new Map(JOBS.map((spec) => [spec.name, dispatchSide(spec)]));
export function jobClass(name: string): Type<{ handle(data: Record<string, unknown>): Promise<void> }> {
  const found = JOB_CLASSES.get(name);
  if (!found) throw new Error(`no fixture job ${name}`);
  return found as Type<{ handle(data: Record<string, unknown>): Promise<void> }>;
}

/** Under maxPayloadBytes (512 KB), big enough that rendering it eagerly would show. */
export const BIG_PAYLOAD_CHARS = 480_000;

export interface DashboardWorld {
  dash: DashboardTestApp;
  /** http://127.0.0.1:<port>/horizon */
  base: string;
  supervise: CliProcess;
  ids: {
    /** ChargeCard jobs that failed: [0] is retried from its detail page, [1] and [2] together from the list. */
    failedCharges: string[];
    batchId: string;
    batchFailedJob: string;
    bigPending: string;
    /** A ProcessOrder delayed by an hour: pending, with its availability time. */
    delayedOrder: string;
    completedOrder: string;
  };
  log(): Promise<string[]>;
  /** Lets the job of `failKey` pass on its next run. */
  heal(failKey: string): Promise<void>;
  /** Dispatches `count` orders (keys from `from`), waits until the workers ran them. */
  orders(from: number, count: number): Promise<string[]>;
  close(): Promise<void>;
}

async function waitForLog(world: Pick<DashboardWorld, 'log'>, entries: string[], what: string, timeoutMs = 60_000): Promise<void> {
  await waitUntil(async () => {
    const log = new Set(await world.log());
    return entries.every((e) => log.has(e));
  }, what, timeoutMs);
}

/**
 * A real Nest HTTP app with the dashboard (Express) on the suite's Redis, a real `supervise` master running the
 * fixture jobs in two worker processes, and data made by real work: completed orders (tagged, some monitored),
 * silenced e-mails, failed charges, a batch with one failure, pending reports (one with a 480 KB payload), an order delayed by an hour and three
 * metrics snapshots.
 */
export async function startDashboardWorld(): Promise<DashboardWorld> {
  const dist = buildCli();
  const prefix = uniquePrefix('dash-ui');
  const redisUrl = testRedisUrl();
  const providers: Provider[] = [...JOB_CLASSES.values()];
  const dash = await startDashboardApp('express', QueueDashboardModule.forRoot({ path: 'horizon', authorize: () => true }), {
    queue: dashboardQueueOptions(redisUrl, prefix),
    providers,
  });
  const base = `${dash.url}/horizon`;
  const supervise = startCli(['supervise', '--environment=test'], { dist, redisUrl, prefix, extra: { QUEUE_APP: FIXTURE_APP } });
  const log = () => dash.redis.lrange(`${prefix}fixture:log`, 0, -1);
  const heal = async (failKey: string) => void (await dash.redis.del(`${prefix}fixture:fail:${failKey}`));
  const failOn = async (failKey: string) => void (await dash.redis.set(`${prefix}fixture:fail:${failKey}`, '1'));
  const world = { log };
  try {
    await waitUntil(async () => {
      const masters = await dash.json<MastersResponse>('/horizon/api/masters');
      return Object.values(masters).some((m) => m.supervisors.some((s) => Object.values(s.processes).reduce((a, b) => a + b, 0) >= 2));
    }, `a master with two worker processes (supervise stderr: ${supervise.stderr().slice(-500)})`, 90_000);

    const send = async (method: 'POST' | 'DELETE', path: string, body?: unknown) => {
      const res = await dash.send(method, `/horizon/api/${path}`, body);
      if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
    };
    await send('POST', 'monitoring', { tag: 'customer:acme' });

    const state = HorizonState.of(dash.app);
    const orders = async (from: number, count: number): Promise<string[]> => {
      const ids: string[] = [];
      for (let k = from; k < from + count; k++) {
        const id = await dash.bus.dispatch(jobClass('ProcessOrder'), { key: k, customer: k % 3 === 0 ? 'acme' : 'globex', ms: 5 * (k % 4) });
        if (id) ids.push(id);
      }
      await waitForLog(world, ids.map((_, i) => `ProcessOrder:${from + i}`), `orders ${from}..${from + count - 1} ran`);
      return ids;
    };

    // Three rounds of work, a metrics snapshot after each (in distinct seconds, so the charts get three points).
    let completedOrder = '';
    for (let round = 0; round < 3; round++) {
      const ids = await orders(round * 10 + 1, 6 + round * 2);
      completedOrder ||= ids[0];
      const second = Math.floor(Date.now() / 1000);
      await waitUntil(() => Math.floor(Date.now() / 1000) > second, 'the next second');
      await state.snapshot();
    }

    const emails: string[] = [];
    for (let k = 1; k <= 3; k++) emails.push((await dash.bus.dispatch(jobClass('SendWelcomeEmail'), { key: k, userId: 100 + k })) ?? '');
    await waitForLog(world, [1, 2, 3].map((k) => `SendWelcomeEmail:${k}`), 'welcome e-mails sent');

    for (const key of ['charge-1', 'charge-2', 'charge-4', 'row-3']) await failOn(key);
    const failedCharges: string[] = [];
    for (const k of [1, 2, 3, 4]) {
      const id = await dash.bus.dispatch(jobClass('ChargeCard'), { key: k, failKey: `charge-${k}`, reason: 'the payment gateway refused the card', amount: 1999 + k, currency: 'EUR' });
      if (k !== 3 && id) failedCharges.push(id);
    }
    const batch = await dash.bus
      .batch([1, 2, 3, 4, 5].map((row) => job(jobClass('ImportRow'), { key: row, failKey: `row-${row}`, reason: `row ${row} of customers.csv has no e-mail address`, file: 'customers.csv' })))
      .name('Import customers')
      .allowFailures()
      .dispatch();
    await waitForLog(world, ['ChargeCard:3', 'ImportRow:1', 'ImportRow:2', 'ImportRow:4', 'ImportRow:5'], 'charges and the batch ran');
    await waitUntil(async () => (await dash.failed.ids()).length >= 4, 'four failed jobs recorded');
    // A job's failure reaches its batch after the failed-job store (the worker records it there first).
    await waitUntil(async () => ((await dash.bus.findBatch(batch.id))?.failedJobIds.length ?? 0) >= 1, 'the batch to count its failed job');
    const fresh = await dash.bus.findBatch(batch.id);
    if (!fresh || fresh.failedJobIds.length !== 1) throw new Error(`batch ${batch.id} should have one failed job, has ${fresh?.failedJobIds.length}`);

    for (let k = 1; k <= 3; k++) await dash.bus.dispatch(jobClass('GenerateReport'), { key: k, month: `2026-0${k}` });
    const bigPending = (await dash.bus.dispatch(jobClass('GenerateReport'), { key: 'big', rows: 'x'.repeat(BIG_PAYLOAD_CHARS) })) ?? '';
    const delayedOrder = (await dash.bus.dispatch(jobClass('ProcessOrder'), { key: 'later', customer: 'initech' }).delay(3600)) ?? '';

    return {
      dash,
      base,
      supervise,
      ids: { failedCharges, batchId: batch.id, batchFailedJob: fresh.failedJobIds[0], bigPending, delayedOrder, completedOrder },
      log,
      heal,
      orders,
      async close() {
        supervise.child.kill('SIGTERM');
        const killer = setTimeout(() => supervise.child.kill('SIGKILL'), 15_000);
        await supervise.exited;
        clearTimeout(killer);
        await dash.close();
      },
    };
  } catch (error) {
    supervise.child.kill('SIGKILL');
    await supervise.exited;
    await dash.close();
    throw error;
  }
}

export async function statsOf(world: DashboardWorld): Promise<DashboardStats> {
  return world.dash.json<DashboardStats>('/horizon/api/stats');
}
