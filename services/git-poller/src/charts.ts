// Chart sources in the poller: a constraint (`1.x`, `>=1.2 <2`) or a tag is
// re-resolved against its Helm repository's index or OCI tag list like a
// branch against its refs; exact versions and digests are never polled.
import type { ChartWatch, PolledSource } from '@flotilla/git';
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
