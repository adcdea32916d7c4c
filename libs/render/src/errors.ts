import { redactMessage } from './sanitize.js';

/** Why a render failed, in terms a user can act on. */
export const RenderErrorCode = {
  /** A path (app path, value file, manifest, symlink, kustomize base) leaves its repository. */
  PathEscape: 'PathEscape',
  /** The app path does not exist or is not a directory. */
  PathNotFound: 'PathNotFound',
  /** The source spec is invalid (conflicting blocks, option-like names, bad release name). */
  InvalidSource: 'InvalidSource',
  /** A YAML or JSON document does not parse. */
  InvalidYAML: 'InvalidYAML',
  /** A document parses but is not a Kubernetes object. */
  InvalidManifest: 'InvalidManifest',
  /** `helm template` failed; the message is Helm's own. */
  HelmError: 'HelmError',
  /** `kubectl kustomize` failed, or the kustomization could not be edited. */
  KustomizeError: 'KustomizeError',
  /** A Helm dependency is declared but not vendored under `charts/`. */
  DependencyMissing: 'DependencyMissing',
  /** A Helm value file does not exist and `ignoreMissingValueFiles` is not set. */
  MissingValueFile: 'MissingValueFile',
  /** Something Flotilla does not render (Jsonnet, remote value files). */
  Unsupported: 'Unsupported',
  /** The output, the input files or the YAML aliases exceed a limit. */
  TooLarge: 'TooLarge',
  /** The render took longer than its timeout; the tool was killed. */
  Timeout: 'Timeout',
  /** The caller aborted the render. */
  Aborted: 'Aborted',
  /** helm or kubectl could not be started or did not report its version. */
  ToolError: 'ToolError',
  /** The chart, or a version of it matching the source's targetRevision, is not in the repository. */
  ChartNotFound: 'ChartNotFound',
  /** The chart repository or registry refused the credentials (or asked for some). */
  RepositoryAuth: 'RepositoryAuth',
  /** The chart repository or registry could not be reached or answered with a server error. */
  RepositoryUnreachable: 'RepositoryUnreachable',
  /** The repository answered, but not with a usable index, manifest or archive. */
  InvalidRepository: 'InvalidRepository',
} as const;
/** Why a render failed. */
export type RenderErrorCode = (typeof RenderErrorCode)[keyof typeof RenderErrorCode];

// Only these can succeed when retried with the same input; every other code
// needs a change in Git or in the Application.
const TRANSIENT: readonly RenderErrorCode[] = [
  'Timeout',
  'Aborted',
  'ToolError',
  'RepositoryUnreachable',
];

/** Where in the input a render error was found. */
export interface RenderErrorDetails {
  /** Path relative to the repository (or a name such as `helm.values`). */
  readonly file?: string;
  /** One-based line of the problem in `file`. */
  readonly line?: number;
  /** Missing Helm dependencies, by name. */
  readonly dependencies?: readonly string[];
  readonly cause?: unknown;
}

/** A render failure; `message` never contains credentials. */
export class RenderError extends Error {
  override readonly name = 'RenderError';
  readonly file?: string;
  readonly line?: number;
  readonly dependencies?: readonly string[];

  constructor(
    readonly code: RenderErrorCode,
    message: string,
    details: RenderErrorDetails = {},
  ) {
    super(redactMessage(message), details.cause === undefined ? {} : { cause: details.cause });
    if (details.file !== undefined) this.file = details.file;
    if (details.line !== undefined) this.line = details.line;
    if (details.dependencies !== undefined) this.dependencies = details.dependencies;
  }

  /** True when the same render may succeed on retry (a timeout, not a spec error). */
  get retryable(): boolean {
    return TRANSIENT.includes(this.code);
  }
}

/** True when `err` is a {@link RenderError} (of `code`, when given). */
export function isRenderError(err: unknown, code?: RenderErrorCode): err is RenderError {
  return err instanceof RenderError && (code === undefined || err.code === code);
}
