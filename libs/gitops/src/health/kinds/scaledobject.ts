// keda.sh/ScaledObject: KEDA's Ready condition says whether the scaler and its
// HPA are set up; Paused=True means scaling was paused on purpose; Fallback=True
// means a trigger's metrics fail and KEDA scales to the fallback replicas.
import { HealthStatusCode as H } from '@flotilla/api';
import { findCondition, health } from '../checks.js';
import type { HealthObject, HealthResult } from '../types.js';

/** Paused=True → Suspended; Ready=False or Fallback=True → Degraded; Ready=True → Healthy; else Progressing. */
export function scaledObjectHealth(obj: HealthObject): HealthResult {
  const paused = findCondition(obj, 'Paused');
  if (paused?.status === 'True') return health(H.Suspended, paused.message || 'Scaling is paused');
  const ready = findCondition(obj, 'Ready');
  if (ready?.status === 'False') return health(H.Degraded, ready.message || ready.reason);
  const fallback = findCondition(obj, 'Fallback');
  if (fallback?.status === 'True') {
    return health(H.Degraded, fallback.message || 'A trigger is using its fallback replicas');
  }
  if (ready?.status === 'True') return health(H.Healthy, ready.message);
  return health(H.Progressing, 'Waiting for KEDA to set up the scaler');
}
