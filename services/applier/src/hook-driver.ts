// The applier's side of the hook hand-over: hook specs go to the HookStore,
// a `hook` command per step goes to the hook-runner, verdicts come back
// through the store, and hook.* events on the bus wake the waiting run.
import type { NatsConnection } from '@nats-io/transport-node';
import type { BusPublisher } from '@flotilla/bus';
import { resourceKeyString, subjectOfEvent, type AppRef } from '@flotilla/contracts';
import type { SyncTask } from '@flotilla/gitops';
import type { HookStore } from '@flotilla/sync-exec';
import type { HookDriver, HookHandOver } from './execute.js';

/** A {@link HookDriver} for one operation of one app. */
export function busHookDriver(
  nc: NatsConnection,
  bus: BusPublisher,
  store: HookStore,
  app: AppRef,
  operationId: string,
  /** The destination cluster the hooks belong in; undefined: the hook-runner's own. */
  cluster?: { name: string; server: string },
  /** The user hooks are created and deleted as (sync impersonation); undefined: the hook-runner's own. */
  impersonate?: string,
): HookDriver {
  const hookEvents = subjectOfEvent('hook.succeeded', app).replace(/succeeded$/, '*');
  return {
    async start(tasks: readonly HookHandOver[]) {
      const first = tasks[0];
      if (!first) return;
      await store.putSpecs(
        operationId,
        tasks.map((t) => ({
          key: t.key,
          object: t.targetObject ?? {},
          hookType: t.phase,
          wave: t.wave,
          ...(t.hookTimeoutMs !== undefined ? { timeoutMs: t.hookTimeoutMs } : {}),
          ...(cluster ? { cluster } : {}),
          ...(impersonate ? { impersonate } : {}),
        })),
      );
      const keys = tasks.map((t) => t.key);
      await bus.command(
        {
          version: 1,
          kind: 'hook',
          app,
          reason: `hooks of ${first.phase} wave ${first.wave}`,
          operationId,
          phase: first.phase,
          wave: first.wave,
          hooks: keys,
        },
        {
          msgId: `${operationId}:${first.phase}:${first.wave}:${keys.map(resourceKeyString).join(',')}`,
        },
      );
    },
    async cancel(tasks: readonly Pick<SyncTask, 'key'>[]) {
      const verdict = { phase: 'Failed', message: 'Operation terminated' } as const;
      await Promise.all(tasks.map((t) => store.putVerdict(operationId, t.key, verdict)));
    },
    async handedOver(task: Pick<SyncTask, 'key'>) {
      return (await store.spec(operationId, task.key)) !== undefined;
    },
    async verdict(task: Pick<SyncTask, 'key'>) {
      const v = await store.verdict(operationId, task.key);
      return v ? { phase: v.phase, message: v.message } : undefined;
    },
    wakeOn(wake: () => void) {
      const sub = nc.subscribe(hookEvents);
      void (async () => {
        for await (const _ of sub) wake();
      })().catch(() => undefined);
      return () => sub.unsubscribe();
    },
  };
}
