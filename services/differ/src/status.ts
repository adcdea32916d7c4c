import { createHash } from 'node:crypto';
import type { ApplicationStatus, DifferStatus } from '@flotilla/api';
import { canonicalJson } from '@flotilla/render';

/** A digest of the differ's status without its timestamps and key order: unchanged digest, no write. */
export function statusDigest(status: DifferStatus): string {
  const { reconciledAt: _r, observedAt: _o, ...rest } = status;
  const conditions = (rest.conditions ?? []).map(({ lastTransitionTime: _t, ...c }) => c);
  // Canonical JSON: the status read back from the apiserver has its keys in another order.
  return createHash('sha256')
    .update(canonicalJson({ ...rest, conditions }))
    .digest('hex');
}

/** Keeps each condition's lastTransitionTime while its type and message are unchanged. */
export function carryTransitionTimes(
  next: NonNullable<ApplicationStatus['conditions']>,
  previous: ApplicationStatus['conditions'],
  now: string,
): NonNullable<ApplicationStatus['conditions']> {
  return next.map((c) => {
    const same = previous?.find((p) => p.type === c.type && p.message === c.message);
    return { ...c, lastTransitionTime: same?.lastTransitionTime ?? now };
  });
}
