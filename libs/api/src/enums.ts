// Closed sets of status values, as Argo CD and gitops-engine spell them.

/** How live state compares with desired state. */
export const SyncStatusCode = {
  Synced: 'Synced',
  OutOfSync: 'OutOfSync',
  Unknown: 'Unknown',
} as const;
/** How live state compares with desired state. */
export type SyncStatusCode = (typeof SyncStatusCode)[keyof typeof SyncStatusCode];

/** Health of an app or a resource, listed best to worst. */
export const HealthStatusCode = {
  Healthy: 'Healthy',
  Suspended: 'Suspended',
  Progressing: 'Progressing',
  Missing: 'Missing',
  Degraded: 'Degraded',
  Unknown: 'Unknown',
} as const;
/** Health of an app or a resource. */
export type HealthStatusCode = (typeof HealthStatusCode)[keyof typeof HealthStatusCode];

/** Phase of an operation (a sync) or of a hook. */
export const OperationPhase = {
  Running: 'Running',
  Terminating: 'Terminating',
  Failed: 'Failed',
  Error: 'Error',
  Succeeded: 'Succeeded',
} as const;
/** Phase of an operation (a sync) or of a hook. */
export type OperationPhase = (typeof OperationPhase)[keyof typeof OperationPhase];

/** True once an operation can no longer change: it succeeded, failed or errored. */
export function isCompleted(phase: OperationPhase): boolean {
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Error';
}

/** True when an operation finished well. */
export function isSuccessful(phase: OperationPhase): boolean {
  return phase === 'Succeeded';
}

/** Outcome of syncing one resource. */
export const ResultCode = {
  Synced: 'Synced',
  SyncFailed: 'SyncFailed',
  Pruned: 'Pruned',
  PruneSkipped: 'PruneSkipped',
} as const;
/** Outcome of syncing one resource. */
export type ResultCode = (typeof ResultCode)[keyof typeof ResultCode];

/** The `argocd.argoproj.io/hook` values; `Skip` means "never apply this resource". */
export const HookType = {
  PreSync: 'PreSync',
  Sync: 'Sync',
  PostSync: 'PostSync',
  SyncFail: 'SyncFail',
  PostDelete: 'PostDelete',
  Skip: 'Skip',
} as const;
/** The `argocd.argoproj.io/hook` values. */
export type HookType = (typeof HookType)[keyof typeof HookType];

/** Phases of a sync, in the order they run. */
export const SyncPhase = {
  PreSync: 'PreSync',
  Sync: 'Sync',
  PostSync: 'PostSync',
  SyncFail: 'SyncFail',
} as const;
/** Phases of a sync. */
export type SyncPhase = (typeof SyncPhase)[keyof typeof SyncPhase];

/** Whether a sync window opens or blocks syncs. */
export const SyncWindowKind = {
  Allow: 'allow',
  Deny: 'deny',
} as const;
/** Whether a sync window opens or blocks syncs. */
export type SyncWindowKind = (typeof SyncWindowKind)[keyof typeof SyncWindowKind];

/** The tool that renders a source. Argo CD's `Plugin` is not supported. */
export const ApplicationSourceType = {
  Helm: 'Helm',
  Kustomize: 'Kustomize',
  Directory: 'Directory',
} as const;
/** The tool that renders a source. */
export type ApplicationSourceType =
  (typeof ApplicationSourceType)[keyof typeof ApplicationSourceType];

/**
 * Well-known condition types. The set is open (the field is a string); the
 * suffix says the severity: `Error`, `Warning` or `Info`.
 */
export const ApplicationConditionType = {
  DeletionError: 'DeletionError',
  InvalidSpecError: 'InvalidSpecError',
  ComparisonError: 'ComparisonError',
  SyncError: 'SyncError',
  UnknownError: 'UnknownError',
  SharedResourceWarning: 'SharedResourceWarning',
  RepeatedResourceWarning: 'RepeatedResourceWarning',
  ExcludedResourceWarning: 'ExcludedResourceWarning',
  OrphanedResourceWarning: 'OrphanedResourceWarning',
} as const;
/** A well-known condition type. */
export type ApplicationConditionType =
  (typeof ApplicationConditionType)[keyof typeof ApplicationConditionType];

/** What an ApplicationSet may do to the Applications it generates (Argo CD's `applicationsSync`). */
export const ApplicationsSyncPolicy = {
  CreateOnly: 'create-only',
  CreateUpdate: 'create-update',
  CreateDelete: 'create-delete',
  Sync: 'sync',
} as const;
/** What an ApplicationSet may do to the Applications it generates. */
export type ApplicationsSyncPolicy =
  (typeof ApplicationsSyncPolicy)[keyof typeof ApplicationsSyncPolicy];

/** The condition types of an ApplicationSet's status, as Argo CD names them. */
export const ApplicationSetConditionType = {
  ErrorOccurred: 'ErrorOccurred',
  ParametersGenerated: 'ParametersGenerated',
  ResourcesUpToDate: 'ResourcesUpToDate',
  RolloutProgressing: 'RolloutProgressing',
} as const;
/** The condition types of an ApplicationSet's status. */
export type ApplicationSetConditionType =
  (typeof ApplicationSetConditionType)[keyof typeof ApplicationSetConditionType];

/** How an ApplicationSet rolls changes out to its Applications. */
export const ApplicationSetStrategyType = {
  AllAtOnce: 'AllAtOnce',
  RollingSync: 'RollingSync',
} as const;
/** How an ApplicationSet rolls changes out to its Applications. */
export type ApplicationSetStrategyType =
  (typeof ApplicationSetStrategyType)[keyof typeof ApplicationSetStrategyType];
