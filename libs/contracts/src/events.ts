import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { ResourceKey } from './app-ref.js';

const revisions = Type.Array(Type.String(), { description: 'Commit SHAs, one per source.' });
const operationId = Type.String({
  description:
    'Identifies the operation: `op-<namespace>_<name>-<start in ms since the epoch>` (`del-` for a deletion).',
});
const forOperation = Type.Boolean({
  description:
    "True for a render a sync operation asked for; the app's desired state is unchanged.",
});
const hookFields = {
  operationId,
  hook: ResourceKey,
  hookType: Type.String({
    description: 'PreSync, Sync, PostSync, SyncFail, PreDelete or PostDelete.',
  }),
  wave: Type.Integer(),
};

/**
 * Every event type: category and action (the last two subject tokens), the
 * data schema, and an example used in docs and tests. The CloudEvents `type`
 * is `dev.flotilla.<category>.<action>.v1`.
 */
export const EventCatalog = {
  'source.changed': {
    description: 'A source of the app resolved to a new commit or chart version.',
    data: Type.Object({
      revisions,
      previousRevisions: Type.Optional(revisions),
      sources: Type.Array(
        Type.Object({
          repoURL: Type.String(),
          targetRevision: Type.String(),
          revision: Type.String(),
        }),
      ),
    }),
    example: {
      revisions: ['3f4c2a1e9b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a'],
      previousRevisions: ['9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b'],
      sources: [
        {
          repoURL: 'https://git.example.com/org/apps.git',
          targetRevision: 'main',
          revision: '3f4c2a1e9b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a',
        },
      ],
    },
  },
  'render.completed': {
    description: 'Manifests were rendered (or taken from the cache).',
    data: Type.Object({
      revisions,
      manifestsHash: Type.String(),
      resourceCount: Type.Integer({ minimum: 0 }),
      cached: Type.Boolean(),
      durationMs: Type.Number({ minimum: 0 }),
      forOperation: Type.Optional(forOperation),
    }),
    example: {
      revisions: ['3f4c2a1e9b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a'],
      manifestsHash: 'sha256:1b4f0e98...',
      resourceCount: 7,
      cached: false,
      durationMs: 412,
    },
  },
  'render.failed': {
    description: 'Rendering failed; the app gets a ComparisonError and nothing is pruned.',
    data: Type.Object({
      revisions: Type.Optional(revisions),
      message: Type.String(),
      forOperation: Type.Optional(forOperation),
    }),
    example: {
      revisions: ['3f4c2a1e9b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a'],
      message: 'templates/deployment.yaml:12: unexpected "}"',
    },
  },
  'app.sync-changed': {
    description:
      'The sync status changed: published by the differ after a comparison, or by the applier when a sync end says the app is Synced (source `/flotilla/applier`).',
    data: Type.Object({
      from: Type.String(),
      to: Type.String(),
      revision: Type.Optional(Type.String()),
    }),
    example: {
      from: 'Synced',
      to: 'OutOfSync',
      revision: '3f4c2a1e9b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a',
    },
  },
  'app.health-changed': {
    description:
      'The health status changed: published by the differ after a comparison, or by the applier with a sync end that says what the app became.',
    data: Type.Object({
      from: Type.String(),
      to: Type.String(),
      message: Type.Optional(Type.String()),
    }),
    example: { from: 'Progressing', to: 'Healthy' },
  },
  'app.drift-detected': {
    description: 'Live state moved away from Git; names the resources and fields.',
    data: Type.Object({
      resources: Type.Array(
        Type.Object({ resource: ResourceKey, fields: Type.Array(Type.String()) }),
      ),
    }),
    example: {
      resources: [
        {
          resource: {
            group: 'apps',
            kind: 'Deployment',
            namespace: 'guestbook',
            name: 'guestbook-ui',
          },
          fields: ['/spec/replicas'],
        },
      ],
    },
  },
  'app.deleting': {
    description:
      'The Application is being deleted under a resources or post-delete finalizer: its deletion hooks run and, with a resources finalizer, its resources are deleted.',
    data: Type.Object({
      operationId,
      cascade: Type.Boolean({ description: 'A resources finalizer is present.' }),
      propagation: Type.String({ description: 'Foreground or Background.' }),
      resourceCount: Type.Integer({ minimum: 0, description: 'Resources to delete.' }),
    }),
    example: {
      operationId: 'del-flotilla_guestbook-1732478400',
      cascade: true,
      propagation: 'Foreground',
      resourceCount: 4,
    },
  },
  'app.deletion-waiting': {
    description:
      'The deletion waits for an approval annotation (Delete=confirm); nothing was deleted.',
    data: Type.Object({ operationId, message: Type.String() }),
    example: {
      operationId: 'del-flotilla_guestbook-1732478400',
      message: 'Waiting for deletion confirmation of /ConfigMap/settings',
    },
  },
  'app.deletion-failed': {
    description:
      'The deletion stopped (a PreDelete or PostDelete hook failed, or no rendered manifests): the finalizer stays.',
    data: Type.Object({ operationId, message: Type.String() }),
    example: {
      operationId: 'del-flotilla_guestbook-1732478400',
      message: 'PreDelete hook(s) failed: demo/backup',
    },
  },
  'app.deleted': {
    description: 'The deletion is done and the finalizers were removed.',
    data: Type.Object({
      operationId,
      deletedCount: Type.Integer({ minimum: 0 }),
      keptCount: Type.Integer({ minimum: 0, description: 'Resources kept by Delete=false.' }),
      durationMs: Type.Number({ minimum: 0 }),
    }),
    example: {
      operationId: 'del-flotilla_guestbook-1732478400',
      deletedCount: 4,
      keptCount: 1,
      durationMs: 5120,
    },
  },
  'operation.started': {
    description: 'A sync operation started.',
    data: Type.Object({
      operationId,
      trigger: Type.String(),
      revision: Type.Optional(Type.String()),
      dryRun: Type.Boolean(),
      prune: Type.Boolean(),
    }),
    example: {
      operationId: 'op-flotilla_guestbook-1732478400123',
      trigger: 'automated',
      revision: '3f4c2a1e9b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a',
      dryRun: false,
      prune: true,
    },
  },
  'operation.wave-completed': {
    description: 'Every resource of one (phase, wave) is applied and healthy.',
    data: Type.Object({
      operationId,
      phase: Type.String(),
      wave: Type.Integer(),
      resourceCount: Type.Integer({ minimum: 0 }),
    }),
    example: {
      operationId: 'op-flotilla_guestbook-1732478400123',
      phase: 'Sync',
      wave: 1,
      resourceCount: 3,
    },
  },
  'operation.succeeded': {
    description: 'A sync operation ended Succeeded.',
    data: Type.Object({
      operationId,
      revision: Type.Optional(Type.String()),
      message: Type.String(),
      durationMs: Type.Number(),
    }),
    example: {
      operationId: 'op-flotilla_guestbook-1732478400123',
      revision: '3f4c2a1e9b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a',
      message: 'successfully synced (all tasks run)',
      durationMs: 5230,
    },
  },
  'operation.failed': {
    description: 'A sync operation ended Failed or Error.',
    data: Type.Object({
      operationId,
      revision: Type.Optional(Type.String()),
      message: Type.String(),
      durationMs: Type.Number(),
    }),
    example: {
      operationId: 'op-flotilla_guestbook-1732478400123',
      message: 'one or more synchronization tasks completed unsuccessfully',
      durationMs: 2210,
    },
  },
  'hook.started': {
    description: 'A hook resource was created.',
    data: Type.Object(hookFields),
    example: {
      operationId: 'op-flotilla_guestbook-1732478400123',
      hook: { group: 'batch', kind: 'Job', namespace: 'demo', name: 'db-migrate' },
      hookType: 'PreSync',
      wave: 0,
    },
  },
  'hook.succeeded': {
    description: 'A hook finished successfully.',
    data: Type.Object({ ...hookFields, logTail: Type.Optional(Type.String()) }),
    example: {
      operationId: 'op-flotilla_guestbook-1732478400123',
      hook: { group: 'batch', kind: 'Job', namespace: 'demo', name: 'db-migrate' },
      hookType: 'PreSync',
      wave: 0,
      logTail: 'migrated 3 tables',
    },
  },
  'hook.failed': {
    description: 'A hook failed or timed out.',
    data: Type.Object({
      ...hookFields,
      message: Type.String(),
      logTail: Type.Optional(Type.String()),
    }),
    example: {
      operationId: 'op-flotilla_guestbook-1732478400123',
      hook: { group: 'batch', kind: 'Job', namespace: 'demo', name: 'db-migrate' },
      hookType: 'PreSync',
      wave: 0,
      message: 'hook timed out after 300s',
    },
  },
  'operation.blocked-by-window': {
    description:
      "A sync window of the app's project holds a sync back: an automated sync waits (the app gets a SyncWindowWarning condition), a manual one is refused.",
    data: Type.Object({
      message: Type.String({ description: 'Which window, and until when.' }),
      manual: Type.Boolean({ description: 'True for a refused manual sync.' }),
      nextChange: Type.Optional(
        Type.String({ format: 'date-time', description: 'When a window opens or closes next.' }),
      ),
    }),
    example: {
      message: "blocked by deny window '0 22 * * *' (8h), open until 2026-11-25T06:00:00.000Z",
      manual: false,
      nextChange: '2026-11-25T06:00:00.000Z',
    },
  },
  'project.denied': {
    description:
      "An AppProject rule refused something: a repository before any Git work, an app's destination, or an object a sync would write or delete. Names the project and the rule.",
    data: Type.Object({
      project: Type.String({ description: 'The AppProject.' }),
      rule: Type.String({
        description:
          'The refusing field: project (missing), sourceRepos, sourceNamespaces, destinations, clusterResourceWhitelist, clusterResourceBlacklist, namespaceResourceWhitelist, namespaceResourceBlacklist, signatureKeys or destinationServiceAccounts.',
      }),
      subject: Type.String({
        description: 'What was refused: a repository, a destination or an object.',
      }),
      message: Type.String(),
      stage: Type.String({ description: 'Where it was refused: render, compare, sync or delete.' }),
      operationId: Type.Optional(operationId),
    }),
    example: {
      project: 'team-a',
      rule: 'clusterResourceWhitelist',
      subject: 'rbac.authorization.k8s.io/ClusterRoleBinding admin',
      message:
        "rbac.authorization.k8s.io/ClusterRoleBinding admin: cluster-scoped kind rbac.authorization.k8s.io/ClusterRoleBinding is not listed in clusterResourceWhitelist of project 'team-a'",
      stage: 'sync',
      operationId: 'op-flotilla_guestbook-1732478400123',
    },
  },
  'resource.applied': {
    description: 'A resource was applied (server-side apply).',
    data: Type.Object({
      operationId,
      resource: ResourceKey,
      phase: Type.String(),
      wave: Type.Integer(),
      message: Type.Optional(Type.String()),
    }),
    example: {
      operationId: 'op-flotilla_guestbook-1732478400123',
      resource: { group: '', kind: 'Service', namespace: 'demo', name: 'web' },
      phase: 'Sync',
      wave: 0,
      message: 'service/web serverside-applied',
    },
  },
  'resource.pruned': {
    description:
      'A resource was deleted: pruned because Git no longer declares it, or deleted with its Application.',
    data: Type.Object({ operationId, resource: ResourceKey, wave: Type.Integer() }),
    example: {
      operationId: 'op-flotilla_guestbook-1732478400123',
      resource: { group: '', kind: 'ConfigMap', namespace: 'demo', name: 'old-config' },
      wave: 0,
    },
  },
} as const satisfies Record<
  string,
  { description: string; data: TObject; example: Record<string, unknown> }
