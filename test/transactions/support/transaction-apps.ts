import 'reflect-metadata';
import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import { ClsModule } from 'nestjs-cls';
import { ClsPluginTransactional, TransactionalAdapter, TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { Knex } from 'knex';
import { Bus, Job, JobContext, QueueManager, QueueModule, QueueModuleOptions, Worker } from '../../../lib';
import type { TestDatabase } from '../../support/sql-databases';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../../support/test-redis';

/** What the jobs of these tests did, in order. */
export const ran: string[] = [];

@Job()
export class SendReceipt {
  async handle(data: { order: string }, _job: JobContext): Promise<void> {
    ran.push(data.order);
  }
}

@Job({ unique: { id: (d: { order: string }) => d.order, for: 60 } })
export class SendUniqueReceipt {
  async handle(data: { order: string }, _job: JobContext): Promise<void> {
    ran.push(`unique:${data.order}`);
  }
}

export const JOBS = [SendReceipt, SendUniqueReceipt];

/** A queue app on the suite's Redis with `redis` (afterCommit false) and `redis-after` (afterCommit true). */
export function queueOptions(prefix: string, extra: QueueModuleOptions = {}): QueueModuleOptions {
  const url = testRedisUrl();
  return {
    redis: { queue: { url }, default: { url } },
    failed: { driver: 'redis' },
    prefix,
    ...extra,
    connections: {
      redis: { driver: 'redis', connection: 'queue', queue: 'receipts' },
      'redis-after': { driver: 'redis', connection: 'queue', queue: 'receipts', afterCommit: true },
      ...(extra.connections ?? {}),
    },
  };
}

export interface TxTestApp {
  app: INestApplicationContext;
  bus: Bus;
  worker: Worker;
  manager: QueueManager;
  /** Jobs waiting on the `receipts` queue in Redis. */
  queued(): Promise<number>;
  /** Runs the worker until the queue is empty. */
  work(): Promise<void>;
  close(): Promise<void>;
}

export async function startApp(imports: DynamicModule[], options: QueueModuleOptions = {}): Promise<TxTestApp> {
  const prefix = uniquePrefix('tx');
  const moduleRef = await Test.createTestingModule({
    imports: [...imports, QueueModule.forRoot(queueOptions(prefix, options))],
    providers: JOBS,
  }).compile();
  const app = await moduleRef.init();
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  const manager = app.get(QueueManager);
  const worker = app.get(Worker);
  return {
    app,
    bus: app.get(Bus),
    worker,
    manager,
    queued: () => manager.connection('redis').size('receipts'),
    work: async () => {
      await worker.run({ connection: 'redis', queue: 'receipts', stopWhenEmpty: true, sleep: 0, memory: 0 });
    },
    async close() {
      await app.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

/** The TypeORM DataSource options of a test database. */
export function typeOrmOptions(db: TestDatabase): DataSourceOptions {
  const connection = db.options.connection;
  if (db.kind === 'sqlite') return { type: 'better-sqlite3', database: (connection as { filename: string }).filename };
  return { type: db.kind === 'pgsql' ? 'postgres' : 'mariadb', url: connection as string };
}

/** ClsModule with the TypeORM adapter of @nestjs-cls/transactional on a DataSource of its own. */
export function clsTypeOrm(options: DataSourceOptions): DynamicModule[] {
  @Module({})
  class TypeOrmDataSourceModule {}
  const dataSource: DynamicModule = {
    module: TypeOrmDataSourceModule,
    providers: [{ provide: DataSource, useFactory: () => new DataSource(options).initialize() }],
    exports: [DataSource],
  };
  return [
    dataSource,
    ClsModule.forRoot({
      global: true,
      plugins: [new ClsPluginTransactional({ imports: [dataSource], adapter: new TransactionalAdapterTypeOrm({ dataSourceToken: DataSource }) })],
    }),
  ];
}

/**
 * An adapter of our own through the public TransactionalAdapter interface only: knex transactions (the
 * published knex adapter of @nestjs-cls is not on the registry).
 */
export class KnexTestAdapter implements TransactionalAdapter<Knex, Knex, Knex.TransactionConfig> {
  constructor(readonly connection: Knex) {}

  optionsFactory = (knex: Knex) => ({
    wrapWithTransaction: (options: Knex.TransactionConfig, fn: (...args: unknown[]) => Promise<unknown>, setTx: (tx?: Knex) => void) =>
      knex.transaction((trx) => {
        setTx(trx);
        return fn();
      }, options),
    wrapWithNestedTransaction: (options: Knex.TransactionConfig, fn: (...args: unknown[]) => Promise<unknown>, setTx: (tx?: Knex) => void, tx: Knex) =>
      tx.transaction((trx) => {
        setTx(trx);
        return fn();
      }, options),
    getFallbackInstance: () => knex,
  });
}

export function clsCustomAdapter(knex: Knex): DynamicModule[] {
  return [ClsModule.forRoot({ global: true, plugins: [new ClsPluginTransactional({ adapter: new KnexTestAdapter(knex) })] })];
}

export function transactionHost<T = never>(t: TxTestApp): TransactionHost<T> {
  return t.app.get(TransactionHost, { strict: false }) as TransactionHost<T>;
}

/** Rejects with this to roll a transaction back on purpose. */
export class RollBack extends Error {
  constructor() {
    super('rolled back on purpose');
  }
}
