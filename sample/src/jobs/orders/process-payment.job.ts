import { Job, JobContext, OnFailed } from '../../../../lib';
import { OrderRepository } from '../../orders/order.repository';
import { CardDeclinedError, PaymentGateway } from '../../orders/payment-gateway';
import type { OrderRef } from './order-ref';

/**
 * Charges the order's card. The seed gives this job no options; the sample gives it 3 tries 1 s apart, so a
 * gateway timeout is retried (and the chain goes on once it succeeds), while a declined card fails it at once.
 */
@Job({ tries: 3, backoff: 1 })
export class ProcessPayment {
  constructor(
    private readonly orders: OrderRepository,
    private readonly gateway: PaymentGateway,
  ) {}

  async handle(data: OrderRef, job: JobContext<OrderRef>): Promise<void> {
    await this.orders.recordStep(data.orderId, 'ProcessPayment', job.attempts);
    const order = await this.orders.findOrFail(data.orderId);
    try {
      await this.gateway.charge(order.id, order.cardToken, order.totalCents);
    } catch (error) {
      if (error instanceof CardDeclinedError) return job.fail(error);
      throw error;
    }
    await this.orders.update(order.id, { status: 'paid' });
  }

  @OnFailed()
  async failed(data: OrderRef, error: Error): Promise<void> {
    await this.orders.update(data.orderId, { status: 'payment_failed', failure_reason: error.message });
  }
}
