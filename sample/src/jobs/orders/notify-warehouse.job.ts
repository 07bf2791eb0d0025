import { Inject } from '@nestjs/common';
import { Job, JobContext } from '../../../../lib';
import { SAMPLE_SETTINGS, SampleSettings } from '../../config/sample-settings';
import { Mailer } from '../../mail/mailer';
import { OrderRepository } from '../../orders/order.repository';
import type { OrderRef } from './order-ref';

/** Sends the warehouse the pick list of a paid order. */
@Job()
export class NotifyWarehouse {
  constructor(
    private readonly orders: OrderRepository,
    private readonly mailer: Mailer,
    @Inject(SAMPLE_SETTINGS) private readonly settings: SampleSettings,
  ) {}

  async handle(data: OrderRef, job: JobContext<OrderRef>): Promise<void> {
    await this.orders.recordStep(data.orderId, 'NotifyWarehouse', job.attempts);
    const items = await this.orders.items(data.orderId);
    await this.mailer.send({
      to: this.settings.warehouseEmail,
      subject: `Pick order #${data.orderId}`,
      text: items.map((i) => `${i.quantity} × ${i.sku}`).join('\n'),
    });
    await this.orders.update(data.orderId, { status: 'fulfilling' });
  }
}
