import { Job, JobContext, OnQueue, QueueModule, QueueModuleOptions, Bus } from '../../lib';
import { Test } from '@nestjs/testing';
import type { INestApplicationContext, Provider } from '@nestjs/common';
import { BusAssertionError, BusFake } from '../../lib/testing';
import { testRedisUrl, uniquePrefix } from '../support/test-redis';

/** Handler runs, so a test can prove the fake runs nothing. */
export const handled: string[] = [];

@Job()
export class SendWelcomeEmail {
  async handle(data: { userId: number }): Promise<void> {
    handled.push(`welcome:${data.userId}`);
  }
}

@Job({ name: 'emails.transactional' })
@OnQueue('transactional', 'redis-priority')
export class SendTransactionalEmail {
  async handle(data: { to: string }, job: JobContext): Promise<void> {
    handled.push(`transactional:${data.to}:${job.queue}`);
  }
}

@Job()
export class ProcessPayment {
  async handle(data: { orderId: number }): Promise<void> {
    handled.push(`payment:${data.orderId}`);
  }
}

@Job()
export class UpdateInventory {
  async handle(data: { orderId: number }): Promise<void> {
    handled.push(`inventory:${data.orderId}`);
  }
}

@Job()
export class SendOrderConfirmation {
  async handle(data: { orderId: number }): Promise<void> {
    handled.push(`confirmation:${data.orderId}`);
  }
}

@Job()
export class OrderChainFailed {
  async handle(data: { orderId: number }): Promise<void> {
    handled.push(`chain-failed:${data.orderId}`);
  }
}

@Job()
export class ImportUserChunk {
  async handle(data: { index: number }): Promise<void> {
    handled.push(`chunk:${data.index}`);
  }
}

@Job()
export class NotifyImportCompleted {
  async handle(data: { userId: number }): Promise<void> {
    handled.push(`import-done:${data.userId}`);
  }
}

export const ALL_JOBS = [
  SendWelcomeEmail, SendTransactionalEmail, ProcessPayment, UpdateInventory, SendOrderConfirmation, OrderChainFailed, ImportUserChunk,
  NotifyImportCompleted,
];

export interface FakeApp {
  app: INestApplicationContext;
  bus: BusFake;
  prefix: string;
  close(): Promise<void>;
}

/** QueueModule on the test Redis with Bus overridden by BusFake, as a user's test would build it. */
export async function createFakeApp(providers: Provider[] = [], options: QueueModuleOptions = {}): Promise<FakeApp> {
  const prefix = uniquePrefix('fake');
  const url = testRedisUrl();
  const moduleRef = await Test.createTestingModule({
    imports: [QueueModule.forRoot({ redis: { queue: { url }, default: { url } }, failed: { driver: 'redis' }, ...options, prefix })],
    providers: [...ALL_JOBS, ...providers],
  })
    .overrideProvider(Bus)
    .useClass(BusFake)
    .compile();
  const app = await moduleRef.init();
  return { app, bus: app.get<BusFake>(Bus), prefix, close: () => app.close() };
}

/** The error a failing assertion throws, for checking its message; fails the test if the assertion passes. */
export function failure(assertion: () => void): BusAssertionError {
  try {
    assertion();
  } catch (error) {
    if (error instanceof BusAssertionError) return error;
    throw error;
  }
  throw new Error('The assertion passed, but it should have failed.');
}
