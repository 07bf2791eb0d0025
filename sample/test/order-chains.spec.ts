import { DEMO } from '../src/database/demo-data';
import { WebhookReceivers } from '../src/http/webhook-receivers';
import { API_CALLS, NotifyWarehouse } from '../src/jobs/orders/notify-warehouse.job';
import { Mailer } from '../src/mail/mailer';
import { QueueInspector } from '../src/run/queue-inspector';
import { OrderRepository } from '../src/orders/order.repository';
import { OrderService } from '../src/orders/order.service';
import { AppLog } from '../src/support/app-log';
import { SampleTestApp, startSampleApp } from './support/sample-app';

describe('order chains', () => {
  let t: SampleTestApp;
  let orders: OrderRepository;
  let service: OrderService;
  beforeEach(async () => {
    t = await startSampleApp();
    orders = t.get(OrderRepository);
    service = t.get(OrderService);
  });
  afterEach(() => t.close());

  const ran = async (orderId: number) => (await orders.steps(orderId)).map((s) => `${s.step}#${s.attempt}`);

  it('runs payment, inventory, confirmation and warehouse in that order', async () => {
    await service.processOrder(DEMO.orders.physical);
    await t.work();
    expect(await ran(DEMO.orders.physical)).toEqual(['ProcessPayment#1', 'UpdateInventory#1', 'SendOrderConfirmation#1', 'NotifyWarehouse#1']);
    expect(await orders.stock('HOODIE')).toBe(19);
    expect(await orders.stock('TICKET-PRINTED')).toBe(99);
    expect(t.get(Mailer).outbox.map((m) => [m.to[0].address, m.subject])).toEqual([['ada@meet2be.test', 'Order #1 confirmed']]);
    expect(t.get(WebhookReceivers).received.map((r) => [r.receiver, JSON.parse(r.body)])).toEqual([
      ['warehouse', { order: 1, items: [{ sku: 'HOODIE', quantity: 1 }, { sku: 'TICKET-PRINTED', quantity: 1 }] }],
    ]);
    expect((await orders.findOrFail(DEMO.orders.physical)).status).toBe('fulfilling');
    expect(t.get(AppLog).find('Order processing chain failed')).toEqual([]);
  });

  it('stops at a failure and runs the catch job, which logs the error that stopped the chain', async () => {
    await service.processOrder(DEMO.orders.declined);
    await t.work();
    expect(await ran(DEMO.orders.declined)).toEqual(['ProcessPayment#1']);
    expect(t.get(AppLog).find('Order processing chain failed').map((e) => e.context)).toEqual([
      { order_id: DEMO.orders.declined, error: 'Your card was declined.' },
    ]);
    const order = await orders.findOrFail(DEMO.orders.declined);
    expect([order.status, order.failureReason]).toEqual(['failed', 'Your card was declined.']);
    expect(await orders.stock('HOODIE')).toBe(20);
    expect(t.get(Mailer).outbox).toEqual([]);
  });

  it('goes on with the chain once a retried job succeeds', async () => {
    await service.processOrder(DEMO.orders.physicalFlaky);
    const { rounds } = await t.work();
    expect(rounds).toBe(2);
    expect(await ran(DEMO.orders.physicalFlaky)).toEqual([
      'ProcessPayment#1', 'ProcessPayment#2', 'UpdateInventory#1', 'SendOrderConfirmation#1', 'NotifyWarehouse#1',
    ]);
  });

  it('builds the conditional chain from an array: the shipping steps only for an order that ships', async () => {
    const shipped = await service.processConditionally(DEMO.orders.physical);
    const digital = await service.processConditionally(DEMO.orders.digital);
    expect(shipped.steps).toEqual(['ValidateOrder', 'ProcessPayment', 'CalculateShipping', 'CreateShippingLabel', 'SendConfirmation']);
    expect(digital.steps).toEqual(['ValidateOrder', 'ProcessPayment', 'SendConfirmation']);
    await t.work();
    expect(await ran(DEMO.orders.physical)).toEqual(['ValidateOrder#1', 'ProcessPayment#1', 'CalculateShipping#1', 'CreateShippingLabel#1', 'SendConfirmation#1']);
    expect(await ran(DEMO.orders.digital)).toEqual(['ValidateOrder#1', 'ProcessPayment#1', 'SendConfirmation#1']);
    const order = await orders.findOrFail(DEMO.orders.physical);
    expect(order.shippingCents).toBe(745);
    expect(order.trackingNumber).toMatch(/^M2B000001[0-9A-F]{6}$/);
    expect(t.get(Mailer).sentTo('ada@meet2be.test').map((m) => m.text).sort()).toEqual([
      `Thank you! We received €344.00 for order #1. Shipping €7.45, tracking number ${order.trackingNumber}.`,
      'Thank you! We received €498.00 for order #4. Your tickets are attached to your account; nothing will be shipped.',
    ]);
  });

  it("holds warehouse API calls to the seed's RateLimited('api-calls', 30, 60): the 31st call waits 60 s", async () => {
    const ids: (string | null)[] = [];
    for (let i = 0; i <= API_CALLS.allows; i++) ids.push(await t.bus.dispatch(NotifyWarehouse, { orderId: DEMO.orders.physical }));
    await t.work();
    expect(t.get(WebhookReceivers).received.filter((r) => r.receiver === 'warehouse')).toHaveLength(API_CALLS.allows);
    const waiting = await t.get(QueueInspector).delayed(['{default}']);
    expect(waiting.map((w) => [w.id, w.attempts])).toEqual([[ids[API_CALLS.allows], 1]]);
    expect(waiting[0].availableIn).toBeGreaterThan(55);
    expect(waiting[0].availableIn).toBeLessThanOrEqual(API_CALLS.every);
  });
});
