import { randomBytes } from 'node:crypto';
import { Job, JobContext } from '../../../../lib';
import { OrderRepository } from '../../orders/order.repository';
import type { OrderRef } from './order-ref';

/** Conditional chain: books the parcel and keeps its tracking number. */
@Job()
export class CreateShippingLabel {
  constructor(private readonly orders: OrderRepository) {}

  async handle(data: OrderRef, job: JobContext<OrderRef>): Promise<void> {
    await this.orders.recordStep(data.orderId, 'CreateShippingLabel', job.attempts);
    const tracking = `M2B${String(data.orderId).padStart(6, '0')}${randomBytes(3).toString('hex').toUpperCase()}`;
    await this.orders.update(data.orderId, { tracking_number: tracking });
  }
}
