// batch/CronJob, after Argo CD's resource_customizations/batch/CronJob/health.lua.
import { HealthStatusCode as H } from '@flotilla/api';
import { list, part, record, text } from '../../resource/index.js';
import { health } from '../checks.js';
import type { HealthObject, HealthResult } from '../types.js';

/**
 * Suspended → Suspended. A CronJob whose last scheduled run has not succeeded
 * and that runs nothing now is Degraded; otherwise it is Healthy, because a
 * CronJob's status cannot tell a missed schedule from a quiet one.
 */
export function cronJobHealth(obj: HealthObject): HealthResult {
  if (part(obj, 'spec')['suspend'] === true) return health(H.Suspended, 'CronJob is Suspended');
  const status = record(obj['status']);
  if (!status) return health(H.Progressing, 'Waiting for CronJob');

  const lastSchedule = text(status['lastScheduleTime']);
  if (!lastSchedule) return health(H.Healthy, 'CronJob has not been scheduled yet');
  const lastSuccess = text(status['lastSuccessfulTime']);
  if (!lastSuccess) {
    return health(H.Healthy, 'The Cronjob never completed succesfully. It may not be healthy');
  }
  if (list(status['active']).length > 0) {
    return health(H.Healthy, 'The job is running. Its last execution may not have been successful');
  }
  // RFC 3339 times in one format compare correctly as text.
  if (lastSuccess < lastSchedule) {
    return health(H.Degraded, 'CronJob has not completed its last execution successfully');
  }
  return health(H.Healthy, 'CronJob has completed its last execution successfully');
}
