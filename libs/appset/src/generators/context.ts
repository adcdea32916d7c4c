import type { ScmRateLimits } from '../scm/rate-limits.js';
import type { Dialect, TemplateEngine } from '../templates.js';

/** A cluster registered as a Secret (`flotilla.dev/secret-type: cluster` or Argo CD's label). */
export interface ClusterInfo {
  readonly name: string;
  readonly server: string;
  readonly project?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** The files of one commit of a repository, as the Git generator reads them. */
export interface GitTreeView {
  /** The commit the revision resolved to. */
  readonly sha: string;
  /** Every directory (not the root), relative, `/`-separated, hidden ones left out. */
  readonly directories: readonly string[];
  /** Every file, relative, `/`-separated. */
  readonly files: readonly string[];
  /** Reads a file listed in `files`; refuses anything that leads outside the tree. */
  read(path: string): Promise<string>;
}

/** What generators may read; the service gives real sources, tests fakes. */
export interface GeneratorContext extends Dialect {
  readonly templates: TemplateEngine;
  /** Registered clusters (the in-cluster one is added by the generator when absent). */
  clusters(): Promise<readonly ClusterInfo[]>;
  /** The tree of `revision` of `repoURL`. */
  gitTree(repoURL: string, revision: string): Promise<GitTreeView>;
  /** The refs of a repository (one listing, as the git-poller's), for the pullRequest generator's gitRefs mode. */
  refs?(repoURL: string): Promise<ReadonlyMap<string, string>>;
  /**
   * The data of a Secret in the set's namespace (an SCM provider's token),
   * decoded; rejects, naming the Secret but never a value, when it is missing.
   */
  secret?(name: string): Promise<Readonly<Record<string, string>>>;
  /** A key of a ConfigMap in the set's namespace (an SCM provider's CA certificates). */
  configMapKey?(name: string, key: string): Promise<string>;
  /** CA certificates (PEM) every SCM provider's API is trusted with, beside the system's. */
  readonly scmRootCa?: string;
  /** Time allowed for one answer of an SCM provider's API (30 s when unset). */
  readonly scmTimeoutMs?: number;
  /**
   * Rate limits SCM providers answered with, shared by every set: while one
   * lasts, that host is not asked again with those credentials. Unset, each
   * run asks.
   */
  readonly scmRateLimits?: ScmRateLimits;
  /** Most parameter sets one generator (a matrix included) may give. */
  readonly maxParams: number;
}

/** The API server address of the cluster Flotilla runs in. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';
/** The name Argo CD gives the cluster it runs in. */
export const IN_CLUSTER_NAME = 'in-cluster';
