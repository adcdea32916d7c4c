import { Type, type Static } from '@sinclair/typebox';
import {
  ApplicationSourceType,
  HealthStatusCode,
  HookType,
  OperationPhase,
  ResultCode,
  SyncPhase,
  SyncStatusCode,
} from '../enums.js';
import { atomicObj, bool, int64, list, obj, oneOf, opt, str, strings, time } from './build.js';
import { ApplicationDestination, OperationInitiator } from './common.js';
import { OperationRecord } from './operation.js';
import { ResourceIgnoreDifferences } from './application-spec.js';
import { ApplicationSource } from './source.js';
import { ManagedNamespaceMetadata } from './sync-policy.js';

const sources = (description: string) => Type.Array(ApplicationSource, { description });

/** Health of the app or of one resource. */
export const HealthStatus = atomicObj('Health of the app or resource.', {
  status: opt(
    oneOf(HealthStatusCode, 'Healthy, Suspended, Progressing, Missing, Degraded or Unknown.'),
  ),
  message: opt(str('Why the health is what it is.')),
  lastTransitionTime: opt(time('When the health status last changed.')),
});
/** Health of the app or of one resource. */
export type HealthStatus = Static<typeof HealthStatus>;

/** What the last comparison compared against. */
export const ComparedTo = obj('The spec the last comparison used.', {
  source: opt(ApplicationSource),
  sources: opt(sources('Sources compared, for a multi-source app.')),
  destination: ApplicationDestination,
  ignoreDifferences: opt(list('Ignored differences in effect.', ResourceIgnoreDifferences)),
});

/** How live state compares with the sources. */
export const SyncStatus = atomicObj('How live state compares with the sources.', {
  status: oneOf(SyncStatusCode, 'Synced, OutOfSync or Unknown.'),
  comparedTo: opt(ComparedTo),
  revision: opt(str('Revision (commit SHA or chart version) compared against.')),
  revisions: opt(strings('Revision of each source compared against, for a multi-source app.')),
});
/** How live state compares with the sources. */
export type SyncStatus = Static<typeof SyncStatus>;

/** Sync and health of one managed resource. */
export const ResourceStatus = obj('Sync and health of one resource the app manages.', {
  group: opt(str('API group.')),
  version: opt(str('API version.')),
  kind: opt(str('Kind.')),
  namespace: opt(str('Namespace; empty for cluster-scoped resources.')),
  name: opt(str('Name.')),
  status: opt(oneOf(SyncStatusCode, 'Synced, OutOfSync or Unknown.')),
  health: opt(HealthStatus),
  hook: opt(bool('True for a hook resource.')),
  requiresPruning: opt(
    bool(
      'True when the resource is no longer in the sources and a sync with prune would delete it.',
    ),
  ),
  requiresDeletionConfirmation: opt(
    bool(
      'True when deleting the resource waits for confirmation (Prune=confirm or Delete=confirm).',
    ),
  ),
  syncWave: opt(int64('Sync wave of the resource; lower waves are applied first.')),
});
/** Sync and health of one managed resource. */
export type ResourceStatus = Static<typeof ResourceStatus>;

/** An error or warning about the app. */
export const ApplicationCondition = obj('An error or warning about the app.', {
  type: str('Condition type, such as ComparisonError, SyncError or SharedResourceWarning.'),
  message: str('What is wrong, for people.'),
  lastTransitionTime: opt(time('When the condition was first seen with this message.')),
});
/** An error or warning about the app. */
export type ApplicationCondition = Static<typeof ApplicationCondition>;

/** Outcome of one resource in a sync. */
export const ResourceResult = obj('What the sync did to one resource.', {
  group: str('API group.'),
  version: str('API version.'),
  kind: str('Kind.'),
  namespace: str('Namespace; empty for cluster-scoped resources.'),
  name: str('Name.'),
  status: opt(
    oneOf(
      ResultCode,
      'Synced, SyncFailed, Pruned or PruneSkipped; empty until the resource is handled.',
    ),
  ),
  message: opt(str('What happened, or why it failed.')),
  hookType: opt(oneOf(HookType, 'Hook type, for a hook resource.')),
  hookPhase: opt(oneOf(OperationPhase, 'Phase of the hook, or of the resource’s apply.')),
  syncPhase: opt(oneOf(SyncPhase, 'Sync phase the resource belongs to.')),
});
/** Outcome of one resource in a sync. */
export type ResourceResult = Static<typeof ResourceResult>;

/** Outcome of a sync. */
export const SyncOperationResult = obj('What the sync did.', {
  resources: opt(list('Outcome per resource.', ResourceResult)),
  revision: str('Revision synced.'),
  revisions: opt(strings('Revision synced for each source, for a multi-source app.')),
  source: opt(ApplicationSource),
  sources: opt(sources('Sources synced, for a multi-source app.')),
  managedNamespaceMetadata: opt(ManagedNamespaceMetadata),
});

/** State of the current or last operation. */
export const OperationState = atomicObj('State of the running or last operation.', {
  operation: OperationRecord,
  phase: oneOf(OperationPhase, 'Running, Terminating, Failed, Error or Succeeded.'),
  message: opt(str('Progress or failure message.')),
  syncResult: opt(SyncOperationResult),
  startedAt: time('When the operation started.'),
  finishedAt: opt(time('When the operation finished.')),
  retryCount: opt(int64('Retries made so far.')),
});
/** State of the current or last operation. */
export type OperationState = Static<typeof OperationState>;

/** One past successful sync. */
export const RevisionHistory = obj('A past successful sync.', {
  id: int64('Increasing number of the entry.'),
  revision: opt(str('Revision synced.')),
  revisions: opt(strings('Revision synced for each source, for a multi-source app.')),
  deployedAt: time('When the sync finished.'),
  deployStartedAt: opt(time('When the sync started.')),
  source: opt(ApplicationSource),
  sources: opt(sources('Sources synced, for a multi-source app.')),
  initiatedBy: opt(OperationInitiator),
});
/** One past successful sync. */
export type RevisionHistory = Static<typeof RevisionHistory>;

/** URLs and images of the app's resources. */
export const ApplicationSummary = obj('URLs and container images of the app’s resources.', {
  externalURLs: opt(strings('External URLs of the app’s resources.')),
  images: opt(strings('Container images the app runs.')),
});

/** The observed state of an Application, written by Flotilla. */
export const ApplicationStatus = obj(
  'Observed state, written by Flotilla: the differ owns sync, health, resources, conditions, reconciledAt, observedAt, summary and sourceType(s); the applier owns operationState and history.',
  {
    sync: opt(SyncStatus),
    health: opt(HealthStatus),
    resources: opt(list('Resources the app manages, with their sync and health.', ResourceStatus)),
    conditions: opt(list('Errors and warnings about the app.', ApplicationCondition)),
    reconciledAt: opt(time('When live state was last compared with the latest sources.')),
    observedAt: opt(time('When live state was last observed.')),
    summary: opt(ApplicationSummary),
    sourceType: opt(
      oneOf(ApplicationSourceType, 'How the source is rendered: Helm, Kustomize or Directory.'),
    ),
    sourceTypes: opt(
      Type.Array(oneOf(ApplicationSourceType, 'Helm, Kustomize or Directory.'), {
        description: 'How each source is rendered, for a multi-source app.',
      }),
    ),
    operationState: opt(OperationState),
    history: opt(
      list(
        'Past successful syncs, oldest first, trimmed to spec.revisionHistoryLimit.',
        RevisionHistory,
      ),
    ),
  },
);
/** The observed state of an Application, written by Flotilla. */
export type ApplicationStatus = Static<typeof ApplicationStatus>;
