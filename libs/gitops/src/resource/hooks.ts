// Whether an object is a hook, of which phases, or a resource to skip: the
// reading of gitops-engine's hook.IsHook, hook.Skip, hook.Types and syncPhases,
// plus Argo CD's PreDelete/PostDelete hooks.
import { SyncPhase } from '@flotilla/api';
import { csv, dualAnnotation } from './annotations.js';
import { helmDeletionHooks, helmSyncPhases, isHelmHook } from './helm.js';
import { DeletionHookType, ResourceRole } from './hook-types.js';
import type { KubeObject } from './object.js';

/** Phases in the order they run. */
export const SYNC_PHASE_ORDER: readonly SyncPhase[] = [
  SyncPhase.PreSync,
  SyncPhase.Sync,
  SyncPhase.PostSync,
  SyncPhase.SyncFail,
];

const SKIP = 'Skip';
const ARGO_SYNC_TYPES = new Set<string>([...SYNC_PHASE_ORDER, SKIP]);

/** How the hook annotations of one object read. */
export interface HookRoleInfo {
  /** What the plan does with the object. */
  readonly role: ResourceRole;
  /** The sync phases the hook runs in, in phase order; empty unless role is Hook. */
  readonly phases: readonly SyncPhase[];
  /** PreDelete/PostDelete types, whatever the role. */
  readonly deletionHooks: readonly DeletionHookType[];
}

/**
 * Reads the hook annotations of `obj`. An Argo CD (or Flotilla) hook annotation
 * with at least one sync type overrides Helm's; `Skip` counts only when it is
 * the only type; a hook annotation with no type Flotilla knows drops the object.
 */
export function hookRoleOf(obj: KubeObject): HookRoleInfo {
  const annotation = dualAnnotation(obj, 'Hook');
  const argoTypes = csv(annotation);
  const argoSyncTypes = argoTypes.filter((t) => ARGO_SYNC_TYPES.has(t));
  const types: string[] = argoSyncTypes.length > 0 ? argoSyncTypes : helmSyncPhases(obj);
  const skip = types.length === 1 && types[0] === SKIP;
  const isHook = annotation !== undefined ? !skip : isHelmHook(obj);
  const deletionHooks = deletionHooksOf(argoTypes, obj);
  const phases = isHook ? SYNC_PHASE_ORDER.filter((p) => types.includes(p)) : [];

  let role: ResourceRole;
  if (phases.length > 0) role = ResourceRole.Hook;
  else if (deletionHooks.length > 0) role = ResourceRole.DeletionHook;
  else if (skip) role = ResourceRole.Skip;
  else if (isHook) role = ResourceRole.Invalid;
  else role = ResourceRole.Resource;
  return { role, phases, deletionHooks };
}

/**
 * True for anything the hook runner owns or that is never synced: a hook of any
 * kind, a dropped hook, or a Skip resource. Such a live object is never pruned.
 */
export function isHookOrSkipped(obj: KubeObject): boolean {
  return hookRoleOf(obj).role !== ResourceRole.Resource;
}

function deletionHooksOf(argoTypes: readonly string[], obj: KubeObject): DeletionHookType[] {
  const fromArgo = Object.values(DeletionHookType).filter((t) => argoTypes.includes(t));
  return [...new Set([...fromArgo, ...helmDeletionHooks(obj)])].sort(
    (a, b) =>
      Object.values(DeletionHookType).indexOf(a) - Object.values(DeletionHookType).indexOf(b),
  );
}
