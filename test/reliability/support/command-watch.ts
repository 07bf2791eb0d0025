import Redis from 'ioredis';
import { waitUntil } from '../../support/test-redis';

/** One command Redis ran, as MONITOR reports it: lower-case name, then its arguments. */
export interface SeenCommand {
  name: string;
  args: string[];
}

/**
 * Every command the test Redis runs that mentions `prefix` in its arguments, from any client in any process, in
 * the order Redis ran them (MONITOR). Lets a test wait for what a worker did (read a control key, pop a queue)
 * instead of sleeping and hoping it happened. stop() closes the monitor connection.
 */
export class CommandWatch {
  readonly seen: SeenCommand[] = [];
  /** Errors of the monitor connection (see start()). */
  readonly errors: string[] = [];
  private constructor(private readonly monitor: Redis) {}

  static async start(url: string, prefix: string): Promise<CommandWatch> {
    // The monitor connection is made here (not with client.monitor(), which attaches no listener until it resolves):
    // ioredis can take the first MONITOR lines, when they arrive in the same read as MONITOR's +OK (a busy server:
    // other test files running beside this one), for replies to a command and emit "Command queue state error" at
    // once. Those lines come before the test acts, so they are not lost to it; the listener must be there first, or
    // the error is thrown out of the socket's data handler.
    const monitor = new Redis(url, { monitor: true, lazyConnect: true, maxRetriesPerRequest: 1 });
    const watch = new CommandWatch(monitor);
    monitor.on('error', (error: Error) => watch.errors.push(error.message));
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (!args.some((arg) => arg.includes(prefix))) return;
      watch.seen.push({ name: String(args[0]).toLowerCase(), args: args.slice(1) });
    });
    await new Promise<void>((resolve, reject) => {
      monitor.once('monitoring', () => resolve());
      monitor.connect().catch(reject);
    });
    return watch;
  }

  /** How many commands seen so far: a mark to look after. */
  get mark(): number {
    return this.seen.length;
  }

  /** Waits until a command after `mark` matches; returns its position. */
  async waitFor(match: (command: SeenCommand) => boolean, what: string, after = 0, timeoutMs = 15000): Promise<number> {
    let found = -1;
    await waitUntil(
      () => {
        found = this.seen.findIndex((command, i) => i >= after && match(command));
        return found >= 0;
      },
      what,
      timeoutMs,
    );
    return found;
  }

  stop(): void {
    this.monitor.disconnect();
  }
}

/** A GET of this key. */
export const readOf = (key: string) => (c: SeenCommand) => c.name === 'get' && c.args[0] === key;

/** A script call (EVALSHA / EVAL) that names this key among its keys. */
export const scriptOn = (key: string) => (c: SeenCommand) => (c.name === 'evalsha' || c.name === 'eval') && c.args.slice(2).includes(key);
