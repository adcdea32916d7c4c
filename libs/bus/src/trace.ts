import { randomFillSync } from 'node:crypto';

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** Whether `value` is a W3C `traceparent` of version 00. */
export function isTraceparent(value: string): boolean {
  return TRACEPARENT.test(value);
}

// Every published message gets a span id and most a trace id: drawn from a pool
// filled 4 KiB at a time, not one call into the system's generator each (which
// was a few percent of a busy role's CPU).
const pool = Buffer.alloc(4096);
let used = pool.length;

function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const hex = pool.toString('hex', used, used + bytes);
  used += bytes;
  // All zeros is not a valid trace or span id; the odds are 2^-64 or less.
  return /^0+$/.test(hex) ? randomHex(bytes) : hex;
}

/** A new W3C `traceparent` (sampled), or a child span of `parent` when it is valid. */
export function traceparent(parent?: string): string {
  const span = randomHex(8);
  if (parent && TRACEPARENT.test(parent)) {
    const [, trace, , flags] = parent.split('-');
    return `00-${trace}-${span}-${flags}`;
  }
  return `00-${randomHex(16)}-${span}-01`;
}
