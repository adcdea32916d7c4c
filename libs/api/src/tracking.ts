// The annotations that tie a live object to the app managing it. Flotilla
// writes its own and reads Argo CD's, so resources Argo CD deployed keep their owner.

/** Flotilla's tracking annotation: `<app-ns>_<app>:<group>/<kind>:<ns>/<name>`. */
export const TRACKING_ANNOTATION = 'flotilla.dev/tracking-id';

/** Argo CD's tracking annotation: `<app>:<group>/<kind>:<ns>/<name>`, `<appNs>_<app>` outside its namespace. */
export const ARGO_TRACKING_ANNOTATION = 'argocd.argoproj.io/tracking-id';

/** Both tracking annotations, Flotilla's first: either marks an object as managed by an app. */
export const TRACKING_ANNOTATIONS = [TRACKING_ANNOTATION, ARGO_TRACKING_ANNOTATION] as const;