>;

/** `<category>.<action>` of every event. */
export type EventName = keyof typeof EventCatalog;
/** The data of one event. */
export type EventData<N extends EventName> = Static<(typeof EventCatalog)[N]['data']>;

/** Every event name. */
export const EVENT_NAMES = Object.keys(EventCatalog) as EventName[];

/** The CloudEvents `type` of an event: `dev.flotilla.<category>.<action>.v1`. */
export function eventType(name: EventName): string {
  return `dev.flotilla.${name}.v1`;
}

/** The CloudEvents 1.0 structured-mode envelope, with `data` of event `N`. */
export const cloudEventSchema = <D extends TSchema>(type: string, data: D) =>
  Type.Object(
    {
      specversion: Type.Literal('1.0'),
      id: Type.String({ minLength: 1 }),
      source: Type.String({
        minLength: 1,
        description: 'URI reference of the emitting role, e.g. /flotilla/applier.',
      }),
      type: Type.Literal(type),
      subject: Type.String({ description: 'The app, as `<namespace>/<name>`.' }),
      time: Type.String({ format: 'date-time' }),
      datacontenttype: Type.Literal('application/json'),
      data,
    },
    { $id: type, description: 'CloudEvents 1.0, structured JSON.' },
  );

/** A Flotilla event. */
export interface FlotillaEvent<N extends EventName = EventName> {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject: string;
  readonly time: string;
  readonly datacontenttype: 'application/json';
  readonly data: EventData<N>;
}
