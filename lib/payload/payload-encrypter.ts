import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { InvalidPayloadError, QueueConfigError } from '../errors';
import { BOUND_ENCRYPTION_VERSION, DescriptorPayload, JobPayload } from './payload.interface';

/** What a piece of ciphertext belongs to: a queued job (by its id) or a chain link / batch callback (by the descriptor's id). */
export type CiphertextOwner = { kind: 'job' | 'link'; name: string; id: string };

/**
 * Encrypts job data with AES-256-GCM: base64 of iv (12 bytes) + auth tag (16) + ciphertext. The additional data
 * binds the ciphertext to what owns it (job or link, name, id), so ciphertext copied into another job does not
 * decrypt. The first key encrypts; every key is tried when decrypting, so keys can be rotated.
 *
 * `isEncryptedJob` tells whether this process's registry declares a job name `encrypted`: such a job refuses a
 * payload (or a chain link) whose data is plain text.
 */
export class PayloadEncrypter {
  constructor(
    private readonly keys: readonly Buffer[],
    private readonly isEncryptedJob: (name: string) => boolean = () => false,
  ) {}

  get enabled(): boolean {
    return this.keys.length > 0;
  }

  encrypt(json: string, owner: CiphertextOwner): string {
    const key = this.keys[0];
    if (!key) {
      throw new QueueConfigError('key', `${owner.name} is an encrypted job but no key is configured. Set QUEUE_KEY or "key" (32 bytes as 'base64:...' or 64 hex digits).`);
    }
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(additionalData(owner));
    const body = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /**
   * A payload's job data, once it is one this worker may run: decrypted when encrypted (refused when written
   * before ciphertext was bound to its job), refused when plain but the job is declared encrypted here. The
   * chain links it carries are checked the same way, so plain text never reaches an encrypted job by a chain.
   */
  dataOf(payload: JobPayload): unknown {
    const where = `${payload.job} (${payload.uuid})`;
    for (const link of linksOf(payload)) {
      this.assertLinkEncrypted(link, where);
      // A link whose ciphertext does not decrypt here (copied from elsewhere) fails the job before it runs.
      if (link.encrypted) this.linkDataOf(link);
    }
    if (!payload.encrypted) {
      if (this.isEncryptedJob(payload.job)) {
        throw new InvalidPayloadError(`${where} is an encrypted job, but the data of this payload is plain text: refused. Dispatch it through the Bus.`);
      }
      return payload.data;
    }
    if (payload.v < BOUND_ENCRYPTION_VERSION) {
      throw new InvalidPayloadError(
        `${where} was encrypted by an earlier nestjs-queue (payload version ${payload.v}) whose ciphertext is not bound to its job; ` +
          `it cannot be told from ciphertext copied from another job, so it is refused. Dispatch it again.`,
      );
    }
    return parse(this.decrypt(payload.data, { kind: 'job', name: payload.job, id: payload.uuid }), where);
  }

  /** A chain link's or batch callback's data, decrypted when it is encrypted. */
  linkDataOf(link: DescriptorPayload): unknown {
    if (!link.encrypted) return link.data;
    if (typeof link.id !== 'string' || !link.id) throw new InvalidPayloadError(`The encrypted chain link ${link.job} has no "id" its ciphertext is bound to.`);
    return parse(this.decrypt(link.data, { kind: 'link', name: link.job, id: link.id }), `The chain link ${link.job}`);
  }

  /** Refuses a link whose data is plain text while its job is encrypted (by its described options or by this registry). */
  assertLinkEncrypted(link: DescriptorPayload, where: string): void {
    if (link.batch || link.encrypted) return;
    if (link.options?.encrypted || this.isEncryptedJob(link.job)) {
      throw new InvalidPayloadError(`${where} carries a chain link for the encrypted job ${link.job} whose data is plain text: refused.`);
    }
  }

  decrypt(text: unknown, owner: CiphertextOwner): string {
    const what = `${owner.name} (${owner.id})`;
    if (typeof text !== 'string') throw new InvalidPayloadError(`The encrypted data of ${what} is not a string.`);
    const raw = Buffer.from(text, 'base64');
    if (raw.length < 28) throw new InvalidPayloadError(`The encrypted data of ${what} is too short to be ours.`);
    if (this.keys.length === 0) throw new InvalidPayloadError(`${what} is encrypted but no key is configured on this worker.`);
    const aad = additionalData(owner);
    for (const key of this.keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAAD(aad);
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        // try the next key
      }
    }
    throw new InvalidPayloadError(
      `The data of ${owner.name} could not be decrypted: it was tampered with, or was encrypted with a key this worker does not have. ` +
        `(Id ${owner.id}; ciphertext copied from another job does not decrypt either.)`,
    );
  }
}

function additionalData(owner: CiphertextOwner): Buffer {
  return Buffer.from(`nestjs-queue:${owner.kind}:${owner.name}:${owner.id}`, 'utf8');
}

function parse(json: string, where: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    throw new InvalidPayloadError(`The decrypted data of ${where} is not JSON.`);
  }
}

/** The chain links a payload carries: its chain, its chain catch, and those of batches standing in the chain. */
function linksOf(payload: JobPayload): DescriptorPayload[] {
  if (!payload.chain && !payload.chainCatch) return [];
  const out: DescriptorPayload[] = [];
  const walk = (d: DescriptorPayload) => {
    out.push(d);
    d.chain?.forEach(walk);
    const b = d.batch;
    if (b) {
      for (const entry of b.jobs) (Array.isArray(entry) ? entry : [entry]).forEach(walk);
      b.then?.forEach(walk);
      b.catch?.forEach(walk);
      b.finally?.forEach(walk);
    }
  };
  payload.chain?.forEach(walk);
  if (payload.chainCatch) walk(payload.chainCatch);
  return out;
}
