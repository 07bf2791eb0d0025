import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { SAMPLE_SETTINGS, SampleSettings } from '../config/sample-settings';

export type LogLevel = 'info' | 'warning' | 'error';

export interface LogEntry {
  at: Date;
  level: LogLevel;
  message: string;
  context: Record<string, unknown>;
}

/**
 * The application log (Laravel's Log facade): one JSON line per entry in `storage/logs/app.log`, and the
 * entries of this process kept in memory so the sample can print them.
 */
@Injectable()
export class AppLog {
  readonly entries: LogEntry[] = [];
  private readonly file: string;

  constructor(@Inject(SAMPLE_SETTINGS) settings: SampleSettings) {
    const dir = join(settings.storageDir, 'logs');
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'app.log');
  }

  info(message: string, context: Record<string, unknown> = {}): void {
    this.write('info', message, context);
  }

  warning(message: string, context: Record<string, unknown> = {}): void {
    this.write('warning', message, context);
  }

  error(message: string, context: Record<string, unknown> = {}): void {
    this.write('error', message, context);
  }

  /** Entries with this message, oldest first. */
  find(message: string): LogEntry[] {
    return this.entries.filter((e) => e.message === message);
  }

  private write(level: LogLevel, message: string, context: Record<string, unknown>): void {
    const entry: LogEntry = { at: new Date(), level, message, context };
    this.entries.push(entry);
    appendFileSync(this.file, `${JSON.stringify({ ...entry, at: entry.at.toISOString() })}\n`);
  }
}
