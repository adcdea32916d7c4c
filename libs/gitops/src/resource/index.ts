// Reading Kubernetes objects as plain JSON: identity, metadata, annotations
// in their Argo CD, Flotilla and Helm spellings, and what the hook annotations
// make of an object. Diff, health and sync planning all read objects through
// this one entry, so they agree on what an object says.
export {
  cloneJson,
  isRecord,
  jsonEqual,
  list,
  nestedString,
  num,
  optNumber,
  record,
  records,
  text,
} from './json.js';
export {
  annotationsOf,
  groupKindOf,
  groupOf,
  isSecret,
  kindOf,
  metadataOf,
  metaString,
  nameOf,
  part,
  setAnnotation,
  versionOf,
  withMetadata,
  type GroupKind,
  type KubeObject,
} from './object.js';
export {
  ArgoAnnotation,
  FlotillaAnnotation,
  HelmAnnotation,
  csv,
  dualAnnotation,
  type DualAnnotation,
} from './annotations.js';
export {
  DeletionHookType,
  HookDeletePolicy,
  ResourceRole,
  isHookDeletePolicy,
} from './hook-types.js';
export { compareOptionsOf, type CompareOptions } from './compare-options.js';
export { SYNC_PHASE_ORDER, hookRoleOf, isHookOrSkipped, type HookRoleInfo } from './hooks.js';
export {
  helmDeletePolicies,
  helmDeletionHooks,
  helmKeeps,
  helmSyncPhases,
  helmWeight,
  isHelmHook,
  parseInteger,
} from './helm.js';
