import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { InvalidPayloadError, QueueConfigError } from '../errors';

/**
 * Encrypts job data with AES-256-GCM: base64 of iv (12 bytes) + auth tag (16) + ciphertext.
 * The first key encrypts; every key is tried when decrypting, so keys can be rotated.
 */
export class PayloadEncrypter {
  constructor(private readonly keys: readonly Buffer[]) {}

  get enabled(): boolean {
    return this.keys.length > 0;
  }

  encrypt(json: string, jobName: string): string {
    const key = this.keys[0];
    if (!key) {
      throw new QueueConfigError('key', `${jobName} is an encrypted job but no key is configured. Set QUEUE_KEY or "key" (32 bytes as 'base64:...' or 64 hex digits).`);
    }
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** A payload's job data: decrypted and parsed when the payload is encrypted, as it is otherwise. */
  dataOf(payload: { data: unknown; job: string; encrypted?: boolean }): unknown {
    return payload.encrypted ? JSON.parse(this.decrypt(payload.data, payload.job)) : payload.data;
  }

  decrypt(text: unknown, jobName: string): string {
    if (typeof text !== 'string') throw new InvalidPayloadError(`The encrypted data of ${jobName} is not a string.`);
    const raw = Buffer.from(text, 'base64');
    if (raw.length < 28) throw new InvalidPayloadError(`The encrypted data of ${jobName} is too short to be ours.`);
    if (this.keys.length === 0) throw new InvalidPayloadError(`${jobName} is encrypted but no key is configured on this worker.`);
    for (const key of this.keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        // try the next key
      }
    }
    throw new InvalidPayloadError(`The data of ${jobName} could not be decrypted: it was tampered with, or was encrypted with a key this worker does not have.`);
  }
}
