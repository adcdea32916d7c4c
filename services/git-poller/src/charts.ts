// Chart sources in the poller: a constraint (`1.x`, `>=1.2 <2`) or a tag is
// re-resolved against its Helm repository's index or OCI tag list like a
// branch against its refs; exact versions and digests are never polled.
import type { ChartWatch, PolledSource } from '@flotilla/git';
import type { CoreV1Api } from '@flotilla/kube';
import { isDigest, isExactVersion, type ChartClient, type ChartSpec } from '@flotilla/render';

const spec = (s: PolledSource): ChartSpec => ({
  repoURL: s.repoURL,
  chart: s.chart ?? '',
  targetRevision: (s.targetRevision ?? '').trim(),
});

/** The poller's view of chart sources, through the chart client (same credentials as Git). */
export function chartWatch(charts: ChartClient): ChartWatch {
  return {
    listing(s) {
      const target = (s.targetRevision ?? '').trim();
      if (isDigest(target) || isExactVersion(target)) return undefined;
      return charts.listing(spec(s));
    },
    pick: (versions, s) => charts.pick(versions, spec(s)),
  };
}

/** ConfigMaps of trusted CA certificates by host, as the renderer reads them. */
const TLS_CERT_CONFIGMAPS = ['argocd-tls-certs-cm', 'flotilla-tls-certs-cm'];

/**
 * The trusted CA certificates of the control namespace (a registry with a
 * private CA); a ConfigMap that cannot be read leaves them as they were.
 */
export async function readTrustedCerts(
  core: CoreV1Api,
  namespace: string,
  previous: Record<string, string>,
): Promise<Record<string, string>> {
  const maps = await Promise.all(
    TLS_CERT_CONFIGMAPS.map((name) =>
      core.readNamespacedConfigMap({ name, namespace }).then(
        (cm) => cm.data ?? {},
        (err: { code?: number }) => (err.code === 404 ? {} : undefined),
      ),
    ),
  );
  return maps.some((m) => m === undefined)
    ? previous
    : (Object.assign({}, ...maps) as Record<string, string>);
}
