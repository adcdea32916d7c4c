import type { Redis } from 'ioredis';
import type { BusPublisher } from '@flotilla/bus';
import { automatedSyncCommandId, type AppRef } from '@flotilla/contracts';
import type { AutoSyncDecision } from '@flotilla/gitops';
import type { Logger } from '@flotilla/runtime';

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
 * Carries out an automated-sync decision: one sync command that carries the
 * operation (no write to `Application.operation`, no clear after it: two
 * Application writes fewer per sync, each also sent to every watcher), with
 * an id tied to the Application version compared, so replicas and repeated
 * comparisons of that version send one; or, for a paced self-heal, looks
 * again when the backoff has passed. The applier runs it unless another
 * operation runs, or one started after this decision (docs/architecture.md).
 */
export async function actOnAutoSync(deps: {
  bus: BusPublisher;
  logger: Logger;
  counter: ReturnType<typeof selfHealCounter>;
  app: AppRef;
  resourceVersion: string | undefined;
  /** The `startedAt` of the last operation the comparison saw. */
  lastOperationStartedAt: string | undefined;
  revision: string;
  decision: AutoSyncDecision;
  later: (app: AppRef, delayMs: number) => void;
}): Promise<void> {
  const { decision, app } = deps;
  if (!decision.sync) {
    if (decision.retryAfterMs !== undefined) deps.later(app, decision.retryAfterMs);
    return;
  }
  if (decision.selfHeal) await deps.counter.set(app, deps.revision, decision.selfHealAttempts);
  const id = deps.resourceVersion
    ? { msgId: automatedSyncCommandId(app, deps.resourceVersion) }
    : {};
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
      operation: decision.operation as Record<string, unknown>,
      lastOperationStartedAt: deps.lastOperationStartedAt ?? '',
      decidedAt: new Date().toISOString(),
      ...(deps.resourceVersion ? { appResourceVersion: deps.resourceVersion } : {}),
    },
    id,
  );
}
