import { AsyncLocalStorage } from 'node:async_hooks';
import { join } from 'node:path';
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import knex, { Knex } from 'knex';
import { SAMPLE_SETTINGS, SampleSettings } from '../config/sample-settings';
import { createSchema } from './schema';

/**
 * The application's database (Laravel's DB facade): knex on SQLite through better-sqlite3.
 *
 * `transaction(fn)` runs `fn` inside a transaction, and every query made through `table()` or `query()` while
 * `fn` runs — in the job handler too, several calls down — goes through that transaction, as every query on
 * Laravel's connection does inside `DB::transaction`. That is what the WithDatabaseTransaction middleware needs.
 */
@Injectable()
export class Database implements OnModuleInit, OnApplicationShutdown {
  private readonly knex: Knex;
  private readonly current = new AsyncLocalStorage<Knex.Transaction>();

  constructor(@Inject(SAMPLE_SETTINGS) settings: SampleSettings) {
    this.knex = knex({
      client: 'better-sqlite3',
      connection: { filename: join(settings.storageDir, 'app.sqlite') },
      useNullAsDefault: true,
    });
  }

  async onModuleInit(): Promise<void> {
    await createSchema(this.knex);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.knex.destroy();
  }

  /** A query builder on `table`, inside the current transaction if there is one. */
  table<TRecord extends object = Record<string, unknown>>(table: string) {
    return this.query()<TRecord>(table);
  }

  /** The current transaction, or the connection itself. */
  query(): Knex {
    return this.current.getStore() ?? this.knex;
  }

  /** Runs `work` in a transaction: committed when it resolves, rolled back when it throws. Nested calls join the outer one. */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.current.getStore()) return work();
    return this.knex.transaction((trx) => this.current.run(trx, work));
  }

  inTransaction(): boolean {
    return this.current.getStore() !== undefined;
  }
}
