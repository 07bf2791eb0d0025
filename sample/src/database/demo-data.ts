import type { Database } from './database';

/** Ids of the records the demo data creates, for the scenarios and the tests. */
export const DEMO = {
  users: { ada: 1, grace: 2, linus: 3 },
  /** A user id with no record: a welcome email for it fails. */
  missingUserId: 99,
  tenantId: 7,
  events: { laracon: 1, archived: 2, deleted: 3 },
  orders: { physical: 1, declined: 2, physicalFlaky: 3, digital: 4 },
} as const;

const NOW = () => new Date().toISOString();

/**
 * The records the seed's jobs work on: users, a Meet2Be event with attendees, an archived event, products and
 * orders. Idempotent per database: it only inserts into empty tables.
 */
export async function seedDemoData(db: Database): Promise<void> {
  if ((await db.table('users').count<{ n: number }[]>({ n: '*' }))[0].n > 0) return;
  await db.transaction(async () => {
    await db.table('users').insert([
      { id: DEMO.users.ada, name: 'Ada Lovelace', email: 'ada@meet2be.test', created_at: NOW() },
      { id: DEMO.users.grace, name: 'Grace Hopper', email: 'grace@meet2be.test', created_at: NOW() },
      { id: DEMO.users.linus, name: 'Linus Torvalds', email: 'linus@meet2be.test', created_at: NOW() },
    ]);
    await db.table('events').insert([
      { id: DEMO.events.laracon, tenant_id: DEMO.tenantId, name: 'Laracon EU', archived: false },
      { id: DEMO.events.archived, tenant_id: DEMO.tenantId, name: 'Meetup 2019', archived: true },
    ]);
    const attendees: [string, string, string, boolean][] = [
      ['Taylor Otwell', 'Taylor@Laravel.test', 'Laravel', true],
      ['Freek Van der Herten', 'freek@spatie.test', 'Spatie', true],
      ['Nuno Maduro', 'nuno@laravel.test', 'Laravel', false],
      ['Jess Archer', 'jess@laravel.test', 'Laravel', true],
      ['Kévin Dunglas', 'kevin@les-tilleuls.test', 'Les-Tilleuls.coop', false],
    ];
    await db.table('attendees').insert(
      attendees.map(([name, email, company, checkedIn], i) => ({
        event_id: DEMO.events.laracon,
        name,
        email,
        company,
        checked_in: checkedIn,
        registered_at: new Date(Date.UTC(2026, 0, 10 + i, 9, 0, 0)).toISOString(),
      })),
    );
    await db.table('attendees').insert({
      event_id: DEMO.events.archived, name: 'Old Attendee', email: 'old@meet2be.test', company: null, checked_in: true,
      registered_at: new Date(Date.UTC(2019, 4, 1)).toISOString(),
    });
    await db.table('products').insert([
      { sku: 'TICKET-PRINTED', name: 'Printed ticket with badge', stock: 100 },
      { sku: 'HOODIE', name: 'Conference hoodie', stock: 20 },
      { sku: 'TICKET-PDF', name: 'PDF ticket', stock: 1000 },
    ]);
    const orders = [
      { id: DEMO.orders.physical, user_id: DEMO.users.ada, card_token: 'tok_visa', requires_shipping: true, weight_grams: 450, items: [['HOODIE', 1], ['TICKET-PRINTED', 1]] },
      { id: DEMO.orders.declined, user_id: DEMO.users.grace, card_token: 'tok_chargeDeclined', requires_shipping: true, weight_grams: 400, items: [['HOODIE', 1]] },
      { id: DEMO.orders.physicalFlaky, user_id: DEMO.users.linus, card_token: 'tok_gatewayTimeoutOnce', requires_shipping: true, weight_grams: 450, items: [['HOODIE', 1], ['TICKET-PRINTED', 1]] },
      { id: DEMO.orders.digital, user_id: DEMO.users.ada, card_token: 'tok_visa', requires_shipping: false, weight_grams: 0, items: [['TICKET-PDF', 2]] },
    ] as const;
    const prices: Record<string, number> = { HOODIE: 4500, 'TICKET-PRINTED': 29900, 'TICKET-PDF': 24900 };
    for (const order of orders) {
      const total = order.items.reduce((sum, [sku, quantity]) => sum + prices[sku] * quantity, 0);
      await db.table('orders').insert({
        id: order.id, user_id: order.user_id, card_token: order.card_token, total_cents: total,
        requires_shipping: order.requires_shipping, weight_grams: order.weight_grams, status: 'pending',
      });
      await db.table('order_items').insert(order.items.map(([sku, quantity]) => ({ order_id: order.id, sku, quantity })));
    }
  });
}
