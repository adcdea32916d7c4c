// core/Namespace. Argo CD has no check for it; this one only reports what the
// namespace controller says, so an Active namespace never holds an app back.
import { HealthStatusCode as H } from '@flotilla/api';
import { part, text } from '../../resource/index.js';
import { conditionsOf, health } from '../checks.js';
import type { HealthObject, HealthResult } from '../types.js';

/** Active → Healthy; Terminating → Progressing, with the first failing deletion condition if any. */
export function namespaceHealth(obj: HealthObject): HealthResult {
  const status = part(obj, 'status');
  if (text(status['phase']) !== 'Terminating') return health(H.Healthy);
  const stuck = conditionsOf(status['conditions']).find((c) => c.status === 'True' && c.message);
  return health(H.Progressing, stuck ? stuck.message : 'Namespace is terminating');
}
