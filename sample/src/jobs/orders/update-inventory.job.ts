import { Job, JobContext, Middleware } from '../../../../lib';
import { WithDatabaseTransaction } from '../../middleware/with-database-transaction';
import { OrderRepository } from '../../orders/order.repository';
import type { OrderRef } from './order-ref';

/** Takes the order's items out of stock, all or none (WithDatabaseTransaction). */
@Job()
@Middleware(WithDatabaseTransaction)
export class UpdateInventory {
  constructor(private readonly orders: OrderRepository) {}

  async handle(data: OrderRef, job: JobContext<OrderRef>): Promise<void> {
    await this.orders.recordStep(data.orderId, 'UpdateInventory', job.attempts);
    await this.orders.takeFromStock(await this.orders.items(data.orderId));
  }
}
