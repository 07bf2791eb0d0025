import type { Knex } from 'knex';

/** Creates the sample's tables when they are missing (the migrations of the seed's app, reduced to what the jobs use). */
export async function createSchema(db: Knex): Promise<void> {
  const create = async (name: string, build: (t: Knex.CreateTableBuilder) => void) => {
    if (!(await db.schema.hasTable(name))) await db.schema.createTable(name, build);
  };
  await create('users', (t) => {
    t.increments('id');
    t.string('name').notNullable();
    t.string('email').notNullable().unique();
    t.timestamp('created_at').notNullable();
  });
  await create('events', (t) => {
    t.increments('id');
    t.integer('tenant_id').notNullable();
    t.string('name').notNullable();
    t.boolean('archived').notNullable().defaultTo(false);
    t.boolean('processed').notNullable().defaultTo(false);
    t.text('statistics');
    t.text('report');
  });
  await create('attendees', (t) => {
    t.increments('id');
    t.integer('event_id').notNullable().references('events.id');
    t.string('name').notNullable();
    t.string('email').notNullable();
    t.string('company');
    t.boolean('checked_in').notNullable().defaultTo(false);
    t.timestamp('registered_at').notNullable();
  });
  await create('email_logs', (t) => {
    t.increments('id');
    t.integer('user_id').notNullable();
    t.string('template').notNullable();
    t.timestamp('sent_at').notNullable();
  });
  await create('webhook_logs', (t) => {
    t.increments('id');
    t.string('url').notNullable();
    t.text('payload').notNullable();
    t.text('response');
    t.integer('status').notNullable();
    t.timestamp('sent_at').notNullable();
  });
  await create('products', (t) => {
    t.string('sku').primary();
    t.string('name').notNullable();
    t.integer('stock').notNullable();
  });
  await create('orders', (t) => {
    t.increments('id');
    t.integer('user_id').notNullable();
    t.string('card_token').notNullable();
    t.integer('total_cents').notNullable();
    t.boolean('requires_shipping').notNullable();
    t.integer('weight_grams').notNullable().defaultTo(0);
    t.integer('shipping_cents');
    t.string('tracking_number');
    t.string('status').notNullable().defaultTo('pending');
    t.text('failure_reason');
  });
  await create('order_items', (t) => {
    t.integer('order_id').notNullable().references('orders.id');
    t.string('sku').notNullable().references('products.sku');
    t.integer('quantity').notNullable();
  });
  await create('order_steps', (t) => {
    t.increments('id');
    t.integer('order_id').notNullable();
    t.string('step').notNullable();
    t.integer('attempt').notNullable();
    t.timestamp('at').notNullable();
  });
  await create('payments', (t) => {
    t.increments('id');
    t.integer('order_id').notNullable();
    t.integer('amount_cents').notNullable();
    t.string('status').notNullable();
    t.string('reference');
    t.timestamp('at').notNullable();
  });
}
