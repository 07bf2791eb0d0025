import type { Command } from 'commander';
import { Worker } from '../../worker/worker';
import type { WorkerOptions } from '../../worker/worker-options.interface';
import { QueueEvents } from '../../events/queue-events.service';
import { QueueManager } from '../../drivers/queue-manager';
import { RedisConnections } from '../../redis/redis-connections';
import { defaultSupervisorEnvironment } from '../../config/horizon-config';
import { horizonRedis } from '../../supervisor/horizon-redis';
import { HorizonState } from '../../supervisor/horizon-state';
import { MasterSupervisor, MasterService } from '../../supervisor/master-supervisor';
import { MetricsRecorder } from '../../supervisor/metrics-recorder';
import { MetricsRepository } from '../../supervisor/metrics-repository';
import { runSupervisedWorker } from '../../supervisor/supervised-worker';
import type { MasterState } from '../../supervisor/master-registry';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli.errors';
import { formatTime, table } from '../format';
import { nonNegativeNumber, positiveWholeNumber, secondsList, wholeNumber } from '../parsers';

export interface SupervisorCommandsOptions {
  setExitCode: (code: number) => void;
  /** Extra services every `supervise` master runs (the scheduler registers here). */
  services?: (ctx: CliContext) => Promise<MasterService[]> | MasterService[];
}

async function horizonState(ctx: CliContext): Promise<HorizonState> {
  const config = await ctx.config();
  return new HorizonState(config, horizonRedis(config, await ctx.get(RedisConnections)), await ctx.get(QueueManager));
}

/** `pause` / `continue` with no queue: every supervisor of every master (horizon:pause / horizon:continue). */
export async function pauseOrContinueSupervisors(ctx: CliContext, type: 'pause' | 'continue'): Promise<void> {
  const masters = await (await horizonState(ctx)).broadcast({ type });
  if (masters.length === 0) throw new CliError('No master is running: start one with `supervise`. (To pause one queue, name it: pause redis:default.)');
  ctx.out(`Sent ${type === 'pause' ? 'pause' : 'continue'} to ${masters.length} master(s): ${masters.map((m) => m.name).join(', ')}.`);
}

