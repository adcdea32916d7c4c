/** Refresh request annotations on an Application, Flotilla's and Argo CD's: `normal` or `hard`. */
export const REFRESH_ANNOTATIONS = ['flotilla.dev/refresh', 'argocd.argoproj.io/refresh'] as const;

/**
 * Set by the git-poller when it removes a refresh annotation: the commits the
 * refresh resolved (comma-separated, one per source), so a client waiting on
 * the refresh knows which comparison answers it.
 */
export const REFRESHED_REVISIONS_ANNOTATION = 'flotilla.dev/refreshed-revisions';

/**
 * Set by the differ beside an automated sync operation it writes: the W3C
 * `traceparent` of the comparison that decided it, so the applier's
 * operation span joins the trace of the change (only while traces are on).
 */
export const OPERATION_TRACEPARENT_ANNOTATION = 'flotilla.dev/operation-traceparent';
