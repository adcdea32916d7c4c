import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGoModule } from './go-build.js';
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
  for (const spec of BUILDS) {
    await buildGoModule({
      ...options,
      dir: binDir(options.cacheDir, spec),
      moduleDir: join(goModulesDir(), spec.module),
      name: spec.module,
      version: spec.version,
      packages: spec.packages,
      outputs: spec.outputs,
      ldflags: spec.ldflags,
      expected: spec.expected,
    });
  }
  return controlPlaneBinaries(options.cacheDir);
}
