import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Database } from '../database/database';

/** The card was refused: charging it again will not help. */
export class CardDeclinedError extends Error {
  constructor(message = 'Your card was declined.') {
    super(message);
    this.name = 'CardDeclinedError';
  }
}

/** The gateway did not answer in time: worth another try. */
export class GatewayTimeoutError extends Error {
  constructor() {
    super('The payment gateway timed out.');
    this.name = 'GatewayTimeoutError';
  }
}

/**
 * The sample's payment gateway, standing in for a real one (the seed names none). It answers by test card token,
 * as Stripe's test mode does: `tok_visa` is charged, `tok_chargeDeclined` is declined, and
 * `tok_gatewayTimeoutOnce` times out on its first charge and succeeds after. Every charge attempt is a row in
 * `payments`.
 */
@Injectable()
export class PaymentGateway {
  constructor(private readonly db: Database) {}

  async charge(orderId: number, cardToken: string, amountCents: number): Promise<string> {
    const earlier = await this.db.table('payments').where({ order_id: orderId }).count<{ n: number }[]>({ n: '*' });
    const record = (status: string, reference: string | null) =>
      this.db.table('payments').insert({ order_id: orderId, amount_cents: amountCents, status, reference, at: new Date().toISOString() });
    if (cardToken === 'tok_chargeDeclined') {
      await record('declined', null);
      throw new CardDeclinedError();
    }
    if (cardToken === 'tok_gatewayTimeoutOnce' && Number(earlier[0].n) === 0) {
      await record('timeout', null);
      throw new GatewayTimeoutError();
    }
    if (cardToken !== 'tok_visa' && cardToken !== 'tok_gatewayTimeoutOnce') {
      await record('declined', null);
      throw new CardDeclinedError(`Unknown card token ${cardToken}.`);
    }
    const reference = `ch_${randomBytes(8).toString('hex')}`;
    await record('succeeded', reference);
    return reference;
  }
}
