import { Job, JobContext } from '../../../../lib';
import { Mailer } from '../../mail/mailer';
import { OrderRepository } from '../../orders/order.repository';
import { UserRepository } from '../../users/user.repository';
import { euros, OrderRef } from './order-ref';

/** Last link of the conditional chain: the confirmation, with the shipping details when the order ships. */
@Job()
export class SendConfirmation {
  constructor(
    private readonly orders: OrderRepository,
    private readonly users: UserRepository,
    private readonly mailer: Mailer,
  ) {}

  async handle(data: OrderRef, job: JobContext<OrderRef>): Promise<void> {
    await this.orders.recordStep(data.orderId, 'SendConfirmation', job.attempts);
    const order = await this.orders.findOrFail(data.orderId);
    const user = await this.users.findOrFail(order.userId);
    const shipping = order.requiresShipping
      ? `Shipping ${euros(order.shippingCents ?? 0)}, tracking number ${order.trackingNumber ?? 'to follow'}.`
      : 'Your tickets are attached to your account; nothing will be shipped.';
    await this.mailer.send({
      to: { name: user.name, address: user.email },
      subject: `Order #${order.id} confirmed`,
      text: `Thank you! We received ${euros(order.totalCents)} for order #${order.id}. ${shipping}`,
    });
    await this.orders.update(order.id, { status: 'completed' });
  }
}
