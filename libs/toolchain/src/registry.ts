import { processAlive } from '@flotilla/runtime';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildGoBinaries, goBinDir, type GoBuildOptions, type GoBuildSpec } from './go-build.js';
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
 * control plane. Suites in parallel processes take turns through a lock
 * directory holding the builder's pid: the second waits for the first's
 * binary instead of compiling the same thing on the same cores.
 */
export async function provisionRegistry(options: GoBuildOptions): Promise<string> {
  const bin = registryBinary(options.cacheDir);
  if (await isExecutable(bin)) return bin;
  const lock = `${goBinDir(options.cacheDir, REGISTRY)}.lock`;
  await mkdir(join(lock, '..'), { recursive: true });
  let told = false;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (await isExecutable(bin)) return bin;
      const holder = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => '0'));
      if (holder > 0 && !processAlive(holder)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (!told) options.log?.(`waiting for process ${holder} to finish building the registry`);
      told = true;
      await sleep(2_000);
    }
  }
  try {
    await buildGoBinaries(REGISTRY, options);
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
  return bin;
}
