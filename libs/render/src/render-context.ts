import type { PlannedDependency } from './charts/dependencies.js';
import type { BuildEnv } from './envsubst.js';
import type { CompiledRenderOptions } from './options.js';
import type { AppDir } from './paths.js';
import type { Manifest, RenderRequest } from './types.js';

/** Everything one source's renderer (Helm, Kustomize, directory) gets. */
export interface SourceRenderContext {
  readonly options: CompiledRenderOptions;
  readonly request: RenderRequest;
  readonly app: AppDir;
  /** Argo CD's build variables for `$VAR` substitution. */
  readonly env: BuildEnv;
  /** The render's private directory, removed when the render ends. */
  readonly workDir: string;
  /** The environment helm and kubectl run with. */
  readonly toolEnv: NodeJS.ProcessEnv;
  /**
   * Refuses a checkout holding a symlink that leads out of it (see
   * `checkSymlinks`); done once per tree when the tree is immutable.
   */
  readonly checkTree: () => Promise<void>;
  /** A Helm chart's dependencies as resolved for the cache key, fetched as they are. */
  readonly dependencies?: readonly PlannedDependency[];
}

/** Raw objects of one source, before canonicalisation. */
export interface SourceRender {
  readonly objects: Manifest[];
  readonly warnings: string[];
}
