import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { ConnectionOptions } from '../../../lib';
import type { HandlerSighting } from './traced-jobs';

/** The one connection the traced worker and the dispatching test share. */
export const tracedConnections: Record<string, ConnectionOptions> = {
  redis: { driver: 'redis', connection: 'queue', queue: 'default', retryAfter: 90, blockFor: null },
};

/** A span as the forked worker ships it. */
export interface SerializedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, string | number | boolean>;
  status: number;
  events: string[];
  links: string[];
  /** The span contexts it links to, with the link's `messaging.nestjs_queue.link` attribute. */
  linked: { traceId: string; spanId: string; kind?: string }[];
  startMs: number;
  endMs: number;
  pid: number;
}

const FIXTURE_DIR = join(__dirname, '..', '..', 'fixtures', 'worker-process');

/** test/telemetry/support/traced-worker-main.ts in a process of its own; collects the spans and sightings it sends. */
export class TracedWorker {
  readonly child: ChildProcess;
  readonly spans: SerializedSpan[] = [];
  readonly sightings: HandlerSighting[] = [];
  output = '';
  private readonly exited: Promise<void>;
  private running = true;

  constructor(redisUrl: string, prefix: string, env: Record<string, string> = {}) {
    this.child = fork(join(__dirname, 'traced-worker-main.ts'), [], {
      env: { ...process.env, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, NO_COLOR: '1', ...env },
      execArgv: ['-r', join(FIXTURE_DIR, 'register.js')],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const collect = (chunk: Buffer) => (this.output += chunk.toString());
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.child.on('message', (m: { span?: SerializedSpan; sighting?: HandlerSighting }) => {
      if (m.span) this.spans.push(m.span);
      if (m.sighting) this.sightings.push(m.sighting);
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => {
      this.running = false;
      resolve();
    }));
  }

  /** Waits until `check` holds, failing with the worker's output when it exits first or time runs out. */
  async until(check: () => boolean, what: string, timeoutMs = 20000): Promise<void> {
    const started = Date.now();
    while (!check()) {
      if (!this.running) throw new Error(`The traced worker exited before ${what}. Output:\n${this.output}`);
      if (Date.now() - started > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}. Output:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  ready(): Promise<void> {
    return this.until(() => this.output.includes('WORKER_READY'), 'WORKER_READY');
  }

  /** Asks the worker to stop and waits for its exit (SIGKILL after 10 s). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.send('stop');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10000);
    await this.exited;
    clearTimeout(timer);
  }
}
