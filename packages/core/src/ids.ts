import { randomFillSync } from 'node:crypto';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

// One randomFillSync call per 256 ids instead of one randomBytes call per id: the same
// CSPRNG and the same 128 bits per id, at a fraction of the cost on the checkout path
// (crypto.randomUUID pools the same way).
const POOL = new Uint8Array(4096);
let poolOffset = POOL.length;

function random16(into: Uint8Array, at: number): void {
  if (poolOffset + 16 > POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  into.set(POOL.subarray(poolOffset, poolOffset + 16), at);
  // Never hand out the same bytes twice.
  POOL.fill(0, poolOffset, poolOffset + 16);
  poolOffset += 16;
}

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += CROCKFORD[(value << (5 - bits)) & 31];
  return out;
}

/** Prefixes of the ids Tessera makes; a reader knows what an id names by its prefix. */
export type IdPrefix = 'lease' | 'lic' | 'aud' | 'usr' | 'req' | 'pool';

/**
 * A prefixed, time-sortable id with 128 random bits: 48 bits of milliseconds, then 16
 * random bytes, Crockford base32. Knowing a lease id is what lets a client heartbeat or
 * release it, hence the 128 bits.
 *
 * @example newId('lease') // 'lease_01jq7y2x0m9d7k3v5r8s1t4w6z2c4e6g8j'
 */
export function newId(prefix: IdPrefix, nowMs: number = Date.now()): string {
  const buf = new Uint8Array(22);
  let t = nowMs;
  for (let i = 5; i >= 0; i--) {
    buf[i] = t % 256;
    t = Math.floor(t / 256);
  }
  random16(buf, 6);
  return `${prefix}_${base32(buf)}`;
}
