// networking.k8s.io/Ingress and extensions/Ingress, after gitops-engine's health_ingress.go.
import { HealthStatusCode as H } from '@flotilla/api';
import { list, part, record } from '../../resource/index.js';
import { health } from '../checks.js';
import type { HealthObject, HealthResult } from '../types.js';

/** Progressing until the controller publishes a load-balancer ingress point. */
export function ingressHealth(obj: HealthObject): HealthResult {
  const ingress = list(record(part(obj, 'status')['loadBalancer'])?.['ingress']);
  return health(ingress.length > 0 ? H.Healthy : H.Progressing);
}
