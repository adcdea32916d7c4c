/** The Kubernetes API group of Flotilla's resources. */
export const GROUP = 'flotilla.dev';

/** The served and stored version of Flotilla's resources. */
export const VERSION = 'v1alpha1';

/** `apiVersion` of every Flotilla resource. */
export const API_VERSION = `${GROUP}/${VERSION}` as const;

/** Where Applications and AppProjects live unless told otherwise (Argo CD uses `argocd`). */
export const DEFAULT_NAMESPACE = 'flotilla';

/** The project an Application belongs to when `spec.project` is empty. */
export const DEFAULT_PROJECT = 'default';

/** `kubectl get flotilla` lists every Flotilla resource. */
export const CATEGORY = 'flotilla';

/** Names of the Application resource. */
export const APPLICATION = {
  kind: 'Application',
  listKind: 'ApplicationList',
  plural: 'applications',
  singular: 'application',
  shortNames: ['fapp'],
} as const;

/** Names of the AppProject resource. */
export const APP_PROJECT = {
  kind: 'AppProject',
  listKind: 'AppProjectList',
  plural: 'appprojects',
  singular: 'appproject',
  shortNames: ['fproj'],
} as const;

/**
 * Finalizers that make deleting an Application cascade to its resources, as
 * Argo CD's `resources-finalizer.argocd.argoproj.io` family does. The bare
 * name deletes with foreground propagation.
 */
export const Finalizer = {
  Resources: `resources-finalizer.${GROUP}`,
  ResourcesForeground: `resources-finalizer.${GROUP}/foreground`,
  ResourcesBackground: `resources-finalizer.${GROUP}/background`,
  PostDelete: `post-delete-finalizer.${GROUP}`,
  PostDeleteCleanup: `post-delete-finalizer.${GROUP}/cleanup`,
} as const;
/** One of Flotilla's Application finalizers. */
export type Finalizer = (typeof Finalizer)[keyof typeof Finalizer];

/** Names of the ApplicationSet resource. */
export const APPLICATION_SET = {
  kind: 'ApplicationSet',
  listKind: 'ApplicationSetList',
  plural: 'applicationsets',
  singular: 'applicationset',
  shortNames: ['fappset'],
} as const;
