import { CloneType, Type, type Static, type TSchema } from '@sinclair/typebox';
import { bool, list, obj, opt, str, strings } from './build.js';
import { Info, OperationInitiator } from './common.js';
import { ApplicationSource, ApplicationSourceInput } from './source.js';
import { RetryStrategy, RetryStrategyInput } from './sync-policy.js';

/** A resource a sync is limited to. */
export const SyncOperationResource = obj(
  'A resource to include in the sync; "*" matches any value.',
  {
    group: opt(str('API group ("" for the core group).')),
    kind: str('Kind.'),
    name: str('Name.'),
    namespace: opt(str('Namespace; empty matches any.')),
  },
);
/** A resource a sync is limited to. */
export type SyncOperationResource = Static<typeof SyncOperationResource>;

const force = (what: string) =>
  obj(what, {
    force: opt(bool('Delete and re-create a resource when it cannot be updated in place.')),
  });

/** How the sync applies resources. */
export const SyncStrategy = obj('How the sync applies resources. hook is the default.', {
  apply: opt(force('Apply every resource and ignore hook annotations.')),
  hook: opt(force('Run hooks by phase and wave (the default).')),
});

const syncOperation = <S extends TSchema>(source: S) =>
  obj('A sync requested by a user or by automated sync.', {
    revision: opt(
      str(
        'Revision (Git) or chart version (Helm) to sync to; spec.source.targetRevision when empty.',
      ),
    ),
    revisions: opt(
      strings('Revision for each of spec.sources, in order; their targetRevision when empty.'),
    ),
    prune: opt(bool('Delete resources that are no longer in the sources.')),
    dryRun: opt(bool('Run the sync against the apiserver in dry-run mode only.')),
    syncStrategy: opt(SyncStrategy),
    resources: opt(list('Sync only these resources (a selective sync).', SyncOperationResource)),
    source: opt(
      CloneType(source, {
        description: 'Source to sync instead of spec.source (a rollback sets it).',
      }),
    ),
    sources: opt(
      Type.Array(source, {
        description: 'Sources to sync instead of spec.sources (a rollback sets them).',
      }),
    ),
    syncOptions: opt(
      strings('Sync options for this sync only, added to spec.syncPolicy.syncOptions.'),
    ),
  });

const operation = <S extends TSchema, R extends TSchema>(source: S, retry: R) =>
  obj(
    'An operation to run on the app, such as a sync. Flotilla clears it once the operation starts.',
    {
      sync: opt(syncOperation(source)),
      initiatedBy: opt(OperationInitiator),
      info: opt(list('Information about the operation.', Info)),
      retry: opt(retry),
    },
  );

/** A user-requested operation (`Application.operation`). */
export const Operation = operation(ApplicationSourceInput, RetryStrategyInput);
/** A user-requested operation (`Application.operation`). */
export type Operation = Static<typeof Operation>;

/** The operation recorded in status (no input rules). */
export const OperationRecord = operation(ApplicationSource, RetryStrategy);
