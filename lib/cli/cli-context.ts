import type { Abstract, INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { QUEUE_CONFIG } from '../queue.constants';
import type { ResolvedQueueConfig } from '../config/resolved-config.interface';
import { AppSource, loadAppModule } from './app-loader';
import { CliError, CliQueueModuleMissingError } from './cli.errors';
import { CliLogger } from './cli-logger';
import { oneLine } from './format';

/** Where a command writes. The binary uses the process's streams. */
export interface CliIO {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/**
 * What every command shares: the output streams and the user's Nest application, created on first use
 * (so `--help` and argument errors never start it) and closed once the command is done.
 */
export class CliContext {
  private app: INestApplicationContext | null = null;
  private moduleName = 'AppModule';

  constructor(
    private readonly source: AppSource,
    readonly io: CliIO,
  ) {}

  /** Writes lines to stdout. */
  out(...lines: string[]): void {
    for (const line of lines) this.io.stdout.write(`${line}\n`);
  }

  /** Writes a line to stderr. */
  err(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  /** The user's application context, created with QueueModule's providers. */
  async application(): Promise<INestApplicationContext> {
    if (this.app) return this.app;
    const module = 'module' in this.source ? this.source.module : loadAppModule(this.source.spec());
    this.moduleName = module.name || this.moduleName;
    let app: INestApplicationContext;
    try {
      app = await NestFactory.createApplicationContext(module, { logger: new CliLogger(), abortOnError: false });
    } catch (error) {
      throw new CliError(`The app module ${this.moduleName} failed to start: ${oneLine(error)}`);
    }
    this.app = app;
    try {
      app.get(QUEUE_CONFIG, { strict: false });
    } catch {
      throw new CliQueueModuleMissingError(this.moduleName);
    }
    return app;
  }

  /** A provider of the application (QueueModule's are global). */
  async get<T>(token: Type<T> | Abstract<T> | symbol | string): Promise<T> {
    const app = await this.application();
    return app.get<T>(token, { strict: false });
  }

  async config(): Promise<ResolvedQueueConfig> {
    return this.get<ResolvedQueueConfig>(QUEUE_CONFIG);
  }

  /** Closes the application (Redis clients, stores) if it was started. */
  async close(): Promise<void> {
    const app = this.app;
    this.app = null;
    if (app) await app.close();
  }
}
