// external-secrets.io/ExternalSecret: the operator's Ready condition tells
// whether the target Secret was written from the provider.
import { HealthStatusCode as H } from '@flotilla/api';
import { findCondition, health } from '../checks.js';
import type { HealthObject, HealthResult } from '../types.js';

/** Ready=True → Healthy; Ready=False → Degraded (the sync error); else Progressing. */
export function externalSecretHealth(obj: HealthObject): HealthResult {
  const ready = findCondition(obj, 'Ready');
  if (ready?.status === 'True') return health(H.Healthy, ready.message);
  if (ready?.status === 'False') {
    const why = [ready.reason, ready.message].filter(Boolean).join(': ');
    return health(H.Degraded, why);
  }
  return health(H.Progressing, 'Waiting for the secret to be synced from the provider');
}
