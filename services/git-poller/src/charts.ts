// Chart sources in the poller: a constraint (`1.x`, `>=1.2 <2`) or a tag is
// re-resolved against its Helm repository's index or OCI tag list like a
// branch against its refs; exact versions and digests are never polled.
// OCI artifacts (Argo CD's `type: oci`) are resolved to the digest their tag
// names now: a tag list for a constraint, then one manifest HEAD per tag; an
// OCI chart's version is asked its digest too, and a Helm repository chart's
// version the archive digest its index announces (the same index read as the
// listing), so a version pushed again is news.
import type { ChartVersions, ChartWatch, PolledSource } from '@flotilla/git';
import {
  chartDigestField,
  isDigest,
  isExactVersion,
  isOciArtifactSource,
  isTagConstraint,
  type ChartClient,
  type ChartSpec,
} from '@flotilla/render';

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
      if (isOciArtifactSource(s)) {
        if (!isTagConstraint(target)) return undefined;
        // Apart from a chart's listing of the same repository: the values differ.
        const { key, oci } = charts.artifactListing(s);
        return { key: `tags:${key}`, oci };
      }
      if (isDigest(target) || isExactVersion(target)) return undefined;
      return charts.listing(spec(s));
    },
    pick: (versions, s) =>
      isOciArtifactSource(s)
        ? charts.pickArtifactTag(versions['tags'] ?? [], s)
        : charts.pick(versions, spec(s)),
    manifest(s, tag) {
      if (isOciArtifactSource(s))
        return {
          key: `manifest:${charts.artifactListing(s).key}:${tag}`,
          source: { repoURL: s.repoURL, targetRevision: tag, manifest: true },
        };
      const listing = charts.listing(spec(s));
      // A Helm repository's index says it: the listing itself, one read for both.
      if (!listing.oci)
        return {
          key: listing.key,
          source: { repoURL: s.repoURL, chart: s.chart ?? '', targetRevision: tag, manifest: true },
          field: chartDigestField(s.chart ?? '', tag),
        };
      return {
        key: `manifest:${listing.key}:${tag}`,
        source: { repoURL: s.repoURL, chart: s.chart ?? '', targetRevision: tag, manifest: true },
      };
    },
    repository: (s) =>
      isOciArtifactSource(s) ? charts.artifactListing(s).oci : charts.listing(spec(s)).oci,
  };
}

/** One remote call for a polled listing: a chart listing, an artifact's tags, or a tag's digest. */
export async function listChart(charts: ChartClient, s: PolledSource): Promise<ChartVersions> {
  // A Helm repository's version's digest is in its index: the same answer as its listing.
  if (s.manifest && s.chart && !charts.listing(spec(s)).oci)
    return charts.versions({ repoURL: s.repoURL, chart: s.chart });
  if (s.manifest) {
    const tag = (s.targetRevision ?? '').trim();
    const digest = s.chart
      ? await charts.chartDigest(spec(s), tag)
      : await charts.artifactDigest(s, tag);
    return { digest: digest ? [digest] : [] };
  }
  if (isOciArtifactSource(s)) return { tags: await charts.artifactTags(s) };
  return charts.versions({ repoURL: s.repoURL, chart: s.chart ?? '' });
}
