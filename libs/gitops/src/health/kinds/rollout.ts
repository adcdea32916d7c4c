// argoproj.io/Rollout. Argo Rollouts 1.0 and later sum up the rollout in
// `status.phase` and `status.message`; older controllers leave it to the
// replica counts. Problems the controller flags win over either.
import { HealthStatusCode as H } from '@flotilla/api';
import { conditionsOf, health } from '../checks.js';
import { annotationsOf, list, num, optNumber, part, text } from '../../resource/index.js';
import type { HealthObject, HealthResult } from '../types.js';

const PHASES: Readonly<Record<string, H>> = {
  Healthy: H.Healthy,
  Progressing: H.Progressing,
  Paused: H.Suspended,
  Degraded: H.Degraded,
};

/** A number, or a string of digits as a number; undefined for anything else. */
function numeric(value: unknown): number | undefined {
  return /^\d+$/.test(text(value)) ? Number(value) : optNumber(value);
}

/** A rollout's problems first, then its phase, then a pause, then its replica counts. */
export function rolloutHealth(obj: HealthObject): HealthResult {
  const spec = part(obj, 'spec');
  const status = part(obj, 'status');
  const message = text(status['message']);
  const generation = optNumber(part(obj, 'metadata')['generation']);
  // Controllers write a number or a numeric string; old ones wrote a hash, which says nothing.
  const observed = numeric(status['observedGeneration']);
  if (generation !== undefined && observed !== undefined && observed < generation) {
    return health(H.Progressing, 'Waiting for the rollout spec update to be observed');
  }
  // With spec.workloadRef the pod template lives in another object, whose generation
  // the controller copies to an annotation and reports observing separately.
  const workload = numeric(annotationsOf(obj)['rollout.argoproj.io/workload-generation']);
  const workloadObserved = numeric(status['workloadObservedGeneration']);
  if (workload !== undefined && workloadObserved !== undefined && workloadObserved < workload) {
    return health(H.Progressing, 'Waiting for the rollout spec update to be observed');
  }
  const conditions = conditionsOf(status['conditions']);
  const invalid = conditions.find((c) => c.type === 'InvalidSpec' && c.status === 'True');
  if (invalid) return health(H.Degraded, invalid.message || 'The rollout spec is invalid');
  if (status['abort'] === true) return health(H.Degraded, message || 'Rollout aborted');
  const deadline = conditions.find(
    (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
  );
  if (deadline) return health(H.Degraded, deadline.message);
  const phase = PHASES[text(status['phase'])];
  if (phase) return health(phase, message);
  if (spec['paused'] === true || list(status['pauseConditions']).length > 0) {
    return health(H.Suspended, 'Rollout is paused');
  }
  const desired = optNumber(spec['replicas']) ?? 1;
  const updated = num(status['updatedReplicas']);
  const available = num(status['availableReplicas']);
  const current = num(status['replicas']);
  if (updated < desired) {
    return health(
      H.Progressing,
      `Waiting for rollout to finish: ${updated} of ${desired} replicas updated`,
    );
  }
  if (current > updated) {
    return health(
      H.Progressing,
      `Waiting for rollout to finish: ${current - updated} old replicas pending termination`,
    );
  }
  if (available < updated) {
    return health(
      H.Progressing,
      `Waiting for rollout to finish: ${available} of ${updated} updated replicas available`,
    );
  }
  return health(H.Healthy);
}
