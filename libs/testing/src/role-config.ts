import { compileRuntimeConfig, userCacheDir, type RuntimeConfig } from '@flotilla/runtime';
import type { TestEnv } from './env.js';

/**
 * The runtime config a role gets in a test: the env's private NATS and Redis,
 * its cluster, the given Applications namespace, and the user's tool cache.
 */
export function roleConfig(env: TestEnv, namespace: string, logLevel = 'warn'): RuntimeConfig {
  return compileRuntimeConfig(
    {},
    {
      natsUrl: env.nats.url,
      redisUrl: env.redis.url,
      kubeconfig: env.kube.kubeconfigPath,
      namespace,
      logLevel,
      cacheDir: userCacheDir(process.env),
    },
  );
}
