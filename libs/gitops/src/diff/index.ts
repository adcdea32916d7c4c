// The diff: tracking, pairing, normalisation, ignoreDifferences, server-side
// and structural comparison, Secret masking, and the app's verdict.
export {
  ResourceDiffStatus,
  CompareMode,
  type DiffObject,
  type ResourceDiff,
  type DiffCondition,
  type IsNamespaced,
  type ServerSideDryRun,
} from './types.js';
export {
  JqError,
  JqFailure,
  ManagedFieldsError,
  isJqError,
  isManagedFieldsError,
} from './errors.js';
export {
  trackingId,
  parseTrackingId,
  ownerOf,
  isTrackedBy,
  resourceKeyOf,
  type TrackingOptions,
  type ParseTrackingOptions,
  type TrackingId,
  type Owner,
} from './tracking.js';
export { prepareDesired, type PrepareContext, type PreparedDesired } from './prepare.js';
export { pairResources, type PairingInput, type PairedResource, type Pairing } from './pairing.js';
export {
  normalizeObject,
  LAST_APPLIED_ANNOTATION,
  type NormalizeOptions,
  type StatusFieldPolicy,
} from './normalize.js';
export { maskSecretValues, redactSecretValues } from './secret.js';
export { matchIgnoreRules, globMatch, type IgnoreRuleSet } from './ignore-rules.js';
export { applyIgnoreRules, type IgnoreSides } from './ignore.js';
export { parseFieldsV1, type FieldElement, type OwnedField } from './managed-fields.js';
export { JqRunner, defaultJqRunner } from './jq/runner.js';
export { compileJqOptions, type JqOptions, type CompiledJqOptions } from './jq/options.js';
export { mergeDesiredIntoLive } from './structural.js';
export { changedPaths } from './changes.js';
export type { PathSegment } from './pointer.js';
export { renderDiff } from './render.js';
export { compileDiffOptions, type DiffOptions, type CompiledDiffOptions } from './options.js';
export { diffApp, type AppDiffInput, type AppDiff } from './diff-app.js';
export { summarizeDiff, type AppDiffSummary } from './summary.js';
export { driftedFields } from './drift.js';
export { DryRunCache, cachedDryRun, desiredHash } from './cache.js';
export { revertWebhookMutations } from './webhook.js';
