// core/PersistentVolumeClaim, after gitops-engine's health_pvc.go.
import { HealthStatusCode as H } from '@flotilla/api';
import { part, text } from '../../resource/index.js';
import { health } from '../checks.js';
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
