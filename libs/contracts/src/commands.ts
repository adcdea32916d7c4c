import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { AppRef, ResourceKey } from './app-ref.js';
import { WorkKind } from './subjects.js';

/**
 * Work commands are triggers, never state: each says "look at app X" and why.
 * The worker reads the latest desired and live state when it handles one, so a
 * duplicate, late or re-ordered command is harmless.
 */
const base = <K extends WorkKind, P extends Record<string, TSchema>>(
  kind: K,
  description: string,
  props: P,
) =>
  Type.Object(
    {
      version: Type.Literal(1, { description: 'Schema version of this command.' }),
      kind: Type.Literal(kind),
      app: AppRef,
      reason: Type.String({
        description: 'Why the work was asked for (for logs and events).',
        maxLength: 1024,
      }),
      ...props,
    },
    { $id: `flotilla.command.${kind}.v1`, description },
  );

/**
 * The Application's resourceVersion as the sender read or wrote it: the worker
 * reads a copy at least this new (its watch's once the watch has reached it,
 * else one from the apiserver), so a watch that lags never hides what the
 * sender saw.
 */
const appResourceVersion = Type.Optional(
  Type.String({
    maxLength: 64,
    description:
      "An Application resourceVersion the sender read or wrote: the worker reads a copy at least this new (its watch's when the watch has reached it, else one from the apiserver).",
  }),
);

/** Render the app's sources at their resolved revisions. */
export const RenderCommand = base(WorkKind.Render, 'Render the manifests of an Application.', {
  appResourceVersion,
  refresh: Type.Optional(
    Type.Union([Type.Literal('normal'), Type.Literal('hard')], {
      description: '`hard` bypasses the manifest cache.',
    }),
  ),
  revisions: Type.Optional(
    Type.Array(Type.String(), {
      description: 'Resolved commit SHAs, one per source, when the sender knows them.',
    }),
  ),
  previousRevisions: Type.Optional(
    Type.Array(Type.String(), {
      description: 'The revisions the app was last rendered at, when known.',
    }),
  ),
  digests: Type.Optional(
    Type.Array(Type.String(), {
      description:
        'One per source, with revisions: the manifest digest an OCI chart version (its tag) named when it was resolved, empty for other sources. A version pushed again has a new digest, and the render is not served from the old one.',
    }),
  ),
  changedFiles: Type.Optional(
    Type.Array(Type.String(), {
      description:
        'Repo-relative paths changed between previousRevisions and revisions (from a push webhook). ' +
        'When none touches the app, the renderer reuses the previous manifests.',
      maxItems: 10_000,
    }),
  ),
  operation: Type.Optional(
    Type.Object(
      {
        request: Type.String({
          description:
            'Identifies the render a sync operation waits for; the result is stored under it.',
          minLength: 1,
          maxLength: 128,
        }),
        sources: Type.Array(Type.Record(Type.String(), Type.Unknown()), {
          description:
            "The sources to render, as in the Application: the operation's source or sources, else the spec's.",
          minItems: 1,
          maxItems: 64,
        }),
        revisions: Type.Array(Type.String({ maxLength: 1024 }), {
          description:
            "One per source: the branch, tag, commit SHA or chart version the operation asks for; empty for the source's targetRevision. The renderer resolves each to a SHA.",
          maxItems: 64,
        }),
      },
      {
        description:
          "Render for a sync operation (a sync to another revision, a rollback): the result is kept apart for the applier and never replaces the app's desired state, and no diff follows.",
      },
    ),
  ),
});
/** Render the app's sources at their resolved revisions. */
export type RenderCommand = Static<typeof RenderCommand>;

/** Compare the app's desired manifests with live state. */
export const DiffCommand = base(
  WorkKind.Diff,
  'Compare desired and live state of an Application.',
  {
    manifestsHash: Type.Optional(
      Type.String({ description: 'Content hash of the rendered manifest set.' }),
    ),
    resources: Type.Optional(
      Type.Array(ResourceKey, { description: 'Resources that changed live, when known.' }),
    ),
    appResourceVersion,
  },
);
/** Compare the app's desired manifests with live state. */
export type DiffCommand = Static<typeof DiffCommand>;

/** Where a sync came from. */
export const SyncTrigger = {
  Operation: 'operation',
  Automated: 'automated',
  SelfHeal: 'self-heal',
  /** The Application is being deleted under a finalizer the applier handles. */
  Deletion: 'deletion',
} as const;
/** Where a sync came from. */
export type SyncTrigger = (typeof SyncTrigger)[keyof typeof SyncTrigger];

/** Run or resume the app's sync operation. */
export const SyncCommand = base(
  WorkKind.Sync,
  'Run, or resume, the sync operation of an Application.',
  {
    trigger: Type.Union([
      Type.Literal('operation'),
      Type.Literal('automated'),
      Type.Literal('self-heal'),
      Type.Literal('deletion'),
    ]),
    revision: Type.Optional(Type.String({ description: 'Revision the decision was made for.' })),
    resources: Type.Optional(
      Type.Array(ResourceKey, { description: 'Only these resources (selective or self-heal).' }),
    ),
    appResourceVersion,
    operation: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          "An automated sync's operation, carried by the command instead of written to `Application.operation`: the applier runs it unless another operation runs or one started after the decision.",
      }),
    ),
    lastOperationStartedAt: Type.Optional(
      Type.String({
        maxLength: 64,
        description:
          'With `operation`: the `startedAt` of the last operation the deciding comparison saw (empty: none). An operation started since makes the decision stale.',
      }),
    ),
    decidedAt: Type.Optional(
      Type.String({
        maxLength: 64,
        description:
          "With `operation`: when the comparison decided it (RFC 3339). The operation's `startedAt` and id, so a run restarted on another applier after a crash is the same operation.",
      }),
    ),
  },
);
/** Run or resume the app's sync operation. */
export type SyncCommand = Static<typeof SyncCommand>;

/** Run the hooks of one (phase, wave) of an operation. */
export const HookCommand = base(
  WorkKind.Hook,
  'Run the hooks of one phase and wave of a sync operation.',
  {
    operationId: Type.String({
      description: 'Identifies the operation; hook names derive from it.',
    }),
    phase: Type.String({
      description: 'PreSync, Sync, PostSync, SyncFail, PreDelete or PostDelete.',
    }),
    wave: Type.Integer(),
    hooks: Type.Array(ResourceKey),
  },
);
/** Run the hooks of one (phase, wave) of an operation. */
export type HookCommand = Static<typeof HookCommand>;

/** Generate an ApplicationSet's Applications; `app` names the ApplicationSet. */
export const AppSetCommand = base(
  WorkKind.AppSet,
  'Run the generators of an ApplicationSet (named by `app`) and reconcile its Applications.',
  {},
);
/** Generate an ApplicationSet's Applications. */
export type AppSetCommand = Static<typeof AppSetCommand>;

/** The schema of each work kind's command. */
export const CommandSchemas = {
  render: RenderCommand,
  diff: DiffCommand,
  sync: SyncCommand,
  hook: HookCommand,
  appset: AppSetCommand,
} as const;

/** The command type of a work kind. */
export type CommandOf<K extends WorkKind> = Static<(typeof CommandSchemas)[K]>;
/** Any work command. */
export type Command = RenderCommand | DiffCommand | SyncCommand | HookCommand | AppSetCommand;
