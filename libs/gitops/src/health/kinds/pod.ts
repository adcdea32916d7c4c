// core/Pod, after gitops-engine's health_pod.go.
import { HealthStatusCode as H } from '@flotilla/api';
import { num, part, record, records, text } from '../../resource/index.js';
import { conditionsOf, health, quote } from '../checks.js';
import type { HealthObject, HealthResult } from '../types.js';

/** A waiting reason that means the container cannot start: `Err*`, `*Error`, `*BackOff`. */
function isStuckReason(reason: string): boolean {
  return reason.startsWith('Err') || reason.endsWith('Error') || reason.endsWith('BackOff');
}

/** Why a terminated container failed, or '' when it did not say. */
function failMessage(ctr: Readonly<Record<string, unknown>>): string {
  const terminated = record(record(ctr['state'])?.['terminated']);
  if (!terminated) return '';
  const message = text(terminated['message']);
  if (message) return message;
  if (terminated['reason'] === 'OOMKilled') return 'OOMKilled';
  const exitCode = num(terminated['exitCode']);
  if (exitCode !== 0) {
    return `container ${quote(text(ctr['name']))} failed with exit code ${exitCode}`;
  }
  return '';
}

/**
 * Pending → Progressing; Succeeded → Healthy; Failed → Degraded. A long-running
 * pod (restartPolicy Always) is Degraded while a container is stuck waiting and
 * Healthy once Ready. Pods with restartPolicy OnFailure or Never are usually
 * hooks, so they stay Progressing while running rather than fail a hook early.
 */
export function podHealth(obj: HealthObject): HealthResult {
  const status = part(obj, 'status');
  const restartPolicy = text(part(obj, 'spec')['restartPolicy']) || 'Always';
  const message = text(status['message']);
  const containers = records(status['containerStatuses']);

  if (restartPolicy === 'Always') {
    const stuck = containers
      .map((c) => record(record(c['state'])?.['waiting']))
      .filter((w) => w !== undefined && isStuckReason(text(w['reason'])));
    if (stuck.length > 0) {
      return health(H.Degraded, stuck.map((w) => text(w?.['message'])).join(', '));
    }
  }

  switch (text(status['phase'])) {
    case 'Pending':
      return health(H.Progressing, message);
    case 'Succeeded':
      return health(H.Healthy, message);
    case 'Failed': {
      if (message) return health(H.Degraded, message);
      const all = [...records(status['initContainerStatuses']), ...containers];
      for (const ctr of all) {
        const why = failMessage(ctr);
        if (why) return health(H.Degraded, why);
      }
      return health(H.Degraded);
    }
    case 'Running':
      if (restartPolicy === 'Always') {
        const ready = conditionsOf(status['conditions']).some(
          (c) => c.type === 'Ready' && c.status === 'True',
        );
        if (ready) return health(H.Healthy, message);
        const restarted = containers.some((c) => record(record(c['lastState'])?.['terminated']));
        return health(restarted ? H.Degraded : H.Progressing, message);
      }
      if (restartPolicy === 'OnFailure' || restartPolicy === 'Never') {
        return health(H.Progressing, message);
      }
  }
  return health(H.Unknown, message);
}
