// Static types of the schemas, for code that reads or writes Flotilla objects.
export type { Application } from './schema/application.js';
export type { ApplicationSpec, ResourceIgnoreDifferences } from './schema/application-spec.js';
export type {
  ApplicationCondition,
  ApplicationStatus,
  HealthStatus,
  OperationState,
  ResourceResult,
  ResourceStatus,
  RevisionHistory,
  SyncStatus,
} from './schema/application-status.js';
export type { AppProject, AppProjectSpec, SyncWindow } from './schema/app-project.js';
export type { ApplicationDestination, Info, OperationInitiator } from './schema/common.js';
export type { ObjectMeta } from './schema/metadata.js';
export type { Operation, SyncOperationResource } from './schema/operation.js';
export type {
  ApplicationSource,
  ApplicationSourceDirectory,
  ApplicationSourceHelm,
  ApplicationSourceKustomize,
} from './schema/source.js';
export type { RetryStrategy, SyncPolicy } from './schema/sync-policy.js';
export type {
  ApplicationSet,
  ApplicationSetCondition,
  ApplicationSetSpec,
  ApplicationSetStatus,
} from './schema/application-set.js';
export type {
  ApplicationSetGenerator,
  ApplicationSetTemplate,
  GeneratorTemplate,
  LabelSelector,
} from './schema/application-set-generators.js';
