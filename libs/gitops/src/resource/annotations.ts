// The annotation names sync planning reads, in their Argo CD, Flotilla and Helm
// spellings, and the comma-list reading gitops-engine applies to all of them.
import { annotationsOf, type KubeObject } from './object.js';

/** Argo CD's annotation names (`argocd.argoproj.io/...`). */
export const ArgoAnnotation = {
  Hook: 'argocd.argoproj.io/hook',
  HookDeletePolicy: 'argocd.argoproj.io/hook-delete-policy',
  SyncWave: 'argocd.argoproj.io/sync-wave',
  SyncOptions: 'argocd.argoproj.io/sync-options',
  CompareOptions: 'argocd.argoproj.io/compare-options',
} as const;

/**
 * Flotilla's spellings of the same annotations, plus `hook-timeout`, which
 * Argo CD has no equivalent of.
 */
export const FlotillaAnnotation = {
  Hook: 'flotilla.dev/hook',
  HookDeletePolicy: 'flotilla.dev/hook-delete-policy',
  SyncWave: 'flotilla.dev/sync-wave',
  SyncOptions: 'flotilla.dev/sync-options',
  CompareOptions: 'flotilla.dev/compare-options',
  HookTimeout: 'flotilla.dev/hook-timeout',
} as const;

/** Helm's hook annotations, which Argo CD maps onto its own. */
export const HelmAnnotation = {
  Hook: 'helm.sh/hook',
  HookWeight: 'helm.sh/hook-weight',
  HookDeletePolicy: 'helm.sh/hook-delete-policy',
  ResourcePolicy: 'helm.sh/resource-policy',
} as const;

/** The concerns that have both an Argo CD and a Flotilla annotation. */
export type DualAnnotation = keyof typeof ArgoAnnotation;

/**
 * The value of one concern's annotation: the `flotilla.dev/` spelling when it is
 * set, else the `argocd.argoproj.io/` one, else undefined. An empty value counts
 * as set, as in gitops-engine.
 */
export function dualAnnotation(obj: KubeObject, which: DualAnnotation): string | undefined {
  const ann = annotationsOf(obj);
  return ann[FlotillaAnnotation[which]] ?? ann[ArgoAnnotation[which]];
}

/**
 * A comma list split the way gitops-engine splits it: items trimmed, empty
 * items dropped, duplicates dropped, order kept.
 */
export function csv(value: string | undefined): string[] {
  if (value === undefined) return [];
  const seen = new Set<string>();
  for (const item of value.split(',')) {
    const v = item.trim();
    if (v !== '') seen.add(v);
  }
  return [...seen];
}
