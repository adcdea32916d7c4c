import { join } from 'node:path';
import {
  buildGoBinariesOnce,
  goBinDir,
  type GoBuildOptions,
  type GoBuildSpec,
} from './go-build.js';
import { isExecutable } from './tools.js';
import { VERSIONS } from './versions.js';

const REGISTRY: GoBuildSpec = {
  module: 'registry',
  version: VERSIONS.registry,
  packages: ['.'],
  outputs: ['registry'],
  ldflags: [`-X github.com/distribution/distribution/v3/version.version=${VERSIONS.registry}`],
  expected: 'about 4 min, up to 16 on a loaded machine',
};

/** Path of the cached OCI registry binary, whether or not it is built yet. */
export function registryBinary(cacheDir: string): string {
  return join(goBinDir(cacheDir, REGISTRY), 'registry');
}

/**
 * Builds the CNCF distribution registry from its Go module, once per
 * version, for the suites that push and pull charts over OCI. Nothing else
 * needs it, so it is built on a suite's first request, never with the
 * control plane.
 */
export async function provisionRegistry(options: GoBuildOptions): Promise<string> {
  const bin = registryBinary(options.cacheDir);
  if (await isExecutable(bin)) return bin;
  await buildGoBinariesOnce(REGISTRY, options);
  return bin;
}
