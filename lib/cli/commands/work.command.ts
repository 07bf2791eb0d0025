import type { Command } from 'commander';
import { Worker } from '../../worker/worker';
import type { WorkerOptions, WorkerStopReason } from '../../worker/worker-options.interface';
import { QueueEvents } from '../../events/queue-events.service';
import type { CliContext } from '../cli-context';
import { nonNegativeNumber, positiveWholeNumber, secondsList, wholeNumber } from '../parsers';
import { WorkOutput } from './work-output';

interface WorkFlags {
  queue?: string;
  concurrency?: number;
  tries?: number;
  timeout?: number;
  sleep?: number;
  backoff?: number[];
  maxJobs?: number;
  maxTime?: number;
  memory?: number;
  rest?: number;
  once?: boolean;
  stopWhenEmpty?: boolean;
}

const STOP_MESSAGES: Partial<Record<WorkerStopReason, string>> = {
  memory: 'The worker stopped: its memory passed --memory.',
  'connection-lost': 'The worker stopped: the queue connection was lost.',
  timeout: 'The worker stopped: a job ignored its timeout and was still running.',
};

/** `work [connection]`: `queue:work` with every option; prints one line per job; exits with the worker's code. */
export function registerWorkCommand(program: Command, ctx: CliContext, setExitCode: (code: number) => void): void {
  program
    .command('work')
    .description('Process jobs from the queues until a stop condition (queue:work)')
    .argument('[connection]', 'connection to work (default: the configured default connection)')
    .option('--queue <queues>', 'comma list of queues, or the name of a list under `queues`, in priority order')
    .option('--concurrency <n>', 'jobs in hand at once', positiveWholeNumber)
    .option('--tries <n>', 'tries for jobs that do not set their own (0 = unlimited)', wholeNumber)
    .option('--timeout <seconds>', 'seconds a job may run, for jobs that do not set their own', nonNegativeNumber)
    .option('--sleep <seconds>', 'seconds to sleep when no job is available', nonNegativeNumber)
    .option('--backoff <seconds>', 'seconds to wait before retrying a job that threw (a comma list per attempt)', secondsList)
    .option('--max-jobs <n>', 'stop after this many jobs', wholeNumber)
    .option('--max-time <seconds>', 'stop after this many seconds', nonNegativeNumber)
    .option('--memory <mb>', 'stop (exit code 12) when memory passes this many MB', nonNegativeNumber)
    .option('--rest <seconds>', 'seconds to rest after each job', nonNegativeNumber)
    .option('--once', 'process one job (or none) and stop')
    .option('--stop-when-empty', 'stop when every queue is empty')
    .action(async (connection: string | undefined, flags: WorkFlags) => {
      const worker = await ctx.get(Worker);
      const output = new WorkOutput(await ctx.get(QueueEvents), ctx.io.stdout);
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
