// apps/Deployment, after gitops-engine's health_deployment.go (itself after
// kubectl's rollout status).
import { HealthStatusCode as H } from '@flotilla/api';
import { nameOf, num, optNumber, part } from '../../resource/index.js';
import { findCondition, health, quote } from '../checks.js';
import type { HealthObject, HealthResult } from '../types.js';

/** Paused → Suspended; stale generation or an unfinished rollout → Progressing; past its deadline → Degraded. */
export function deploymentHealth(obj: HealthObject): HealthResult {
  const spec = part(obj, 'spec');
  const status = part(obj, 'status');
  if (spec['paused'] === true) return health(H.Suspended, 'Deployment is paused');

  const generation = num(part(obj, 'metadata')['generation']);
  if (generation > num(status['observedGeneration'])) {
    return health(
      H.Progressing,
      'Waiting for rollout to finish: observed deployment generation less than desired generation',
    );
  }
  if (findCondition(obj, 'Progressing')?.reason === 'ProgressDeadlineExceeded') {
    return health(H.Degraded, `Deployment ${quote(nameOf(obj))} exceeded its progress deadline`);
  }
  const desired = optNumber(spec['replicas']);
  const updated = num(status['updatedReplicas']);
  const replicas = num(status['replicas']);
  const available = num(status['availableReplicas']);
  if (desired !== undefined && updated < desired) {
    return health(
      H.Progressing,
      `Waiting for rollout to finish: ${updated} out of ${desired} new replicas have been updated...`,
    );
  }
  if (replicas > updated) {
    return health(
      H.Progressing,
      `Waiting for rollout to finish: ${replicas - updated} old replicas are pending termination...`,
    );
  }
  if (available < updated) {
    return health(
      H.Progressing,
      `Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...`,
    );
  }
  return health(H.Healthy);
}
