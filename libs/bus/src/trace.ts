import { randomBytes } from 'node:crypto';

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** Whether `value` is a W3C `traceparent` of version 00. */
export function isTraceparent(value: string): boolean {
  return TRACEPARENT.test(value);
}

/** A new W3C `traceparent` (sampled), or a child span of `parent` when it is valid. */
export function traceparent(parent?: string): string {
  const span = randomBytes(8).toString('hex');
  if (parent && TRACEPARENT.test(parent)) {
    const [, trace, , flags] = parent.split('-');
    return `00-${trace}-${span}-${flags}`;
  }
  return `00-${randomBytes(16).toString('hex')}-${span}-01`;
}
