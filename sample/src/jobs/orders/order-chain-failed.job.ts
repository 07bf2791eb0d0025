import { Job, JobContext } from '../../../../lib';
import { OrderRepository } from '../../orders/order.repository';
import { AppLog } from '../../support/app-log';
import type { OrderRef } from './order-ref';

/**
 * The order chain's `catch` (the seed's closure, as a job so it survives a restart): logs the failure with the
 * error that stopped the chain, which the queue hands over as `job.cause`.
 */
@Job()
export class OrderChainFailed {
  constructor(
    private readonly orders: OrderRepository,
    private readonly log: AppLog,
  ) {}

  async handle(data: OrderRef, job: JobContext<OrderRef>): Promise<void> {
    // Handle chain failure
    this.log.error('Order processing chain failed', { order_id: data.orderId, error: job.cause?.message ?? 'unknown' });
    await this.orders.update(data.orderId, { status: 'failed' });
  }
}
