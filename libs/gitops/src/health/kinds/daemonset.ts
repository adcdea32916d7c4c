// apps/DaemonSet, after gitops-engine's health_daemonset.go.
import { HealthStatusCode as H } from '@flotilla/api';
import { nameOf, num, part, record } from '../../resource/index.js';
import { health, quote } from '../checks.js';
import type { HealthObject, HealthResult } from '../types.js';

/** Progressing until the spec is observed and every scheduled pod is updated and available. */
export function daemonSetHealth(obj: HealthObject): HealthResult {
  const status = part(obj, 'status');
  if (num(part(obj, 'metadata')['generation']) > num(status['observedGeneration'])) {
    return health(
      H.Progressing,
      'Waiting for rollout to finish: observed daemon set generation less than desired generation',
    );
  }
  const updated = num(status['updatedNumberScheduled']);
  const desired = num(status['desiredNumberScheduled']);
  if (record(part(obj, 'spec')['updateStrategy'])?.['type'] === 'OnDelete') {
    return health(H.Healthy, `daemon set ${updated} out of ${desired} new pods have been updated`);
  }
  const name = quote(nameOf(obj));
  if (updated < desired) {
    return health(
      H.Progressing,
      `Waiting for daemon set ${name} rollout to finish: ${updated} out of ${desired} new pods have been updated...`,
    );
  }
  const available = num(status['numberAvailable']);
  if (available < desired) {
    return health(
      H.Progressing,
      `Waiting for daemon set ${name} rollout to finish: ${available} of ${desired} updated pods are available...`,
    );
  }
  return health(H.Healthy);
}
