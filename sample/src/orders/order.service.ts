import { Injectable } from '@nestjs/common';
import { Bus, job, JobDescriptor } from '../../../lib';
import { CalculateShipping } from '../jobs/orders/calculate-shipping.job';
import { CreateShippingLabel } from '../jobs/orders/create-shipping-label.job';
import { NotifyWarehouse } from '../jobs/orders/notify-warehouse.job';
import { OrderChainFailed } from '../jobs/orders/order-chain-failed.job';
import { ProcessPayment } from '../jobs/orders/process-payment.job';
import { SendConfirmation } from '../jobs/orders/send-confirmation.job';
import { SendOrderConfirmation } from '../jobs/orders/send-order-confirmation.job';
import { UpdateInventory } from '../jobs/orders/update-inventory.job';
import { ValidateOrder } from '../jobs/orders/validate-order.job';
import { OrderRepository } from './order.repository';

/** The seed's job chains for orders. */
@Injectable()
export class OrderService {
  constructor(
    private readonly bus: Bus,
    private readonly orders: OrderRepository,
  ) {}

  /** "Sequential Processing": payment, inventory, confirmation, warehouse, in that order; on a failure, the catch job. */
  processOrder(orderId: number): Promise<string | null> {
    const order = { orderId };
    return this.bus
      .chain([job(ProcessPayment, order), job(UpdateInventory, order), job(SendOrderConfirmation, order), job(NotifyWarehouse, order)])
      .catch(job(OrderChainFailed, order))
      .dispatch();
  }

  /** "Conditional Chains": the chain built as an array, with the shipping steps only for an order that ships. */
  async processConditionally(orderId: number): Promise<{ id: string | null; steps: string[] }> {
    const order = await this.orders.findOrFail(orderId);
    const data = { orderId };
    const chain: JobDescriptor[] = [job(ValidateOrder, data), job(ProcessPayment, data)];

    if (order.requiresShipping) {
      chain.push(job(CalculateShipping, data));
      chain.push(job(CreateShippingLabel, data));
    }

    chain.push(job(SendConfirmation, data));

    const id = await this.bus.chain(chain).dispatch();
    return { id, steps: chain.map((d) => d.jobClass.name) };
  }
}
