// core/PersistentVolumeClaim, after gitops-engine's health_pvc.go.
import { HealthStatusCode as H } from '@flotilla/api';
import { health, part, text } from '../object.js';
import type { HealthObject, HealthResult } from '../types.js';

/** Bound → Healthy; Pending → Progressing; Lost → Degraded; anything else → Unknown. */
export function pvcHealth(obj: HealthObject): HealthResult {
  switch (text(part(obj, 'status')['phase'])) {
    case 'Bound':
      return health(H.Healthy);
    case 'Pending':
      return health(H.Progressing);
    case 'Lost':
      return health(H.Degraded);
    default:
      return health(H.Unknown);
  }
}
