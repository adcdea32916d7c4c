// Runs one hook to its end: create it unless it exists (its name is
// deterministic per operation), then judge it from its health on watch
// events, with a timeout measured from its creation so a redelivery does not
// restart the clock.
import { RESOURCE_FIELD_MANAGER } from '@flotilla/api';
import { formatGoDuration, hookPhaseFromHealth, type HealthResult } from '@flotilla/gitops';
import {
  applyObject,
  deleteObject,
  type ClusterCache,
  type KubeConfig,
  type KubernetesObject,
} from '@flotilla/kube';
import type { HookSpec, HookVerdict } from './hook-store.js';
import { liveObject, nextChange } from './live.js';
import { hookLogTail } from './logs.js';

/** What {@link runHook} needs. */
export interface RunHookDeps {
  readonly kc: KubeConfig;
  readonly cache: ClusterCache;
  readonly health: (obj: KubernetesObject) => Promise<HealthResult | undefined>;
}

/**
 * Creates the hook if needed and waits until it finishes. `created` is called
 * once when this call made the object. Rejects only when `signal` aborts.
 */
export async function runHook(
  deps: RunHookDeps,
  spec: HookSpec,
  signal: AbortSignal,
  created: () => Promise<void>,
  cancelled: () => Promise<boolean> = async () => false,
): Promise<HookVerdict> {
  const { kc, cache } = deps;
  const name = spec.key.name;
  await cache.ensureKind(spec.key.group, spec.key.kind).catch(() => undefined);
  await cache.want([spec.key]).catch(() => undefined);
  const stop = async (): Promise<HookVerdict> => {
    await deleteObject(kc, cache.discovery, spec.key, { propagationPolicy: 'Background' }).catch(
      () => undefined,
    );
    return { phase: 'Failed', message: 'Operation terminated' };
  };
  if (await cancelled()) return stop();
  let live = await liveObject(kc, cache, spec.key);
  if (!live) {
    try {
      live = await applyObject(kc, cache.discovery, spec.object as KubernetesObject, {
        fieldManager: RESOURCE_FIELD_MANAGER,
        force: true,
      });
    } catch (err) {
      return { phase: 'Failed', message: err instanceof Error ? err.message : String(err) };
    }
    await created();
  }
  const createdAt = Date.parse(live.metadata?.creationTimestamp as unknown as string) || Date.now();
  const deadline = spec.timeoutMs === undefined ? undefined : createdAt + spec.timeoutMs;
  for (;;) {
    signal.throwIfAborted();
    // The operation ended meanwhile (terminate): the hook must not outlive it.
    if (await cancelled()) return stop();
    const now = await liveObject(kc, cache, spec.key);
    // A hook that deleted itself (ttlSecondsAfterFinished: 0) has finished.
    if (!now) return { phase: 'Succeeded', message: `${name} finished and was deleted` };
    const { phase, message } = hookPhaseFromHealth(await deps.health(now), name);
    if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Error') {
      const logTail = await hookLogTail(kc, spec.key);
      return {
        phase: phase === 'Succeeded' ? 'Succeeded' : 'Failed',
        message,
        ...(logTail ? { logTail } : {}),
      };
    }
    if (deadline !== undefined && Date.now() > deadline) {
      const logTail = await hookLogTail(kc, spec.key);
      await deleteObject(kc, cache.discovery, spec.key, { propagationPolicy: 'Background' }).catch(
        () => undefined,
      );
      return {
        phase: 'Failed',
        message: `hook did not complete within ${formatGoDuration(spec.timeoutMs ?? 0)}`,
        ...(logTail ? { logTail } : {}),
      };
    }
    await nextChange(cache, [spec.key], signal, deadline === undefined ? undefined : deadline + 1);
  }
}
