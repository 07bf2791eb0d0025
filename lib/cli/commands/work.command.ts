import { Command, Option } from 'commander';
import { Worker } from '../../worker/worker';
import type { WorkerOptions, WorkerStopReason } from '../../worker/worker-options.interface';
import { QueueEvents } from '../../events/queue-events.service';
import { QueueManager } from '../../drivers/queue-manager';
import { parseQueueList } from '../../config/queue-names';
import type { CliContext } from '../cli-context';
import { describeFailedStore, describeRedisServer } from '../describe';
import { nonNegativeNumber, positiveWholeNumber, secondsList, wholeNumber } from '../parsers';
import { WorkOutput } from './work-output';

interface WorkFlags {
  queue?: string;
  concurrency: number;
  tries: number;
  timeout: number;
  sleep: number;
  backoff: number[];
  maxJobs: number;
  maxTime: number;
  memory: number;
  rest: number;
  once?: boolean;
  stopWhenEmpty?: boolean;
}

/** The worker's defaults (Worker.run's), shown by `work --help` and passed on explicitly. */
export const WORK_DEFAULTS = { concurrency: 1, tries: 1, timeout: 60, sleep: 3, maxJobs: 0, maxTime: 0, memory: 128, rest: 0 } as const;

const STOP_MESSAGES: Partial<Record<WorkerStopReason, string>> = {
  memory: 'The worker stopped: its memory passed --memory.',
  'connection-lost': 'The worker stopped: the queue connection was lost.',
  timeout: 'The worker stopped: a job ignored its timeout and was still running.',
};

function option(flags: string, description: string, parse: (value: string) => unknown, fallback: unknown, shown?: string): Option {
  return new Option(flags, description).argParser(parse).default(fallback, shown);
}

/** `work [connection]`: `queue:work` with every option; prints what it works, then one line per job; exits with the worker's code. */
export function registerWorkCommand(program: Command, ctx: CliContext, setExitCode: (code: number) => void): void {
  const d = WORK_DEFAULTS;
  program
    .command('work')
    .description('Process jobs from the queues until a stop condition (queue:work)')
    .argument('[connection]', 'connection to work (default: the configured default connection)')
    .option('--queue <queues>', "comma list of queues, or the name of a list under `queues`, in priority order (default: the connection's queue)")
    .addOption(option('--concurrency <n>', 'jobs in hand at once', positiveWholeNumber, d.concurrency))
    .addOption(option('--tries <n>', 'tries for jobs that do not set their own (0 = unlimited)', wholeNumber, d.tries))
    .addOption(option('--timeout <seconds>', 'seconds a job may run, for jobs that do not set their own', nonNegativeNumber, d.timeout))
    .addOption(option('--sleep <seconds>', 'seconds to sleep when no job is available', nonNegativeNumber, d.sleep))
    .addOption(option('--backoff <seconds>', 'seconds to wait before retrying a job that threw (a comma list per attempt)', secondsList, [], '0'))
    .addOption(option('--max-jobs <n>', 'stop after this many jobs (0 = no limit)', wholeNumber, d.maxJobs))
    .addOption(option('--max-time <seconds>', 'stop after this many seconds (0 = no limit)', nonNegativeNumber, d.maxTime))
    .addOption(option('--memory <mb>', 'stop (exit code 12) when memory passes this many MB', nonNegativeNumber, d.memory))
    .addOption(option('--rest <seconds>', 'seconds to rest after each job', nonNegativeNumber, d.rest))
    .option('--once', 'process one job (or none) and stop')
    .option('--stop-when-empty', 'stop when every queue is empty')
    .action(async (connection: string | undefined, flags: WorkFlags) => {
      const worker = await ctx.get(Worker);
      const options: WorkerOptions = {
        connection,
        queue: flags.queue,
        concurrency: flags.concurrency,
        tries: flags.tries,
        timeout: flags.timeout,
        sleep: flags.sleep,
        backoff: flags.backoff,
        maxJobs: flags.maxJobs,
        maxTime: flags.maxTime,
        memory: flags.memory,
        rest: flags.rest,
        once: flags.once ?? false,
        stopWhenEmpty: flags.stopWhenEmpty ?? false,
        handleSignals: true,
      };
      const started = await startLine(ctx, options);
      if (started) ctx.out(started);
      const output = new WorkOutput(await ctx.get(QueueEvents), ctx.io.stdout, flags.backoff);
      let reason: WorkerStopReason;
      try {
        reason = await worker.run(options);
      } finally {
        output.detach();
      }
      const message = STOP_MESSAGES[reason];
      if (message) ctx.err(message);
      setExitCode(Worker.exitCode(reason));
    });
}

/**
 * What the worker is about to watch, in one line, as `queue:work` users expect to see it: the connection and its
 * Redis, the queues in priority order (lists expanded, so a typo shows), concurrency, tries, timeout, and where
 * failed jobs go. Null for a connection the worker will refuse (its error says why).
 */
async function startLine(ctx: CliContext, options: WorkerOptions): Promise<string | null> {
  const config = await ctx.config();
  const settings = (await ctx.get(QueueManager)).settings(options.connection);
  if (settings.driver !== 'redis') return null;
  const queues = options.queue === undefined ? [settings.queue] : parseQueueList(options.queue, config.queues);
  const tries = options.tries === 0 ? 'unlimited' : String(options.tries);
  return (
    `  INFO  Processing jobs from connection ${settings.name} (Redis ${describeRedisServer(config, settings.server)}), ` +
    `queues ${queues.join(', ')} (in this order); concurrency ${options.concurrency}, tries ${tries}, timeout ${options.timeout}s; ` +
    `failed jobs: ${describeFailedStore(config)}.`
  );
}
