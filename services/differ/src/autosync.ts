import type { Redis } from 'ioredis';
import type { BusPublisher } from '@flotilla/bus';
import { operationCommandId, type AppRef } from '@flotilla/contracts';
import { OPERATION_TRACEPARENT_ANNOTATION, type Application } from '@flotilla/api';
import type { AutoSyncDecision } from '@flotilla/gitops';
import { ApiError, ApplicationClient, type KubeConfig } from '@flotilla/kube';
import { activeTraceparent, type Logger } from '@flotilla/runtime';

const key = (app: AppRef) => `flotilla:self-heal:${app.namespace}/${app.name}`;

/** Self-heal attempts per app for its current revision, shared by differ replicas. */
export function selfHealCounter(redis: Redis) {
  return {
    async get(app: AppRef, revision: string): Promise<number> {
      const raw = await redis.get(key(app)).catch(() => null);
      if (!raw) return 0;
      const v = JSON.parse(raw) as { revision: string; attempts: number };
      return v.revision === revision ? v.attempts : 0;
    },
    async set(app: AppRef, revision: string, attempts: number): Promise<void> {
      await redis
        .set(key(app), JSON.stringify({ revision, attempts }), 'PX', 24 * 3600_000)
        .catch(() => undefined);
    },
  };
}

/**
 * Carries out an automated-sync decision: writes the operation to the
 * Application (guarded by its resourceVersion, so a user's operation written
 * meanwhile wins) and tells the applier at once; or, for a paced self-heal,
 * looks again when the backoff has passed.
 */
export async function actOnAutoSync(deps: {
  kc: KubeConfig;
  bus: BusPublisher;
  logger: Logger;
  counter: ReturnType<typeof selfHealCounter>;
  app: AppRef;
  resourceVersion: string | undefined;
  revision: string;
  decision: AutoSyncDecision;
  later: (app: AppRef, delayMs: number) => void;
  /** Told what the operation write returned, or that it conflicted (the copy is stale). */
  wrote?: (app: AppRef, stored: Application | undefined) => void;
}): Promise<void> {
  const { decision, app } = deps;
  if (!decision.sync) {
    if (decision.retryAfterMs !== undefined) deps.later(app, decision.retryAfterMs);
    return;
  }
  let written: string | undefined;
  try {
    // With traces on, the operation carries the comparison's trace to the applier,
    // whichever of the two commands for it (this one, the applier's own) arrives.
    const tp = activeTraceparent();
    const patched = await new ApplicationClient(deps.kc).patchOperation(
      app,
      decision.operation,
      deps.resourceVersion,
      tp ? { [OPERATION_TRACEPARENT_ANNOTATION]: tp } : undefined,
    );
    written = (patched.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    deps.wrote?.(app, patched);
  } catch (err) {
    deps.logger.info({ app, err: (err as Error).message }, 'automated sync not written');
    // A conflict means the app changed since the comparison (a refresh annotation
    // cleared, an operation ended): compare again now, as nothing else may.
    if (err instanceof ApiError && err.status === 409) {
      deps.wrote?.(app, undefined);
      await deps.bus
        .command({ version: 1, kind: 'diff', app, reason: 'automated sync conflicted' })
        .catch(() => undefined);
    }
    return;
  }
  if (decision.selfHeal) await deps.counter.set(app, deps.revision, decision.selfHealAttempts);
  // One command with the appliers' own (they watch the operation arrive at this version).
  const id = written ? { msgId: operationCommandId(app, written) } : {};
  await deps.bus.command(
    {
      version: 1,
      kind: 'sync',
      app,
      reason: decision.selfHeal ? 'self-heal' : 'automated sync',
      trigger: decision.selfHeal ? 'self-heal' : 'automated',
      ...(deps.revision ? { revision: deps.revision } : {}),
      ...(decision.resources
        ? {
            resources: decision.resources.map((r) => ({
              group: r.group ?? '',
              kind: r.kind,
              namespace: r.namespace ?? '',
              name: r.name,
            })),
          }
        : {}),
    },
    id,
  );
}
