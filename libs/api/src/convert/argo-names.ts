import { Finalizer } from '../group.js';

/** `apiVersion` of Argo CD's Application and AppProject. */
export const ARGO_API_VERSION = 'argoproj.io/v1alpha1';

/** Argo CD's usual control namespace. */
export const ARGO_NAMESPACE = 'argocd';

/** Argo CD's finalizers and their Flotilla equivalents. */
export const FINALIZER_MAP: Readonly<Record<string, string>> = {
  'resources-finalizer.argocd.argoproj.io': Finalizer.Resources,
  'resources-finalizer.argocd.argoproj.io/foreground': Finalizer.ResourcesForeground,
  'resources-finalizer.argocd.argoproj.io/background': Finalizer.ResourcesBackground,
  'post-delete-finalizer.argocd.argoproj.io': Finalizer.PostDelete,
  'post-delete-finalizer.argocd.argoproj.io/cleanup': Finalizer.PostDeleteCleanup,
};

/** Why Argo CD fields are dropped, by field path (indexes written as []). */
export const UNSUPPORTED: readonly { readonly path: RegExp; readonly reason: string }[] = [
  {
    path: /(^|\.)plugin$/,
    reason:
      'config management plugins are not supported; the source is rendered from its files as Helm, Kustomize or plain manifests',
  },
  { path: /\.directory\.jsonnet$/, reason: 'Jsonnet is not supported' },
  { path: /^spec\.sourceHydrator$/, reason: 'source hydration is not supported' },
  {
    path: /\.kustomize\.(kubeVersion|apiVersions)$/,
    reason: 'kustomize’s Helm inflation settings are not supported',
  },
  { path: /^operation\.sync\.manifests$/, reason: 'syncing local manifests is not supported' },
  {
    path: /^operation\.sync\.autoHealAttemptsCount$/,
    reason: 'Flotilla counts self-heal attempts itself',
  },
  { path: /^status$/, reason: 'status is written by Flotilla' },
  {
    path: /^metadata\.ownerReferences$/,
    reason:
      'it points at Argo CD objects, and garbage collection would delete the converted object',
  },
];

/** Server-populated metadata that says nothing about intent; dropped without a warning. */
export const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
] as const;

/** kubectl's client-side apply record: it holds the Argo CD manifest. */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
