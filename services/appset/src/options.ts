import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseApplicationNamespaces, type RuntimeConfig } from '@flotilla/runtime';

/** appset controller settings after defaults; see docs/configuration.md. */
export interface AppSetOptions {
  /** Most Applications one ApplicationSet may generate. */
  readonly maxApplications: number;
  /** How often every set is generated again when no generator asks sooner. */
  readonly resyncMs: number;
  /** ApplicationSets reconciled at once. */
  readonly concurrency: number;
  readonly repoCacheDir: string;
  readonly allowLocalRepos: boolean;
  /** Time allowed for one answer of an SCM provider's API (pullRequest generator). */
  readonly scmTimeoutMs: number;
  /** A PEM file of CA certificates trusted for every SCM provider's API. */
  readonly scmRootCaPath?: string;
  /** Only Secrets labelled `secret-type: scm-creds` may hold SCM tokens. */
  readonly scmTokenRefStrict: boolean;
  /**
   * Other namespaces whose ApplicationSets are reconciled (globs, or regular
   * expressions between `/`); empty means the control namespace alone.
   */
  readonly applicationSetNamespaces: readonly string[];
  /** The Go template helper; built into the tool cache when unset. */
  readonly goTemplatePath?: string;
}

const positive = (
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  dflt: number,
) => {
  const v = Number(env[name] ?? dflt);
  if (!(v > 0) || !Number.isFinite(v)) throw new Error(`${name} must be a positive number`);
  return v;
};

/** Compiles options from the environment (passed in, never read here). */
export function compileAppSetOptions(
  env: Readonly<Record<string, string | undefined>>,
  config: RuntimeConfig,
): AppSetOptions {
  return {
    maxApplications: Math.floor(positive(env, 'FLOTILLA_APPSET_MAX_APPLICATIONS', 5000)),
    resyncMs: positive(env, 'FLOTILLA_APPSET_RESYNC_SECONDS', 180) * 1000,
    concurrency: Math.floor(
      positive(env, 'FLOTILLA_APPSET_CONCURRENCY', 2 * availableParallelism()),
    ),
    repoCacheDir: env['FLOTILLA_REPO_CACHE_DIR'] ?? join(config.cacheDir, 'repos'),
    allowLocalRepos: env['FLOTILLA_ALLOW_LOCAL_REPOS'] === 'true',
    scmTimeoutMs: positive(env, 'FLOTILLA_APPSET_SCM_TIMEOUT_SECONDS', 30) * 1000,
    ...(env['FLOTILLA_APPSET_SCM_ROOT_CA']
      ? { scmRootCaPath: env['FLOTILLA_APPSET_SCM_ROOT_CA'] }
      : {}),
    scmTokenRefStrict: env['FLOTILLA_APPSET_SCM_TOKEN_REF_STRICT'] === 'true',
    applicationSetNamespaces: parseApplicationNamespaces(
      env['FLOTILLA_APPLICATIONSET_NAMESPACES'],
      'FLOTILLA_APPLICATIONSET_NAMESPACES',
    ),
    ...(env['FLOTILLA_GOTEMPLATE'] ? { goTemplatePath: env['FLOTILLA_GOTEMPLATE'] } : {}),
  };
}
