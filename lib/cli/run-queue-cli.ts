import { Command, CommanderError } from 'commander';
import type { AppSource } from './app-loader';
import { CliContext, CliIO } from './cli-context';
import { oneLine } from './format';
import { registerWorkCommand } from './commands/work.command';
import { registerFailedCommands } from './commands/failed.commands';
import { registerQueueCommands } from './commands/queue.commands';
import { registerControlCommands } from './commands/control.commands';
import { registerBatchCommands } from './commands/batches.command';
import { registerTableCommands } from './commands/tables.commands';
import { registerScheduleCommands, schedulerMasterServices } from './commands/schedule.commands';
import { registerSupervisorCommands } from './commands/supervisor.commands';

export interface RunQueueCliOptions {
  /** The arguments after the script name, e.g. `['work', '--once']`. */
  argv: readonly string[];
  /** The module to load; when absent the CLI takes `--app <path>#<ExportName>` or `QUEUE_APP`. */
  appModule?: AppSource;
  io?: CliIO;
  /** Name shown in help and usage. */
  name?: string;
}

/**
 * Parses the arguments, runs one command against the user's application, closes it, and resolves to the
 * exit code: the command's (the worker's stop code for `work`), 1 with a one-line error on bad input or failure.
 */
export async function runQueueCli(options: RunQueueCliOptions): Promise<number> {
  const io = options.io ?? { stdout: process.stdout, stderr: process.stderr };
  let exitCode = 0;
  const program = new Command(options.name ?? 'nestjs-queue');
  const source: AppSource = options.appModule ?? { spec: () => (program.opts<{ app?: string }>().app ?? process.env.QUEUE_APP) };
  const ctx = new CliContext(source, io);

  program
    .description("Laravel's queue commands for a NestJS app: work the queues, manage failed jobs, monitor, pause and restart workers.")
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .helpCommand('help [command]', 'show help for a command')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // One line: commander puts its "(Did you mean ...?)" suggestion on a line of its own.
      outputError: (text, write) => write(`${text.trimEnd().replace(/\s*\n\s*/g, ' ')}\n`),
    });
  if (!options.appModule) {
    program.option('--app <module>', 'the compiled app module to load, as <path>#<ExportName> (or set QUEUE_APP)');
  }

  // Commands made after exitOverride() and configureOutput() inherit them.
  registerWorkCommand(program, ctx, (code) => (exitCode = code));
  registerFailedCommands(program, ctx);
  registerQueueCommands(program, ctx);
  registerControlCommands(program, ctx);
  registerBatchCommands(program, ctx);
  registerTableCommands(program, ctx);
  registerScheduleCommands(program, ctx);
  registerSupervisorCommands(program, ctx, { setExitCode: (code) => (exitCode = code), services: schedulerMasterServices });

  try {
    await program.parseAsync([...options.argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its one-line message (or the help) already.
      exitCode = error.exitCode;
    } else {
      io.stderr.write(`error: ${oneLine(error)}\n`);
      exitCode = 1;
    }
  } finally {
    try {
      await ctx.close();
    } catch (error) {
      io.stderr.write(`error: closing the app failed: ${oneLine(error)}\n`);
      exitCode = exitCode || 1;
    }
  }
  return exitCode;
}

function packageVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
