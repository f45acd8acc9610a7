import { randomBytes } from 'node:crypto';

/**
 * UUID version 7 (RFC 9562): a millisecond timestamp then randomness, so ids
 * sort by creation time and a primary-key index serves "newest/oldest first"
 * pagination with no extra column. Generated here because PostgreSQL 15-17
 * have no uuidv7().
 */
let lastMs = 0;
let sequence = 0;

export function uuidv7(now: number = Date.now()): string {
  // Within one millisecond a 12-bit counter keeps ids of this process in creation order.
  if (now <= lastMs) {
    sequence++;
    if (sequence > 0xfff) {
      lastMs++;
      sequence = 0;
    }
    now = lastMs;
  } else {
    lastMs = now;
    sequence = 0;
  }
  const b = randomBytes(16);
  b.writeUIntBE(now, 0, 6);
  b[6] = 0x70 | (sequence >> 8);
  b[7] = sequence & 0xff;
  b.writeUInt8((b.readUInt8(8) & 0x3f) | 0x80, 8);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
