// Per-resource annotations the diff honours, in their Argo CD and Flotilla spellings.
import { annotationsOf, splitOptions } from './object.js';
import type { DiffObject } from './types.js';

const COMPARE_OPTIONS = ['argocd.argoproj.io/compare-options', 'flotilla.dev/compare-options'];
const HOOKS = ['argocd.argoproj.io/hook', 'flotilla.dev/hook'];
const HELM_HOOK = 'helm.sh/hook';

/** True when `compare-options` (either spelling) lists `option`, e.g. `IgnoreExtraneous`. */
export function hasCompareOption(obj: DiffObject, option: string): boolean {
  const ann = annotationsOf(obj);
  return COMPARE_OPTIONS.some((name) => splitOptions(ann[name]).includes(option));
}

/**
 * True for a hook (or a `Skip` resource): something the hook runner owns, so
 * the diff neither compares nor prunes it. Helm's `crd-install` is an ordinary
 * resource.
 */
export function isHook(obj: DiffObject): boolean {
  const ann = annotationsOf(obj);
  if (HOOKS.some((name) => splitOptions(ann[name]).length > 0)) return true;
  return splitOptions(ann[HELM_HOOK]).some((hook) => hook !== 'crd-install');
}
