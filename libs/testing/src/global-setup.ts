import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { clusterDown, clusterStatus, clusterUp } from '@flotilla/devcluster';
import { userCacheDir } from '@flotilla/runtime';
import { provisionTools } from '@flotilla/toolchain';

/**
 * Vitest global setup for integration tests. Provisions helm/kubectl, then
 * uses the cluster `FLOTILLA_TEST_KUBECONFIG` or `KUBECONFIG` names, or brings
 * up the local control plane (and stops it afterwards if this run started it).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = process.env;
  const root = resolve(project.config.root);
  const cacheDir = userCacheDir(env);
  const log = (m: string) => process.stderr.write(`[global-setup] ${m}\n`);
  await provisionTools({ cacheDir, log });
  const external = env['FLOTILLA_TEST_KUBECONFIG'] ?? env['KUBECONFIG'];
  if (external) {
    project.provide('flotillaKubeconfig', resolve(external));
    return async () => undefined;
  }
  const wasRunning = (await clusterStatus({ root })).healthy;
  const info = await clusterUp({ root, cacheDir, env, log });
  project.provide('flotillaKubeconfig', info.kubeconfig);
  return async () => {
    if (!wasRunning && env['FLOTILLA_KEEP_CLUSTER'] !== 'true') await clusterDown({ root });
  };
}
