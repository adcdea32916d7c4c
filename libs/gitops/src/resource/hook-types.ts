// The closed sets of hook vocabulary that @flotilla/api does not carry: delete
// policies and the two hook types that run only when the app is deleted.

/** When a hook resource is deleted (`hook-delete-policy`). */
export const HookDeletePolicy = {
  /** Delete when the whole operation succeeds. */
  HookSucceeded: 'HookSucceeded',
  /** Delete when the operation fails or is terminated. */
  HookFailed: 'HookFailed',
  /** Delete an existing hook of the same name, and wait until it is gone, before creating it. */
  BeforeHookCreation: 'BeforeHookCreation',
  /** Never delete it (Argo CD 3.x); also turns the BeforeHookCreation default off. */
  Never: 'Never',
} as const;
/** When a hook resource is deleted. */
export type HookDeletePolicy = (typeof HookDeletePolicy)[keyof typeof HookDeletePolicy];

/** True when `text` is a {@link HookDeletePolicy}. */
export function isHookDeletePolicy(text: string): text is HookDeletePolicy {
  return Object.values<string>(HookDeletePolicy).includes(text);
}

/** Hooks that run only when the Application itself is deleted, held by its finalizers. */
export const DeletionHookType = {
  PreDelete: 'PreDelete',
  PostDelete: 'PostDelete',
} as const;
/** A hook type that runs only when the Application is deleted. */
export type DeletionHookType = (typeof DeletionHookType)[keyof typeof DeletionHookType];

/** What sync planning does with a desired object, decided by its hook annotations. */
export const ResourceRole = {
  /** An ordinary resource: applied in the Sync phase, pruned when gone from Git. */
  Resource: 'resource',
  /** A hook of one or more sync phases: created by the hook runner, never applied. */
  Hook: 'hook',
  /** `Skip`: never applied and never pruned. */
  Skip: 'skip',
  /** Only a PreDelete/PostDelete hook: left out of syncs, run on app deletion. */
  DeletionHook: 'deletion-hook',
  /** A hook annotation with no type Flotilla knows (e.g. Helm `test`): dropped. */
  Invalid: 'invalid',
} as const;
/** What sync planning does with a desired object. */
export type ResourceRole = (typeof ResourceRole)[keyof typeof ResourceRole];
