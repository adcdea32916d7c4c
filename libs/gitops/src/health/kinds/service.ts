// core/Service, after gitops-engine's health_service.go.
import { HealthStatusCode as H } from '@flotilla/api';
import { list, part, record } from '../../resource/index.js';
import { health } from '../checks.js';
import type { HealthObject, HealthResult } from '../types.js';

/** A LoadBalancer Service is Progressing until it has an ingress point; every other Service is Healthy. */
export function serviceHealth(obj: HealthObject): HealthResult {
  if (part(obj, 'spec')['type'] !== 'LoadBalancer') return health(H.Healthy);
  const ingress = list(record(part(obj, 'status')['loadBalancer'])?.['ingress']);
  return health(ingress.length > 0 ? H.Healthy : H.Progressing);
}
