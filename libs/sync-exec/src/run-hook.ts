// Runs one hook to its end: create it unless it exists (its name is
// deterministic per operation), then judge it from its health on watch
// events, with a timeout measured from its creation so a redelivery does not
// restart the clock.
import { RESOURCE_FIELD_MANAGER } from '@flotilla/api';
import type { HealthResult } from '@flotilla/gitops';
import {
  applyObject,
  deleteObject,
  type ClusterCache,
  type KubeConfig,
  type KubernetesObject,
} from '@flotilla/kube';
import type { HookSpec, HookVerdict } from './hook-store.js';
import { hookDeadline, nextHookStep } from './hook-step.js';
import { liveObject, nextChange } from './live.js';
import { hookLogTail } from './logs.js';

/** What {@link runHook} needs. */
export interface RunHookDeps {
  readonly kc: KubeConfig;
  /** Creates and deletes the hook with these credentials (an impersonated user); default `kc`. */
  readonly writeKc?: KubeConfig;
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
  const writeKc = deps.writeKc ?? kc;
  const name = spec.key.name;
  await cache.ensureKind(spec.key.group, spec.key.kind).catch(() => undefined);
  await cache.want([spec.key]).catch(() => undefined);
  const stop = async (): Promise<HookVerdict> => {
    await deleteObject(writeKc, cache.discovery, spec.key, {
      propagationPolicy: 'Background',
    }).catch(() => undefined);
    return { phase: 'Failed', message: 'Operation terminated' };
  };
  if (await cancelled()) return stop();
  let live = await liveObject(kc, cache, spec.key);
  if (!live) {
    try {
      live = await applyObject(writeKc, cache.discovery, spec.object as KubernetesObject, {
        fieldManager: RESOURCE_FIELD_MANAGER,
        force: true,
      });
    } catch (err) {
      return { phase: 'Failed', message: err instanceof Error ? err.message : String(err) };
    }
    await created();
  }
  const deadline = hookDeadline(live.metadata?.creationTimestamp, spec.timeoutMs, Date.now());
  for (;;) {
    signal.throwIfAborted();
    // The operation ended meanwhile (terminate): the hook must not outlive it.
    if (await cancelled()) return stop();
    const now = await liveObject(kc, cache, spec.key);
    const step = nextHookStep({
      name,
      exists: now !== undefined,
      health: now ? await deps.health(now) : undefined,
      deadline,
      timeoutMs: spec.timeoutMs,
      nowMs: Date.now(),
    });
    if (step.kind === 'finished' && step.gone) return { phase: step.phase, message: step.message };
    if (step.kind === 'finished') {
      const logTail = await hookLogTail(kc, spec.key);
      return { phase: step.phase, message: step.message, ...(logTail ? { logTail } : {}) };
    }
    if (step.kind === 'timed-out') {
      const logTail = await hookLogTail(kc, spec.key);
      await deleteObject(writeKc, cache.discovery, spec.key, {
        propagationPolicy: 'Background',
      }).catch(() => undefined);
      return { phase: 'Failed', message: step.message, ...(logTail ? { logTail } : {}) };
    }
    await nextChange(cache, [spec.key], signal, deadline === undefined ? undefined : deadline + 1);
  }
}
