import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processAlive, run } from '@flotilla/runtime';
import { ProvisionError } from './errors.js';
import { formatElapsed, GoBuildProgress } from './go-progress.js';
import { isExecutable } from './tools.js';

/** A Go build that prints no line (no package compiled) for this long is stuck. */
const STALL_MS = 20 * 60_000;

/** One `go build` of binaries from a wrapper module under `go/`. */
export interface GoBuildSpec {
  /** Wrapper module dir under `go/`. */
  readonly module: string;
  readonly version: string;
  readonly packages: readonly string[];
  readonly outputs: readonly string[];
  readonly ldflags: readonly string[];
  /** How long a first build usually takes (2 cores, empty Go caches), for progress lines. */
  readonly expected: string;
  /** Go build tags (`-tags`), e.g. to leave optional plugins out. */
  readonly tags?: readonly string[];
}

/** How a Go build runs: where the cache is, which `go`, where progress goes. */
export interface GoBuildOptions {
  readonly cacheDir: string;
  /** The `go` binary; `go` on PATH unless set. */
  readonly go?: string;
  /** Environment for the Go toolchain (GOPROXY, GOCACHE...); the caller's. */
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (msg: string) => void;
}

/** Directory of the Go wrapper modules shipped with this library. */
export function goModulesDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', 'go');
}

/** `<cacheDir>/bin/<module>-<version>`: one directory per version, so versions sit side by side. */
export function goBinDir(cacheDir: string, spec: Pick<GoBuildSpec, 'module' | 'version'>): string {
  return join(cacheDir, 'bin', `${spec.module}-${spec.version}`);
}

/**
 * Builds the spec's binaries once per version into {@link goBinDir}, staging
 * them beside it and renaming, so a killed build leaves nothing half made.
 * Returns at once when every output is there.
 */
export async function buildGoBinaries(spec: GoBuildSpec, options: GoBuildOptions): Promise<string> {
  const dir = goBinDir(options.cacheDir, spec);
  const present = await Promise.all(spec.outputs.map((b) => isExecutable(join(dir, b))));
  if (present.every(Boolean)) return dir;
  const started = Date.now();
  const label = `building ${spec.outputs.join(', ')} ${spec.version}`;
  options.log?.(`${label} from Go modules (first time only; usually ${spec.expected})`);
  // `go build` is silent for minutes: -v names each package it compiles, and
  // the lines say which step it is in and how long it has taken.
  const progress = options.log
    ? new GoBuildProgress({ label, expected: spec.expected, log: options.log })
    : undefined;
  const ticker = progress ? setInterval(() => progress.tick(), 5_000) : undefined;
  // No overall time limit: a cold build on a loaded machine can take an hour.
  // A build that prints nothing (no package compiled) for STALL_MS is stuck.
  const stall = new AbortController();
  let lastOutput = Date.now();
  const watchdog = setInterval(() => {
    if (Date.now() - lastOutput > STALL_MS) stall.abort();
  }, 10_000);
  const staging = `${dir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await run(
      options.go ?? 'go',
      [
        'build',
        '-v',
        '-trimpath',
        '-ldflags',
        ['-s', '-w', ...spec.ldflags].join(' '),
        ...(spec.tags?.length ? ['-tags', spec.tags.join(',')] : []),
        '-o',
        `${staging}/`,
        ...spec.packages,
      ],
      {
        cwd: join(goModulesDir(), spec.module),
        env: { ...(options.env ?? process.env), GOTOOLCHAIN: 'local' },
        signal: stall.signal,
        onStderr: (chunk: string) => {
          lastOutput = Date.now();
          progress?.write(chunk);
        },
      },
    );
    await rm(dir, { recursive: true, force: true });
    // Two suites may build at once: whichever lands second finds the first's binaries.
    await rename(staging, dir).catch(async (err: unknown) => {
      const done = await Promise.all(spec.outputs.map((b) => isExecutable(join(dir, b))));
      if (!done.every(Boolean)) throw err;
      await rm(staging, { recursive: true, force: true });
    });
  } catch (cause) {
    await rm(staging, { recursive: true, force: true });
    const why = stall.signal.aborted
      ? `go build compiled nothing for ${STALL_MS / 60_000} min and was stopped`
      : (cause as Error).message;
    throw new ProvisionError(
      `building ${spec.module} ${spec.version} failed: ${why}`,
      spec.module,
      { cause },
    );
  } finally {
    clearInterval(ticker);
    clearInterval(watchdog);
  }
  options.log?.(`built ${spec.module} ${spec.version} in ${formatElapsed(Date.now() - started)}`);
  return dir;
}

/**
 * {@link buildGoBinaries} for tools a suite builds on first request, never
 * with the control plane. Suites in parallel processes take turns through a
 * lock directory holding the builder's pid: the second waits for the first's
 * binaries instead of compiling the same thing on the same cores. Returns the
 * binaries' directory.
 */
export async function buildGoBinariesOnce(
  spec: GoBuildSpec,
  options: GoBuildOptions,
): Promise<string> {
  const dir = goBinDir(options.cacheDir, spec);
  const built = async () =>
    (await Promise.all(spec.outputs.map((b) => isExecutable(join(dir, b))))).every(Boolean);
  if (await built()) return dir;
  const lock = `${dir}.lock`;
  await mkdir(join(lock, '..'), { recursive: true });
  let told = false;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (await built()) return dir;
      const holder = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => '0'));
      if (holder > 0 && !processAlive(holder)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (!told) options.log?.(`waiting for process ${holder} to finish building ${spec.module}`);
      told = true;
      await sleep(2_000);
    }
  }
  try {
    return await buildGoBinaries(spec, options);
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
