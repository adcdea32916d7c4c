// apiregistration.k8s.io/APIService, after gitops-engine's health_apiservice.go.
import { HealthStatusCode as H } from '@flotilla/api';
import { findCondition, health } from '../checks.js';
import type { HealthObject, HealthResult } from '../types.js';

/** Available=True → Healthy; any other Available, or none yet → Progressing. */
export function apiServiceHealth(obj: HealthObject): HealthResult {
  const available = findCondition(obj, 'Available');
  if (!available) return health(H.Progressing, 'Waiting to be processed');
  const message = `${available.reason}: ${available.message}`;
  return health(available.status === 'True' ? H.Healthy : H.Progressing, message);
}
