import { randomFillSync } from 'node:crypto';

/** Random bytes drawn at a time: one draw serves 1,024 ids. */
const POOL_BYTES = 16 * 1024;
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** Where each of the 16 bytes' two hex digits go in `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`. */
const DIGIT_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

const pool = Buffer.allocUnsafe(POOL_BYTES);
let poolAt = POOL_BYTES;
let lastMs = -Infinity;
let seq = 0;
const bytes = new Uint8Array(16);
const text = Buffer.alloc(36, '-', 'latin1');

/**
 * A job id: a UUID version 7 (RFC 9562) — 48 bits of Unix milliseconds, then a 32-bit sequence seeded at random
 * each millisecond and counted up within it (so ids made by one process sort in the order they were made, as the
 * `uuid` package's v7 does), then random bits. The same layout as `uuid`'s v7, written through one reused buffer
 * with one random draw per 1,024 ids: a few times faster, for dispatchMany's 100,000-job calls.
 */
export function newJobId(): string {
  if (poolAt + 16 > POOL_BYTES) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const r = poolAt;
  poolAt += 16;
  const now = Date.now();
  if (now > lastMs) {
    seq = ((pool[r + 6] << 23) | (pool[r + 7] << 16) | (pool[r + 8] << 8) | pool[r + 9]) >>> 0;
    lastMs = now;
  } else {
    seq = (seq + 1) >>> 0;
    // A full sequence moves on to the next millisecond, as uuid's v7 does.
    if (seq === 0) lastMs++;
  }
  const hi = Math.floor(lastMs / 0x100000000);
  const lo = lastMs >>> 0;
  bytes[0] = hi >>> 8;
  bytes[1] = hi;
  bytes[2] = lo >>> 24;
  bytes[3] = lo >>> 16;
  bytes[4] = lo >>> 8;
  bytes[5] = lo;
  bytes[6] = 0x70 | ((seq >>> 28) & 0x0f);
  bytes[7] = seq >>> 20;
  bytes[8] = 0x80 | ((seq >>> 14) & 0x3f);
  bytes[9] = seq >>> 6;
  bytes[10] = ((seq << 2) & 0xff) | (pool[r + 10] & 0x03);
  for (let k = 11; k < 16; k++) bytes[k] = pool[r + k];
  for (let k = 0; k < 16; k++) {
    const b = bytes[k];
    text[DIGIT_AT[k]] = HEX_DIGITS[b >>> 4];
    text[DIGIT_AT[k] + 1] = HEX_DIGITS[b & 15];
  }
  return text.toString('latin1', 0, 36);
}
