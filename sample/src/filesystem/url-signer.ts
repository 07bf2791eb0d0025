import { createHmac, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SAMPLE_SETTINGS, SampleSettings } from '../config/sample-settings';

export type SignatureCheck = { valid: true } | { valid: false; reason: 'missing' | 'invalid' | 'expired' };

/**
 * Temporary signed URLs (Laravel's URL::temporarySignedRoute): `?expires=<epoch seconds>&signature=<hex>`, where the
 * signature is an HMAC-SHA256, under the app key, of the path and the expiry. Changing either breaks it.
 */
@Injectable()
export class UrlSigner {
  private readonly key: string;

  constructor(@Inject(SAMPLE_SETTINGS) settings: SampleSettings) {
    this.key = settings.appKey;
  }

  sign(url: URL, expiresAt: Date): URL {
    const signed = new URL(url.toString());
    const expires = String(Math.floor(expiresAt.getTime() / 1000));
    signed.searchParams.set('expires', expires);
    signed.searchParams.set('signature', this.signature(signed.pathname, expires));
    return signed;
  }

  verify(url: URL, now: Date = new Date()): SignatureCheck {
    const expires = url.searchParams.get('expires');
    const signature = url.searchParams.get('signature');
    if (!expires || !signature) return { valid: false, reason: 'missing' };
    const expected = Buffer.from(this.signature(url.pathname, expires), 'hex');
    const given = Buffer.from(signature, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { valid: false, reason: 'invalid' };
    if (Number(expires) * 1000 <= now.getTime()) return { valid: false, reason: 'expired' };
    return { valid: true };
  }

  private signature(path: string, expires: string): string {
    return createHmac('sha256', this.key).update(`${path}?expires=${expires}`).digest('hex');
  }
}
