import { join } from 'node:path';
import {
  compileRuntimeConfig,
  createLogger,
  userCacheDir,
  type Role,
  type RoleHandle,
  type RuntimeConfig,
} from '@flotilla/runtime';
import { ProjectClient } from '@flotilla/kube';
import type { TestEnv } from './env.js';

/**
 * The runtime config a role gets in a test: the env's private NATS and Redis,
 * its cluster, the given control namespace, and the user's tool cache;
 * `runtimeEnv` adds shared settings read from the environment (such as
 * FLOTILLA_APPLICATION_NAMESPACES).
 */
export function roleConfig(
  env: TestEnv,
  namespace: string,
  logLevel = 'warn',
  runtimeEnv: Readonly<Record<string, string>> = {},
): RuntimeConfig {
  return compileRuntimeConfig(runtimeEnv, {
    natsUrl: env.nats.url,
    redisUrl: env.redis.url,
    kubeconfig: env.kube.kubeconfigPath,
    namespace,
    logLevel,
    cacheDir: userCacheDir(process.env),
  });
}

/** Roles running in a test, stopped together. */
export interface RunningRoles {
  /** Stops every role, the last started first. */
  stop(): Promise<void>;
}

/**
 * Starts `roles` in order in this process with {@link roleConfig}, warn-level
 * logs, and repository cache and render work directories under the env's
 * tmpDir; `extraEnv` adds to (or overrides) that role environment, and its
 * shared settings (FLOTILLA_APPLICATION_NAMESPACES) reach the runtime config.
 */
export async function startRoles(
  env: TestEnv,
  namespace: string,
  roles: readonly Role[],
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<RunningRoles> {
  const handles: RoleHandle[] = [];
  const appNamespaces = extraEnv['FLOTILLA_APPLICATION_NAMESPACES'];
  const sharedSettings: Record<string, string> =
    appNamespaces === undefined ? {} : { FLOTILLA_APPLICATION_NAMESPACES: appNamespaces };
  // The differ makes the `default` project; without it, the test does.
  if (!roles.some((r) => r.name === 'differ')) {
    await new ProjectClient(env.kube.kc).ensureDefault(namespace);
  }
  for (const role of roles) {
    handles.push(
      await role.start({
        logger: createLogger({ name: role.name, level: 'warn' }),
        signal: new AbortController().signal,
        config: roleConfig(env, namespace, 'warn', sharedSettings),
        env: {
          FLOTILLA_REPO_CACHE_DIR: join(env.tmpDir, 'repos'),
          FLOTILLA_RENDER_WORK_DIR: join(env.tmpDir, 'work'),
          ...extraEnv,
        },
      }),
    );
  }
  return {
    async stop() {
      for (const h of handles.reverse()) await h.stop().catch(() => undefined);
    },
  };
}
