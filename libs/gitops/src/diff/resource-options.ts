// Per-resource annotations the diff honours, in their Argo CD and Flotilla spellings.
import {
  annotationsOf,
  ArgoAnnotation,
  csv,
  FlotillaAnnotation,
  HelmAnnotation,
} from '../resource/index.js';
import type { DiffObject } from './types.js';

const COMPARE_OPTIONS = [ArgoAnnotation.CompareOptions, FlotillaAnnotation.CompareOptions];
const HOOKS = [ArgoAnnotation.Hook, FlotillaAnnotation.Hook];

/** True when `compare-options` (either spelling) lists `option`, e.g. `IgnoreExtraneous`. */
export function hasCompareOption(obj: DiffObject, option: string): boolean {
  const ann = annotationsOf(obj);
  return COMPARE_OPTIONS.some((name) => csv(ann[name]).includes(option));
}

/**
 * True for a hook (or a `Skip` resource): something the hook runner owns, so
 * the diff neither compares nor prunes it. Helm's `crd-install` is an ordinary
 * resource.
 */
export function isHook(obj: DiffObject): boolean {
  const ann = annotationsOf(obj);
  if (HOOKS.some((name) => csv(ann[name]).length > 0)) return true;
  return csv(ann[HelmAnnotation.Hook]).some((hook) => hook !== 'crd-install');
}
