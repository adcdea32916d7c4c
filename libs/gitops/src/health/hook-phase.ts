// What a hook's health means for the hook, as gitops-engine's sync context reads it.
import { HealthStatusCode, OperationPhase } from '@flotilla/api';
import type { HealthResult } from './types.js';

/** A hook's phase and the message to show with it. */
export interface HookHealthPhase {
  readonly phase: OperationPhase;
  readonly message: string;
}

/**
 * Healthy → Succeeded; Progressing or Suspended → Running; Degraded or Unknown
 * → Failed. A kind without a check (undefined) or a Missing one counts as
 * Succeeded once created, with the message "<name> created".
 */
export function hookPhaseFromHealth(
  result: HealthResult | undefined,
  name: string,
): HookHealthPhase {
  const created = { phase: OperationPhase.Succeeded, message: `${name} created` };
  if (!result) return created;
  const message = result.message ?? '';
  switch (result.status) {
    case HealthStatusCode.Healthy:
      return { phase: OperationPhase.Succeeded, message };
    case HealthStatusCode.Progressing:
    case HealthStatusCode.Suspended:
      return { phase: OperationPhase.Running, message };
    case HealthStatusCode.Degraded:
    case HealthStatusCode.Unknown:
      return { phase: OperationPhase.Failed, message };
    default:
      return created;
  }
}
