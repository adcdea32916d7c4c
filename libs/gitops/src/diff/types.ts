import type { AppRef, ResourceKey } from '@flotilla/contracts';

/** A Kubernetes object as plain JSON: `apiVersion`, `kind`, `metadata` and the rest. */
export type DiffObject = Record<string, unknown>;

/** How one resource compares; the first four are decisions, `Error` and `Shared` are not. */
export const ResourceDiffStatus = {
  /** Live matches desired after normalisation. */
  Synced: 'Synced',
  /** Live differs from desired. */
  OutOfSync: 'OutOfSync',
  /** Desired, but not in the cluster. */
  Missing: 'Missing',
  /** In the cluster with this app's tracking id, but no longer desired. */
  Extraneous: 'Extraneous',
  /** Tracked by another app: neither compared nor pruned. */
  Shared: 'Shared',
  /** Could not be compared; `message` says why. */
  Error: 'Error',
} as const;
/** How one resource compares. */
export type ResourceDiffStatus = (typeof ResourceDiffStatus)[keyof typeof ResourceDiffStatus];

/** Which comparison decided a resource's status. */
export const CompareMode = {
  /** A server-side-apply dry run of desired, compared with live. */
  ServerSide: 'server-side',
  /** Desired as a subset of live: fields only in live are left alone. */
  Structural: 'structural',
} as const;
/** Which comparison decided a resource's status. */
export type CompareMode = (typeof CompareMode)[keyof typeof CompareMode];

/** The outcome of comparing one resource; Secret values are masked in every field. */
export interface ResourceDiff {
  readonly key: ResourceKey;
  readonly status: ResourceDiffStatus;
  /** Why the status is what it is, for Error, Shared and refused prunes. */
  readonly message?: string;
  /** RFC 6901 pointers of the fields that differ; `''` is the whole object. */
  readonly changedPaths: readonly string[];
  /** Unified diff of normalised YAML, live (`---`) against desired (`+++`); empty when equal. */
  readonly diff: string;
  /** True when a sync with prune would delete the resource. */
  readonly requiresPruning?: boolean;
  /** True for an Extraneous resource whose `compare-options` say IgnoreExtraneous. */
  readonly ignoreExtraneous?: boolean;
  /** How the status was decided, for compared resources. */
  readonly mode?: CompareMode;
  /** The app that tracks the live object, for Shared resources. */
  readonly owner?: AppRef;
}

/** An error or warning about the whole app, in `status.conditions` form. */
export interface DiffCondition {
  readonly type: 'ComparisonError' | 'SharedResourceWarning' | 'RepeatedResourceWarning';
  readonly message: string;
}

/** Tells whether a kind is namespaced; `undefined` when the cluster does not know the kind. */
export type IsNamespaced = (group: string, kind: string) => boolean | undefined;

/**
 * Runs a server-side-apply dry run of `desired` (already namespaced and
 * annotated with the tracking id) and returns the object the server would
 * store. Return `undefined` when no dry run is possible; throw when the dry run
 * failed (the resource then reports Error).
 */
export type ServerSideDryRun = (
  desired: DiffObject,
  live: DiffObject,
  key: ResourceKey,
) => Promise<DiffObject | undefined>;
