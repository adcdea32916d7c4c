// PreDelete and PostDelete hooks: run only when the Application itself is
// deleted, held by its finalizers. Argo CD creates them all at once (no waves),
// waits while any is Progressing, fails on a Degraded one, then deletes them by
// their policies.
import { HealthStatusCode } from '@flotilla/api';
import { resourceKeyString, type AppRef, type ResourceKey } from '@flotilla/contracts';
import type { HealthResult } from '../health/index.js';
import { kindOrderIndex } from './kind-order.js';
import { objectKey, type NamespacedLookup } from './keys.js';
import { hookObjectName, unixSeconds } from './naming.js';
import {
  HookDeletePolicy,
  metaString,
  withMetadata,
  type DeletionHookType,
  type KubeObject,
} from '../resource/index.js';
import type { PlanResource } from './plan-options.js';
import { readResourceAnnotations } from './resource-annotations.js';

/** One PreDelete or PostDelete hook. */
export interface DeletionHook {
  readonly key: ResourceKey;
  readonly hookType: DeletionHookType;
  readonly deletePolicies: readonly HookDeletePolicy[];
  readonly hookTimeoutMs?: number;
  /** The object to create (absent for a live hook no longer in the manifests). */
  readonly targetObject?: KubeObject;
  /** The hook as it exists in the cluster. */
  readonly liveObject?: KubeObject;
}

/** Deletion hooks of one type: those to create and those that already exist. */
export interface DeletionHookPlan {
  readonly hookType: DeletionHookType;
  readonly toCreate: readonly DeletionHook[];
  readonly existing: readonly DeletionHook[];
}

/** What {@link planDeletionHooks} needs besides the objects. */
export interface DeletionHookOptions {
  /** When the app's deletion started (its deletionTimestamp); names generateName-only hooks. */
  readonly deletionStartedAt: Date | string | number;
  readonly revision?: string;
  /** The app deleted: generateName-only hooks get a suffix of its own (`hookObjectName`). */
  readonly app?: AppRef;
  readonly destinationNamespace?: string;
  readonly isNamespaced?: NamespacedLookup;
  readonly defaultHookTimeoutMs?: number;
}

/**
 * The hooks of `hookType` among the desired objects, split into those to
 * create and those already live (live hooks of that type count even when the
 * manifests no longer have them). Sorted by kind order, then name.
 */
export function planDeletionHooks(
  hookType: DeletionHookType,
  desired: readonly PlanResource[],
  live: readonly PlanResource[],
  options: DeletionHookOptions,
): DeletionHookPlan {
  const ns = options.destinationNamespace ?? '';
  const unix = unixSeconds(options.deletionStartedAt);
  const existing = new Map<string, DeletionHook>();
  for (const r of live) {
    const ann = readResourceAnnotations(r.object, options.defaultHookTimeoutMs);
    if (!ann.deletionHooks.includes(hookType)) continue;
    const key = r.key ?? objectKey(r.object, ns, options.isNamespaced);
    existing.set(resourceKeyString(key), {
      key,
      hookType,
      deletePolicies: ann.deletePolicies,
      liveObject: r.object,
      ...(ann.hookTimeoutMs !== undefined ? { hookTimeoutMs: ann.hookTimeoutMs } : {}),
    });
  }
  const toCreate: DeletionHook[] = [];
  for (const r of desired) {
    const ann = readResourceAnnotations(r.object, options.defaultHookTimeoutMs);
    if (!ann.deletionHooks.includes(hookType)) continue;
    const name = hookObjectName(r.object, options.revision ?? '', hookType, unix, options.app);
    const key = { ...(r.key ?? objectKey(r.object, ns, options.isNamespaced)), name };
    const id = resourceKeyString(key);
    const fields: Record<string, unknown> = { name };
    if (key.namespace !== '' && metaString(r.object, 'namespace') === '')
      fields['namespace'] = key.namespace;
    const hook: DeletionHook = {
      key,
      hookType,
      deletePolicies: ann.deletePolicies,
      targetObject: withMetadata(r.object, fields),
      ...(ann.hookTimeoutMs !== undefined ? { hookTimeoutMs: ann.hookTimeoutMs } : {}),
    };
    const running = existing.get(id);
    if (running) existing.set(id, { ...hook, liveObject: running.liveObject });
    else toCreate.push(hook);
  }
  const order = (a: DeletionHook, b: DeletionHook) =>
    kindOrderIndex(a.key.kind) - kindOrderIndex(b.key.kind) ||
    resourceKeyString(a.key).localeCompare(resourceKeyString(b.key));
  return { hookType, toCreate: toCreate.sort(order), existing: [...existing.values()].sort(order) };
}

/** A live deletion hook with its health (undefined for a kind with no health check). */
export interface DeletionHookHealth {
  readonly hook: DeletionHook;
  readonly health: HealthResult | undefined;
}

/**
 * Where the deletion hooks stand: Failed when any is Degraded (naming them),
 * Running while any is Progressing, else Succeeded. A kind with no health
 * check counts as Healthy.
 */
export function deletionHookProgress(hooks: readonly DeletionHookHealth[]): {
  readonly phase: 'Running' | 'Succeeded' | 'Failed';
  readonly message: string;
} {
  const type = hooks[0]?.hook.hookType ?? 'deletion';
  const degraded = hooks.filter((h) => h.health?.status === HealthStatusCode.Degraded);
  if (degraded.length > 0) {
    const names = degraded.map((h) => `${h.hook.key.namespace}/${h.hook.key.name}`);
    return { phase: 'Failed', message: `${type} hook(s) failed: ${names.join(', ')}` };
  }
  const progressing = hooks.filter((h) => h.health?.status === HealthStatusCode.Progressing);
  if (progressing.length > 0) {
    return {
      phase: 'Running',
      message: `Waiting for ${progressing.length} ${type} hooks to complete`,
    };
  }
  return { phase: 'Succeeded', message: `${type} hooks completed` };
}

/**
 * Deletion hooks to delete once they are done, judged on their worst health:
 * HookSucceeded ones when all are Healthy, HookFailed ones when any is Degraded.
 */
export function deletionHooksToDelete(hooks: readonly DeletionHookHealth[]): DeletionHook[] {
  const statuses = hooks.map((h) => h.health?.status ?? HealthStatusCode.Healthy);
  const degraded = statuses.includes(HealthStatusCode.Degraded);
  const healthy = statuses.every((s) => s === HealthStatusCode.Healthy);
  return hooks
    .map((h) => h.hook)
    .filter(
      (h) =>
        (degraded && h.deletePolicies.includes(HookDeletePolicy.HookFailed)) ||
        (healthy && h.deletePolicies.includes(HookDeletePolicy.HookSucceeded)),
    );
}
