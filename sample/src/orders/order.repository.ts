import { Injectable } from '@nestjs/common';
import { MissingRecordError } from '../../../lib';
import { Database } from '../database/database';

export interface Order {
  id: number;
  userId: number;
  cardToken: string;
  totalCents: number;
  requiresShipping: boolean;
  weightGrams: number;
  shippingCents: number | null;
  trackingNumber: string | null;
  status: string;
  failureReason: string | null;
}

export interface OrderItem {
  sku: string;
  quantity: number;
}

interface OrderRow {
  id: number;
  user_id: number;
  card_token: string;
  total_cents: number;
  requires_shipping: number | boolean;
  weight_grams: number;
  shipping_cents: number | null;
  tracking_number: string | null;
  status: string;
  failure_reason: string | null;
}

/** Orders, their items, and the steps their processing went through (the order chain's trace). */
@Injectable()
export class OrderRepository {
  constructor(private readonly db: Database) {}

  async findOrFail(id: number): Promise<Order> {
    const row = await this.db.table<OrderRow>('orders').where({ id }).first();
    if (!row) throw new MissingRecordError(`No order with id ${id}.`);
    return {
      id: row.id,
      userId: row.user_id,
      cardToken: row.card_token,
      totalCents: row.total_cents,
      requiresShipping: Boolean(row.requires_shipping),
      weightGrams: row.weight_grams,
      shippingCents: row.shipping_cents,
      trackingNumber: row.tracking_number,
      status: row.status,
      failureReason: row.failure_reason,
    };
  }

  items(orderId: number): Promise<OrderItem[]> {
    return this.db.table<OrderItem>('order_items').where('order_id', orderId).select('sku', 'quantity');
  }

  async update(
    id: number,
    changes: Partial<Pick<OrderRow, 'status' | 'failure_reason' | 'shipping_cents' | 'tracking_number'>>,
  ): Promise<void> {
    await this.db.table('orders').where({ id }).update(changes);
  }

  /** Notes that a step of the order's processing ran (the summary prints the chain's order from these). */
  async recordStep(orderId: number, step: string, attempt: number): Promise<void> {
    await this.db.table('order_steps').insert({ order_id: orderId, step, attempt, at: new Date().toISOString() });
  }

  async steps(orderId: number): Promise<{ step: string; attempt: number }[]> {
    return this.db.table<{ step: string; attempt: number }>('order_steps').where('order_id', orderId).orderBy('id').select('step', 'attempt');
  }

  /** Takes the items out of stock; throws (and changes nothing, inside a transaction) when one is short. */
  async takeFromStock(items: OrderItem[]): Promise<void> {
    for (const item of items) {
      const updated = await this.db.table('products').where('sku', item.sku).andWhere('stock', '>=', item.quantity).decrement('stock', item.quantity);
      if (updated === 0) throw new Error(`Not enough ${item.sku} in stock for ${item.quantity}.`);
    }
  }

  async stock(sku: string): Promise<number> {
    const row = await this.db.table<{ stock: number }>('products').where('sku', sku).first('stock');
    return row?.stock ?? 0;
  }
}
