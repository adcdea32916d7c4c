// cert-manager.io/Certificate: cert-manager reports its work in the Ready and
// Issuing conditions; an issuance under way is not a failure yet.
import { HealthStatusCode as H } from '@flotilla/api';
import { findCondition, health } from '../checks.js';
import type { HealthObject, HealthResult } from '../types.js';

/** Issuing=True → Progressing; Ready=True → Healthy; Ready=False → Degraded; else Progressing. */
export function certificateHealth(obj: HealthObject): HealthResult {
  const issuing = findCondition(obj, 'Issuing');
  if (issuing?.status === 'True') {
    return health(H.Progressing, issuing.message || 'Issuing certificate');
  }
  const ready = findCondition(obj, 'Ready');
  if (ready?.status === 'True') return health(H.Healthy, ready.message);
  if (ready?.status === 'False') return health(H.Degraded, ready.message || ready.reason);
  return health(H.Progressing, 'Waiting for the certificate to be issued');
}
