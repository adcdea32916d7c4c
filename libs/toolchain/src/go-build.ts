import { access, constants, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '@flotilla/runtime';
import { ProvisionError } from './errors.js';
import { formatElapsed, GoBuildProgress } from './go-progress.js';

/** One `go build` of a wrapper module into a versioned cache directory. */
export interface GoModuleBuild {
  /** Where the binaries go, such as `<cache>/bin/etcd-v3.6.16`. */
  readonly dir: string;
  /** The wrapper module's directory (holds go.mod). */
  readonly moduleDir: string;
  readonly name: string;
  readonly version: string;
  readonly packages: readonly string[];
  readonly outputs: readonly string[];
  readonly ldflags: readonly string[];
  /** How long a first build usually takes (2 cores, empty Go caches), for progress lines. */
  readonly expected: string;
  /** The `go` binary; `go` on PATH unless set. */
  readonly go?: string;
  /** Environment for the Go toolchain (GOPROXY, GOCACHE...); the caller's. */
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (msg: string) => void;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds the binaries of a wrapper module once: a directory holding all of
 * them is left alone. The build goes to a staging directory renamed into
 * place, so a crash or a concurrent build never leaves half a directory.
 */
export async function buildGoModule(spec: GoModuleBuild): Promise<void> {
  const present = await Promise.all(spec.outputs.map((b) => exists(join(spec.dir, b))));
  if (present.every(Boolean)) return;
  const started = Date.now();
  const label = `building ${spec.outputs.join(', ')} ${spec.version}`;
  spec.log?.(`${label} from Go modules (first time only; usually ${spec.expected})`);
  // `go build` is silent for minutes: -v names each package it compiles, and
  // the lines say which step it is in and how long it has taken.
  const progress = spec.log
    ? new GoBuildProgress({ label, expected: spec.expected, log: spec.log })
    : undefined;
  const ticker = progress ? setInterval(() => progress.tick(), 5_000) : undefined;
  const staging = `${spec.dir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await run(
      spec.go ?? 'go',
      [
        'build',
        '-v',
        '-trimpath',
        '-ldflags',
        ['-s', '-w', ...spec.ldflags].join(' '),
        '-o',
        `${staging}/`,
        ...spec.packages,
      ],
      {
        cwd: spec.moduleDir,
        env: { ...(spec.env ?? process.env), GOTOOLCHAIN: 'local' },
        timeoutMs: 60 * 60_000,
        ...(progress ? { onStderr: (chunk: string) => progress.write(chunk) } : {}),
      },
    );
    await rm(spec.dir, { recursive: true, force: true });
    await rename(staging, spec.dir);
  } catch (cause) {
    await rm(staging, { recursive: true, force: true });
    throw new ProvisionError(
      `building ${spec.name} ${spec.version} failed: ${(cause as Error).message}`,
      spec.name,
      { cause },
    );
  } finally {
    clearInterval(ticker);
  }
  spec.log?.(`built ${spec.name} ${spec.version} in ${formatElapsed(Date.now() - started)}`);
}
