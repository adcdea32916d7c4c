// orphanedResources: objects in an app's destination namespace that no app
// manages, with Argo CD's exclusions and the project's `ignore` rules.
import { projectGlobMatch } from './glob.js';
import { isGroupKindPermitted } from './rules.js';
import type { ProjectView } from './types.js';

/** The condition an app with orphaned resources gets when `warn` is true. */
export const ORPHANED_RESOURCE_CONDITION = 'OrphanedResourceWarning';

/** An object as the orphan rules see it. */
export interface OrphanRef {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** Objects Kubernetes itself puts in namespaces: never orphaned. */
function builtIn(r: OrphanRef): boolean {
  if (r.group !== '') return false;
  if (r.kind === 'ServiceAccount' && r.name === 'default') return true;
  if (r.kind === 'ConfigMap' && r.name === 'kube-root-ca.crt') return true;
  return r.kind === 'Service' && r.name === 'kubernetes' && r.namespace === 'default';
}

/**
 * The orphaned resources among `untracked` (objects no app tracks) under the
 * project's settings: none when the project does not monitor them. Left out:
 * what Kubernetes creates in every namespace, kinds the project refuses, and
 * what an `ignore` entry matches (group and kind globs; name glob, any when unset).
 */
export function orphanedResources<R extends OrphanRef>(
  project: ProjectView | undefined,
  untracked: readonly R[],
): R[] {
  const settings = project?.spec.orphanedResources;
  if (!project || !settings) return [];
  const ignore = settings.ignore ?? [];
  return untracked.filter(
    (r) =>
      !builtIn(r) &&
      isGroupKindPermitted(project.spec, { group: r.group, kind: r.kind }, true) &&
      !ignore.some(
        (i) =>
          projectGlobMatch(i.group ?? '', r.group) &&
          (!i.kind || projectGlobMatch(i.kind, r.kind)) &&
          (!i.name || projectGlobMatch(i.name, r.name)),
      ),
  );
}

/** The warning condition for `count` orphaned resources, or undefined when there is none to give. */
export function orphanedResourceCondition(
  project: ProjectView | undefined,
  count: number,
): { type: string; message: string } | undefined {
  if (count === 0 || project?.spec.orphanedResources?.warn !== true) return undefined;
  return {
    type: ORPHANED_RESOURCE_CONDITION,
    message: `Application has ${count} orphaned resource${count === 1 ? '' : 's'}`,
  };
}
