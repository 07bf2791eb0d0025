import { Job, JobContext } from '../../../../lib';
import { Mailer } from '../../mail/mailer';
import { OrderRepository } from '../../orders/order.repository';
import { UserRepository } from '../../users/user.repository';
import { euros, OrderRef } from './order-ref';

/** Mails the customer that the order is paid. */
@Job()
export class SendOrderConfirmation {
  constructor(
    private readonly orders: OrderRepository,
    private readonly users: UserRepository,
    private readonly mailer: Mailer,
  ) {}

  async handle(data: OrderRef, job: JobContext<OrderRef>): Promise<void> {
    await this.orders.recordStep(data.orderId, 'SendOrderConfirmation', job.attempts);
    const order = await this.orders.findOrFail(data.orderId);
    const user = await this.users.findOrFail(order.userId);
    await this.mailer.send({
      to: { name: user.name, address: user.email },
      subject: `Order #${order.id} confirmed`,
      text: `Thank you! We received ${euros(order.totalCents)} for order #${order.id}.`,
    });
  }
}
