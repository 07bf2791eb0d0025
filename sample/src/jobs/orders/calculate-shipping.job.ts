import { Job, JobContext } from '../../../../lib';
import { OrderRepository } from '../../orders/order.repository';
import type { OrderRef } from './order-ref';

/** €4.95, plus €2.50 per started 500 g. */
export function shippingCost(weightGrams: number): number {
  return 495 + Math.ceil(weightGrams / 500) * 250;
}

/** Conditional chain: prices the shipping of an order that ships. */
@Job()
export class CalculateShipping {
  constructor(private readonly orders: OrderRepository) {}

  async handle(data: OrderRef, job: JobContext<OrderRef>): Promise<void> {
    await this.orders.recordStep(data.orderId, 'CalculateShipping', job.attempts);
    const order = await this.orders.findOrFail(data.orderId);
    await this.orders.update(order.id, { shipping_cents: shippingCost(order.weightGrams) });
  }
}
