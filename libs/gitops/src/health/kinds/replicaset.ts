// apps/ReplicaSet, after gitops-engine's health_replicaset.go.
import { HealthStatusCode as H } from '@flotilla/api';
import { num, optNumber, part } from '../../resource/index.js';
import { findCondition, health } from '../checks.js';
import type { HealthObject, HealthResult } from '../types.js';

/** ReplicaFailure → Degraded; fewer available replicas than desired → Progressing. */
export function replicaSetHealth(obj: HealthObject): HealthResult {
  const status = part(obj, 'status');
  if (num(part(obj, 'metadata')['generation']) > num(status['observedGeneration'])) {
    return health(
      H.Progressing,
      'Waiting for rollout to finish: observed replica set generation less than desired generation',
    );
  }
  const failure = findCondition(obj, 'ReplicaFailure');
  if (failure?.status === 'True') return health(H.Degraded, failure.message);
  const desired = optNumber(part(obj, 'spec')['replicas']);
  const available = num(status['availableReplicas']);
  if (desired !== undefined && available < desired) {
    return health(
      H.Progressing,
      `Waiting for rollout to finish: ${available} out of ${desired} new replicas are available...`,
    );
  }
  return health(H.Healthy);
}
