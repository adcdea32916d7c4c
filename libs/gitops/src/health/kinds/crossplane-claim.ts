// Crossplane composite resource claims. Their group and kind are whatever the
// platform team defined, so a claim is recognised by its shape: a namespaced
// object whose spec refers to a composition or to the composite it claims.
import { HealthStatusCode as H } from '@flotilla/api';
import { findCondition, health } from '../checks.js';
import { part, record } from '../../resource/index.js';
import type { HealthObject, HealthResult } from '../types.js';

const CLAIM_SPEC_FIELDS = [
  'compositionRef',
  'compositionSelector',
  'compositionRevisionRef',
  'compositeDeletePolicy',
  'resourceRef',
];

/** True for an object shaped like a Crossplane composite resource claim. */
export function isCrossplaneClaim(obj: HealthObject): boolean {
  if (!part(obj, 'metadata')['namespace']) return false;
  const spec = part(obj, 'spec');
  return CLAIM_SPEC_FIELDS.some(
    (f) => record(spec[f]) !== undefined || typeof spec[f] === 'string',
  );
}

/** Synced=False → Degraded; Ready=True → Healthy; Ready=False or no conditions → Progressing. */
export function crossplaneClaimHealth(obj: HealthObject): HealthResult {
  const synced = findCondition(obj, 'Synced');
  if (synced?.status === 'False') return health(H.Degraded, synced.message || synced.reason);
  const ready = findCondition(obj, 'Ready');
  if (ready?.status === 'True') return health(H.Healthy, ready.message);
  if (ready?.status === 'False') {
    return health(
      H.Progressing,
      ready.message || ready.reason || 'Waiting for the claim to be ready',
    );
  }
  return health(H.Progressing, 'Waiting for the claim to be reconciled');
}
