// argoproj.io/Workflow, after gitops-engine's health_argo.go: only the phase
// and message count, whatever the version.
import { HealthStatusCode as H } from '@flotilla/api';
import { part, text } from '../../resource/index.js';
import { health } from '../checks.js';
import type { HealthObject, HealthResult } from '../types.js';

/** Pending or Running → Progressing; Succeeded → Healthy; Failed or Error → Degraded. */
export function workflowHealth(obj: HealthObject): HealthResult {
  const status = part(obj, 'status');
  const message = text(status['message']);
  switch (text(status['phase'])) {
    case '':
    case 'Pending':
    case 'Running':
      return health(H.Progressing, message);
    case 'Succeeded':
      return health(H.Healthy, message);
    case 'Failed':
    case 'Error':
      return health(H.Degraded, message);
    default:
      return health(H.Unknown, message);
  }
}
