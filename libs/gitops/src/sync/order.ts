// Run order: phase, wave, kind, name; then Namespaces and CRDs pulled forward
// to just before the first resource that needs them.
import { resourceKeyString } from '@flotilla/contracts';
import type { TaskDraft } from './draft.js';
import { SYNC_PHASE_ORDER, groupOf, kindOf, metaString, nestedString } from '../resource/index.js';
import { kindOrderIndex } from './kind-order.js';
import { SyncTaskType } from './types.js';

const TYPE_ORDER: readonly string[] = [
  SyncTaskType.Prune,
  SyncTaskType.DeleteBeforeHook,
  SyncTaskType.Apply,
  SyncTaskType.Hook,
];

/**
 * gitops-engine's order (phase, wave, kind, name). Go's sort is not stable, so
 * ties there are unspecified; here they fall to namespace, group, task type.
 */
export function compareDrafts(a: TaskDraft, b: TaskDraft): number {
  return (
    SYNC_PHASE_ORDER.indexOf(a.phase) - SYNC_PHASE_ORDER.indexOf(b.phase) ||
    a.wave - b.wave ||
    kindOrderIndex(a.key.kind) - kindOrderIndex(b.key.kind) ||
    cmp(a.key.name, b.key.name) ||
    cmp(a.key.namespace, b.key.namespace) ||
    cmp(a.key.group, b.key.group) ||
    TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type) ||
    cmp(resourceKeyString(a.key), resourceKeyString(b.key))
  );
}

/** Sorts in place, then moves Namespaces before their contents and CRDs before their objects. */
export function orderDrafts(drafts: TaskDraft[]): void {
  drafts.sort(compareDrafts);
  pullDependenciesForward(drafts, namespaceProvided, (d) => d.key.namespace || undefined);
  pullDependenciesForward(drafts, crdProvided, (d) => `${d.key.group}/${d.key.kind}`);
}

function namespaceProvided(d: TaskDraft): string | undefined {
  const t = d.targetObject;
  if (!t || kindOf(t) !== 'Namespace' || groupOf(t) !== '') return undefined;
  return metaString(t, 'name');
}

function crdProvided(d: TaskDraft): string | undefined {
  const t = d.targetObject;
  if (!t || kindOf(t) !== 'CustomResourceDefinition' || groupOf(t) !== 'apiextensions.k8s.io') {
    return undefined;
  }
  const group = nestedString(t, 'spec', 'group');
  const kind = nestedString(t, 'spec', 'names', 'kind');
  return group !== undefined && kind !== undefined ? `${group}/${kind}` : undefined;
}

/**
 * gitops-engine's adjustDeps: walking the sorted list, a dependency found after
 * a task that needs it moves to just before the first such task and takes that
 * task's phase and wave. Only tasks with a target object take part.
 */
function pullDependenciesForward(
  drafts: TaskDraft[],
  provides: (d: TaskDraft) => string | undefined,
  needs: (d: TaskDraft) => string | undefined,
): void {
  const firstNeed = new Map<string, number>();
  for (let i = 0; i < drafts.length; i++) {
    const d = drafts[i];
    if (!d?.targetObject) continue;
    const provided = provides(d);
    if (provided !== undefined) {
      const at = firstNeed.get(provided);
      if (at === undefined) continue;
      const needer = drafts[at];
      if (!needer) continue;
      d.phase = needer.phase;
      d.wave = needer.wave;
      drafts.splice(i, 1);
      drafts.splice(at, 0, d);
      for (const [k, v] of firstNeed) if (v >= at) firstNeed.set(k, v + 1);
      continue;
    }
    const needed = needs(d);
    if (needed !== undefined && !firstNeed.has(needed)) firstNeed.set(needed, i);
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
