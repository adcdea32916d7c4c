// apiextensions.k8s.io/CustomResourceDefinition, after Argo CD's
// resource_customizations/apiextensions.k8s.io/CustomResourceDefinition/health.lua.
import { HealthStatusCode as H } from '@flotilla/api';
import { part } from '../../resource/index.js';
import { conditionsOf, health } from '../checks.js';
import type { HealthObject, HealthResult } from '../types.js';

/**
 * Terminating → Progressing; names not accepted, not established or a
 * non-structural schema → Degraded; otherwise Healthy.
 */
export function crdHealth(obj: HealthObject): HealthResult {
  if (part(obj, 'metadata')['deletionTimestamp'] != null) {
    return health(H.Progressing, 'CRD is terminating');
  }
  const conditions = conditionsOf(part(obj, 'status')['conditions']);
  if (conditions.length === 0) return health(H.Progressing, 'Status conditions not found');

  let established = false;
  let terminating = false;
  let namesNotAccepted = false;
  let violations = false;
  let message = '';
  for (const c of conditions) {
    if (c.type === 'Terminating' && c.status === 'True') {
      terminating = true;
      message = c.message;
    }
    if (c.type === 'NamesAccepted' && c.status === 'False') {
      namesNotAccepted = true;
      message = c.message;
    }
    if (c.type === 'Established' && c.status === 'True') {
      established = true;
      message = c.message;
    }
    if (c.type === 'NonStructuralSchema' && c.status === 'True') {
      violations = true;
      message = c.message;
    }
  }
  if (terminating) return health(H.Progressing, `CRD is terminating: ${message}`);
  if (namesNotAccepted) return health(H.Degraded, `CRD names have not been accepted: ${message}`);
  if (!established) return health(H.Degraded, 'CRD is not established');
  if (violations) return health(H.Degraded, `Schema violations found: ${message}`);
  return health(H.Healthy, 'CRD is healthy');
}
