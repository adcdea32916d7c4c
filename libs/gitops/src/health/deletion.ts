// An object on its way out is Progressing whatever its kind's check would say,
// except a hook held by a hook finalizer: its runner still needs its outcome.
import { HealthStatusCode } from '@flotilla/api';
import { list, part, text } from '../resource/index.js';
import type { HealthObject, HealthResult } from './types.js';

/** Finalizers a hook runner puts on hooks so it can read their result before they go. */
export const HOOK_FINALIZERS: readonly string[] = [
  'argocd.argoproj.io/hook-finalizer',
  'flotilla.dev/hook-finalizer',
];

/**
 * Progressing "Pending deletion" (naming the finalizers that hold it) for an
 * object with a deletionTimestamp, or undefined when it is not being deleted
 * or is a hook under a hook finalizer.
 */
export function pendingDeletionHealth(obj: HealthObject): HealthResult | undefined {
  const meta = part(obj, 'metadata');
  if (meta['deletionTimestamp'] == null) return undefined;
  const finalizers = list(meta['finalizers']).map(text).filter(Boolean);
  if (finalizers.some((f) => HOOK_FINALIZERS.includes(f))) return undefined;
  return {
    status: HealthStatusCode.Progressing,
    message:
      finalizers.length > 0
        ? `Pending deletion; blocked by finalizers: ${finalizers.join(', ')}`
        : 'Pending deletion',
  };
}
