import { Job, JobContext, Middleware, RateLimited } from '../../../../lib';
import { WebhookReceivers } from '../../http/webhook-receivers';
import { OrderRepository } from '../../orders/order.repository';
import { HttpClient } from '../../webhooks/http-client';
import type { OrderRef } from './order-ref';

/** Calls to the warehouse API allowed per window, and the window in seconds: the seed's `new RateLimited('api-calls', 30, 60)`. */
export const API_CALLS = { allows: 30, every: 60 } as const;

/**
 * Sends the warehouse's API the pick list of a paid order. Its middleware is the seed's own "Rate Limiting"
 * example, `new RateLimited('api-calls', 30, 60)`: 30 API calls a minute, and a job over that is released for
 * 60 s (Redis::throttle in the seed; the shipped RateLimited in its three-argument form here).
 */
@Job()
@Middleware(new RateLimited('api-calls', API_CALLS.allows, API_CALLS.every))
export class NotifyWarehouse {
  constructor(
    private readonly orders: OrderRepository,
    private readonly http: HttpClient,
    private readonly receivers: WebhookReceivers,
  ) {}

  async handle(data: OrderRef, job: JobContext<OrderRef>): Promise<void> {
    await this.orders.recordStep(data.orderId, 'NotifyWarehouse', job.attempts);
    const items = await this.orders.items(data.orderId);
    const response = await this.http.post(this.receivers.url('warehouse'), { order: data.orderId, items }, { timeout: 30, retry: { times: 3, sleepMs: 100 } });
    if (!response.successful()) throw new Error(`The warehouse API answered ${response.status}: ${response.body}`);
    await this.orders.update(data.orderId, { status: 'fulfilling' });
  }
}
