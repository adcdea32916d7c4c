// batch/Job, after gitops-engine's health_job.go.
import { HealthStatusCode as H } from '@flotilla/api';
import { part } from '../../resource/index.js';
import { conditionsOf, health } from '../checks.js';
import type { HealthObject, HealthResult } from '../types.js';

/** Failed → Degraded; Complete → Healthy; Suspended → Suspended; anything else → Progressing. */
export function jobHealth(obj: HealthObject): HealthResult {
  let failed = false;
  let failMessage = '';
  let complete = false;
  let message = '';
  let suspended = false;
  for (const c of conditionsOf(part(obj, 'status')['conditions'])) {
    if (c.type === 'Failed') {
      failed = true;
      complete = true;
      failMessage = c.message;
    } else if (c.type === 'Complete') {
      complete = true;
      message = c.message;
    } else if (c.type === 'Suspended') {
      complete = true;
      message = c.message;
      if (c.status === 'True') suspended = true;
    }
  }
  if (!complete) return health(H.Progressing, message);
  if (failed) return health(H.Degraded, failMessage);
  // Argo CD reports the (empty) failure message here, not the condition's.
  if (suspended) return health(H.Suspended, failMessage);
  return health(H.Healthy, message);
}
