// Helm's hook annotations mapped onto Argo CD's, as gitops-engine's hook/helm
// package and Argo CD's controller map them.
import { SyncPhase } from '@flotilla/api';
import { HelmAnnotation, csv } from './annotations.js';
import { DeletionHookType, HookDeletePolicy } from './hook-types.js';
import { annotationsOf, type KubeObject } from './object.js';

const SYNC_PHASE_OF: Readonly<Record<string, SyncPhase>> = {
  'pre-install': SyncPhase.PreSync,
  'pre-upgrade': SyncPhase.PreSync,
  'post-install': SyncPhase.PostSync,
  'post-upgrade': SyncPhase.PostSync,
};

const DELETION_HOOK_OF: Readonly<Record<string, DeletionHookType>> = {
  'pre-delete': DeletionHookType.PreDelete,
  'post-delete': DeletionHookType.PostDelete,
};

const DELETE_POLICY_OF: Readonly<Record<string, HookDeletePolicy>> = {
  'before-hook-creation': HookDeletePolicy.BeforeHookCreation,
  'hook-succeeded': HookDeletePolicy.HookSucceeded,
  'hook-failed': HookDeletePolicy.HookFailed,
};

/**
 * True when `helm.sh/hook` is set to anything but exactly `crd-install`, which
 * Helm uses to mark CRDs that are ordinary resources.
 */
export function isHelmHook(obj: KubeObject): boolean {
  const value = annotationsOf(obj)[HelmAnnotation.Hook];
  return value !== undefined && value !== 'crd-install';
}

/** The sync phases of `helm.sh/hook`; unknown values (`test`, `pre-rollback`) give none. */
export function helmSyncPhases(obj: KubeObject): SyncPhase[] {
  const phases = csv(annotationsOf(obj)[HelmAnnotation.Hook]).map((t) => SYNC_PHASE_OF[t]);
  return [...new Set(phases.filter((p): p is SyncPhase => p !== undefined))];
}

/** `pre-delete` and `post-delete` in `helm.sh/hook`, as PreDelete and PostDelete. */
export function helmDeletionHooks(obj: KubeObject): DeletionHookType[] {
  const types = csv(annotationsOf(obj)[HelmAnnotation.Hook]).map((t) => DELETION_HOOK_OF[t]);
  return [...new Set(types.filter((t): t is DeletionHookType => t !== undefined))];
}

/** `helm.sh/hook-weight` as an integer, or undefined when absent or not an integer. */
export function helmWeight(obj: KubeObject): number | undefined {
  return parseInteger(annotationsOf(obj)[HelmAnnotation.HookWeight]);
}

/** `helm.sh/hook-delete-policy` mapped one-to-one; unknown values are ignored. */
export function helmDeletePolicies(obj: KubeObject): HookDeletePolicy[] {
  const policies = csv(annotationsOf(obj)[HelmAnnotation.HookDeletePolicy]);
  return policies.map((p) => DELETE_POLICY_OF[p]).filter((p) => p !== undefined);
}

/** True for `helm.sh/resource-policy: keep`, which Flotilla reads as Delete=false. */
export function helmKeeps(obj: KubeObject): boolean {
  return annotationsOf(obj)[HelmAnnotation.ResourcePolicy]?.trim().toLowerCase() === 'keep';
}

/** An integer as Go's strconv.Atoi reads one ("+3", "-1", "07"), else undefined. */
export function parseInteger(text: string | undefined): number | undefined {
  if (text === undefined || !/^[+-]?\d+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}
