import { Job, JobContext } from '../../../../lib';
import { OrderRepository } from '../../orders/order.repository';
import type { OrderRef } from './order-ref';

export class InvalidOrderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidOrderError';
  }
}

/** First link of the conditional chain: an order with no items, or items out of stock, goes no further. */
@Job()
export class ValidateOrder {
  constructor(private readonly orders: OrderRepository) {}

  async handle(data: OrderRef, job: JobContext<OrderRef>): Promise<void> {
    await this.orders.recordStep(data.orderId, 'ValidateOrder', job.attempts);
    const order = await this.orders.findOrFail(data.orderId);
    const items = await this.orders.items(order.id);
    if (items.length === 0 || order.totalCents <= 0) return job.fail(new InvalidOrderError(`Order #${order.id} has nothing to pay for.`));
    for (const item of items) {
      if ((await this.orders.stock(item.sku)) < item.quantity) return job.fail(new InvalidOrderError(`${item.sku} is out of stock.`));
    }
    await this.orders.update(order.id, { status: 'validated' });
  }
}