/** supervise, status, supervisors, pause-supervisor, continue-supervisor, terminate, snapshot; and the workers' entry. */
export function registerSupervisorCommands(program: Command, ctx: CliContext, options: SupervisorCommandsOptions): void {
  program
    .command('supervise')
    .description("Run this host's master: every supervisor of the environment with its worker processes (horizon)")
    .option('--environment <name>', 'the environment under `supervisors` (default: NODE_ENV, else production)')
    .action(async (flags: { environment?: string }, command: Command) => {
      const config = await ctx.config();
      const environment = flags.environment ?? defaultSupervisorEnvironment();
      const app = command.parent?.opts<{ app?: string }>().app;
      const master = new MasterSupervisor({
        config,
        environment,
        manager: await ctx.get(QueueManager),
        events: await ctx.get(QueueEvents),
        redis: horizonRedis(config, await ctx.get(RedisConnections)),
        command: { executable: process.execPath, prefix: [...process.execArgv, process.argv[1], ...(app ? ['--app', app] : [])] },
        log: (line) => ctx.out(`${formatTime(new Date())} ${line}`),
        services: options.services ? await options.services(ctx) : [],
      });
      await master.run();
    });

  program
    .command('status')
    .description('Print running, paused or inactive for the masters sharing this Redis; exit 1 when inactive (horizon:status)')
    .option('--json', 'print every master and supervisor as JSON')
    .action(async (flags: { json?: boolean }) => {
      const status = await (await horizonState(ctx)).status();
      if (flags.json) ctx.out(JSON.stringify(status, null, 2));
      else ctx.out(status.status === 'inactive' ? 'inactive: no master is running' : status.status);
      options.setExitCode(status.status === 'inactive' ? 1 : 0);
    });

  program
    .command('supervisors')
    .description('List the supervisors of every live master (horizon:supervisors)')
    .option('--json', 'print them as JSON')
    .action(async (flags: { json?: boolean }) => {
      const supervisors = await (await horizonState(ctx)).supervisors();
      if (flags.json) return ctx.out(JSON.stringify(supervisors, null, 2));
      if (supervisors.length === 0) return ctx.out('No supervisors are running.');
      const rows = supervisors.map((s) => [
        `${s.master}:${s.name}`,
        s.connection,
        s.queues.join(','),
        Object.entries(s.processes).map(([q, n]) => `${q}=${n}`).join(' '),
        String(s.balance),
        s.status,
      ]);
      ctx.out(...table(['Name', 'Connection', 'Queues', 'Processes', 'Balancing', 'Status'], rows));
    });

  for (const type of ['pause', 'continue'] as const) {
    program
      .command(`${type}-supervisor`)
      .description(type === 'pause' ? 'Pause one supervisor on every master (horizon:pause-supervisor)' : 'Continue a paused supervisor (horizon:continue-supervisor)')
      .argument('<name>', 'the supervisor, e.g. supervisor-1 (every master), or <master>:<supervisor>')
      .action(async (name: string) => {
        const state = await horizonState(ctx);
        const masters = await state.masters();
        const hits = masters.filter((m) => m.supervisors.some((s) => s.name === name || `${m.name}:${s.name}` === name));
        if (hits.length === 0) {
          const known = masters.flatMap((m) => m.supervisors.map((s) => `${m.name}:${s.name}`));
          throw new CliError(`No running supervisor named "${name}"${known.length ? `; running: ${known.join(', ')}` : ': no master is running'}.`);
        }
        await Promise.all(hits.map((m) => state.channel.send(m.name, { type, supervisor: name })));
        ctx.out(`Sent ${type} to supervisor "${name}" on ${hits.map((m) => m.name).join(', ')}.`);
      });
  }

  program
    .command('terminate')
    .description('Ask every master to stop once the jobs in hand are done (horizon:terminate)')
    .option('--wait', 'return only when every master has exited')
    .action(async (flags: { wait?: boolean }) => {
      const state = await horizonState(ctx);
      const masters = await state.broadcast({ type: 'terminate' });
      if (masters.length === 0) return ctx.out('No master is running.');
      ctx.out(`Sent terminate to ${masters.length} master(s): ${masters.map((m) => m.name).join(', ')}.`);
      if (!flags.wait) return;
      const names = new Set(masters.map((m) => m.name));
      for (;;) {
        const live = (await state.masters()).filter((m: MasterState) => names.has(m.name));
        if (live.length === 0) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      ctx.out('Every master has exited.');
    });

  program
    .command('snapshot')
    .description('Store a snapshot of the queue and job metrics now (horizon:snapshot)')
    .action(async () => {
      await (await horizonState(ctx)).snapshot();
      ctx.out('Metrics snapshot stored.');
    });

  program
    .command('supervisor:work', { hidden: true })
    .description('One worker process of a supervisor (started by `supervise`)')
    .argument('<connection>')
    .requiredOption('--queue <queues>', 'literal comma list of queues')
    .option('--supervisor <name>', 'the supervisor it belongs to (for ps)')
    .option('--concurrency <n>', '', positiveWholeNumber)
    .option('--tries <n>', '', wholeNumber)
    .option('--timeout <seconds>', '', nonNegativeNumber)
    .option('--sleep <seconds>', '', nonNegativeNumber)
    .option('--block <seconds>', '', nonNegativeNumber)
    .option('--backoff <seconds>', '', secondsList)
    .option('--max-jobs <n>', '', wholeNumber)
    .option('--max-time <seconds>', '', nonNegativeNumber)
    .option('--memory <mb>', '', nonNegativeNumber)
    .option('--rest <seconds>', '', nonNegativeNumber)
    .option('--paused', 'start paused')
    .action(async (connection: string, flags: SupervisedFlags) => {
      const config = await ctx.config();
      const worker = await ctx.get(Worker);
      const recorder = new MetricsRecorder(await ctx.get(QueueEvents), new MetricsRepository(horizonRedis(config, await ctx.get(RedisConnections)), config.prefix));
      const queues = flags.queue.split(',');
      const workerOptions: WorkerOptions = {
        connection,
        // A comma makes the list literal: a queue called like a list under `queues` is that one queue here.
        queue: queues.length === 1 ? `${queues[0]},${queues[0]}` : queues.join(','),
        concurrency: flags.concurrency,
        tries: flags.tries,
        timeout: flags.timeout,
        sleep: flags.sleep,
        ...(flags.block === undefined ? {} : { blockFor: flags.block }),
        backoff: flags.backoff,
        maxJobs: flags.maxJobs,
        maxTime: flags.maxTime,
        memory: flags.memory,
        rest: flags.rest,
      };
      const reason = await runSupervisedWorker(worker, recorder, workerOptions, flags.paused ?? false);
      options.setExitCode(reason ? Worker.exitCode(reason) : 0);
    });
}

interface SupervisedFlags {
  queue: string;
  supervisor?: string;
  concurrency?: number;
  tries?: number;
  timeout?: number;
  sleep?: number;
  block?: number;
  backoff?: number[];
  maxJobs?: number;
  maxTime?: number;
  memory?: number;
  rest?: number;
  paused?: boolean;
}
