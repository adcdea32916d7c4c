// bitnami.com/SealedSecret: the controller says in the Synced condition
// whether it could unseal the data into a Secret.
import { HealthStatusCode as H } from '@flotilla/api';
import { findCondition, health } from '../checks.js';
import { optNumber, part } from '../../resource/index.js';
import type { HealthObject, HealthResult } from '../types.js';

/** Spec not yet observed → Progressing; Synced=True → Healthy; Synced=False → Degraded; else Progressing. */
export function sealedSecretHealth(obj: HealthObject): HealthResult {
  const generation = optNumber(part(obj, 'metadata')['generation']);
  const observed = optNumber(part(obj, 'status')['observedGeneration']);
  if (generation !== undefined && observed !== undefined && observed < generation) {
    return health(H.Progressing, 'Waiting for the controller to unseal the new spec');
  }
  const synced = findCondition(obj, 'Synced');
  if (synced?.status === 'True') return health(H.Healthy, synced.message);
  if (synced?.status === 'False') return health(H.Degraded, synced.message || synced.reason);
  return health(H.Progressing, 'Waiting for the controller to unseal the secret');
}
