import { join } from 'node:path';
import { buildGoBinaries, goBinDir, type GoBuildOptions, type GoBuildSpec } from './go-build.js';
import { VERSIONS } from './versions.js';

/** Binaries of the development control plane. */
export type ControlPlaneBinary =
  'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

/** Absolute paths of every control-plane binary. */
export type ControlPlaneBinaries = Readonly<Record<ControlPlaneBinary, string>>;

const K8S = VERSIONS.kubernetes;
const [k8sMajor, k8sMinor] = K8S.replace(/^v/, '').split('.');

const BUILDS: readonly (GoBuildSpec & { readonly outputs: readonly ControlPlaneBinary[] })[] = [
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

/** Paths of the cached control-plane binaries, whether or not they are built yet. */
export function controlPlaneBinaries(cacheDir: string): ControlPlaneBinaries {
  const out = {} as Record<ControlPlaneBinary, string>;
  for (const spec of BUILDS) {
    for (const bin of spec.outputs) out[bin] = join(goBinDir(cacheDir, spec), bin);
  }
  return out;
}

/** Options for {@link provisionControlPlane}. */
export type ControlPlaneBuildOptions = GoBuildOptions;

/**
 * Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler and KWOK
 * from their upstream Go modules with the machine's Go toolchain, once per
 * version, into `<cacheDir>/bin/<module>-<version>/`. Idempotent and cheap when
 * cached; the Go build cache is left where Go keeps it, so rebuilds are fast.
 */
export async function provisionControlPlane(
  options: ControlPlaneBuildOptions,
): Promise<ControlPlaneBinaries> {
  for (const spec of BUILDS) await buildGoBinaries(spec, options);
  return controlPlaneBinaries(options.cacheDir);
}
