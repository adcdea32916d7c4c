import type { ApplicationSource, ApplicationSourceType } from '@flotilla/api';

/** One Application source, with Argo CD's field names. */
export type RenderSource = ApplicationSource;

/** How a source is rendered: Helm, Kustomize or Directory. */
export type SourceType = ApplicationSourceType;

/** A Kubernetes object as plain JSON. */
export type Manifest = Record<string, unknown>;

/**
 * A canonical manifest set: objects sorted by (group, kind, namespace, name),
 * every object's keys sorted, and the `sha256:` hash of that canonical JSON.
 * Two renders of the same input give byte-identical sets.
 */
export interface ManifestSet {
  readonly objects: readonly Manifest[];
  readonly hash: string;
}

/** What one render of one source produced. */
export interface RenderResult extends ManifestSet {
  readonly sourceType: SourceType;
  /** Things a user should know that did not stop the render (skipped files, tool notices). */
  readonly warnings: readonly string[];
  /** True when the set came from the manifest cache. */
  readonly cached: boolean;
}

/** Asks for one source of one Application to be rendered. */
export interface RenderRequest {
  /** Application name: the default Helm release name and `ARGOCD_APP_NAME`. */
  readonly appName: string;
  /** Destination namespace: the default for Helm's `--namespace`. */
  readonly namespace?: string;
  readonly source: RenderSource;
  /**
   * Root of the checkout of `source.repoURL` at `revision`, read only. For a
   * Helm repository source (`source.chart`), the unpacked chart directory.
   */
  readonly repoDir: string;
  /**
   * `repoDir` never changes (a commit's shared export): checks of the whole
   * tree are made once per tree and remembered.
   */
  readonly immutable?: boolean;
  /** The commit SHA (or chart version) `repoDir` holds; part of the cache key. */
  readonly revision: string;
  /** Checkouts of the sources with a `ref`, by ref name (`values` or `$values`), for `$ref/...` value files. */
  readonly refSources?: Readonly<Record<string, string>>;
  /** `hard` skips the cache read (the result is still written). */
  readonly refresh?: 'normal' | 'hard';
  /** The destination cluster's version; `helm.kubeVersion` wins over it. */
  readonly kubeVersion?: string;
  /** The destination cluster's API versions; `helm.apiVersions` wins over them. */
  readonly apiVersions?: readonly string[];
  readonly signal?: AbortSignal;
}
