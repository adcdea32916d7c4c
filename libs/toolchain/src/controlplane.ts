import { access, constants, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '@flotilla/runtime';
import { ProvisionError } from './errors.js';
import { formatElapsed, GoBuildProgress } from './go-progress.js';
import { VERSIONS } from './versions.js';

/** Binaries of the development control plane. */
export type ControlPlaneBinary =
  'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

/** Absolute paths of every control-plane binary. */
export type ControlPlaneBinaries = Readonly<Record<ControlPlaneBinary, string>>;

interface BuildSpec {
  /** Wrapper module dir under `go/`. */
  readonly module: string;
  readonly version: string;
  readonly packages: readonly string[];
  readonly outputs: readonly ControlPlaneBinary[];
  readonly ldflags: readonly string[];
  /** How long a first build usually takes (2 cores, empty Go caches), for progress lines. */
  readonly expected: string;
}

/** A Go build that prints no line (no package compiled) for this long is stuck. */
const STALL_MS = 20 * 60_000;

const K8S = VERSIONS.kubernetes;
const [k8sMajor, k8sMinor] = K8S.replace(/^v/, '').split('.');

const BUILDS: readonly BuildSpec[] = [
  {
    module: 'etcd',
    version: VERSIONS.etcd,
    packages: ['.'],
    outputs: ['etcd'],
    ldflags: [],
    expected: 'about 2 min',
  },
  {
    module: 'kubernetes',
    version: K8S,
    packages: [
      'k8s.io/kubernetes/cmd/kube-apiserver',
      'k8s.io/kubernetes/cmd/kube-controller-manager',
      'k8s.io/kubernetes/cmd/kube-scheduler',
    ],
    outputs: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'],
    // The same stamps the upstream release build sets, so /version is truthful.
    ldflags: ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
      `-X ${pkg}.gitVersion=${K8S}`,
      `-X ${pkg}.gitMajor=${k8sMajor}`,
      `-X ${pkg}.gitMinor=${k8sMinor}`,
      `-X ${pkg}.gitTreeState=clean`,
    ]),
    expected: 'about 5 to 7 min',
  },
  {
    module: 'kwok',
    version: VERSIONS.kwok,
    packages: ['sigs.k8s.io/kwok/cmd/kwok'],
    outputs: ['kwok'],
    ldflags: [],
    expected: 'about 1 to 2 min',
  },
];

/** Directory of the Go wrapper modules shipped with this library. */
export function goModulesDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', 'go');
}

function binDir(cacheDir: string, spec: BuildSpec): string {
  return join(cacheDir, 'bin', `${spec.module}-${spec.version}`);
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Paths of the cached control-plane binaries, whether or not they are built yet. */
export function controlPlaneBinaries(cacheDir: string): ControlPlaneBinaries {
  const out = {} as Record<ControlPlaneBinary, string>;
  for (const spec of BUILDS) {
    for (const bin of spec.outputs) out[bin] = join(binDir(cacheDir, spec), bin);
  }
  return out;
}

/** Options for {@link provisionControlPlane}. */
export interface ControlPlaneBuildOptions {
  readonly cacheDir: string;
  /** The `go` binary; `go` on PATH unless set. */
  readonly go?: string;
  /** Environment for the Go toolchain (GOPROXY, GOCACHE...); the caller's. */
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (msg: string) => void;
}

/**
 * Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler and KWOK
 * from their upstream Go modules with the machine's Go toolchain, once per
 * version, into `<cacheDir>/bin/<module>-<version>/`. Idempotent and cheap when
 * cached; the Go build cache is left where Go keeps it, so rebuilds are fast.
 */
export async function provisionControlPlane(
  options: ControlPlaneBuildOptions,
): Promise<ControlPlaneBinaries> {
  const go = options.go ?? 'go';
  for (const spec of BUILDS) {
    const dir = binDir(options.cacheDir, spec);
    const present = await Promise.all(spec.outputs.map((b) => exists(join(dir, b))));
    if (present.every(Boolean)) continue;
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
        go,
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
      await rename(staging, dir);
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
  }
  return controlPlaneBinaries(options.cacheDir);
}
