import { createHash } from 'node:crypto';
import type { AppRef } from '@flotilla/contracts';
import { resolveRevision, type RemoteRefs } from '../revision.js';
import { normalizeRepoUrl, repoIdentity } from '../url.js';

/** What the poller needs to know of one source of an app. */
export interface PolledSource {
  readonly repoURL: string;
  readonly targetRevision?: string;
  readonly path?: string;
  readonly chart?: string;
  /** Set only on the pseudo-source of a manifest lookup ({@link ChartWatch.manifest}): ask the digest `targetRevision` (a tag) names. */
  readonly manifest?: true;
}

/**
 * True for an OCI artifact source (Argo CD's `type: oci`): an `oci://`
 * repoURL without `chart`. Its revision is a manifest digest.
 */
export function isOciArtifact(s: PolledSource): boolean {
  return !s.chart && /^oci:\/\//i.test(s.repoURL.trim());
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
export interface PolledApp {
  readonly ref: AppRef;
  readonly sources: readonly PolledSource[];
  /** Refresh annotation (`argocd.argoproj.io/refresh` or `flotilla.dev/refresh`). */
  readonly refresh?: 'normal' | 'hard';
  /** `manifest-generate-paths` annotation: `;`-separated, relative to the source path, or absolute from the repo root. */
  readonly manifestGeneratePaths?: string;
}

/** What was last published for an app, to tell whether anything changed. */
export interface ResolvedState {
  readonly revisions: readonly string[];
  /** Hash of the sources as specified; a spec change re-renders even at the same SHA. */
  readonly specHash: string;
  /** Set when resolving failed; a new error message is published once. */
  readonly error?: string;
  /** Per source, the digest a chart's version holds (OCI manifest, or Helm repository archive; '' for others); only when one has one. */
  readonly digests?: readonly string[];
}

/** Chart versions of one listing, by chart name (a Helm index holds many charts, an OCI repository one). */
export type ChartVersions = Readonly<Record<string, readonly string[]>>;

/**
 * How the poller reads chart sources (Helm repositories, OCI registries):
 * the service gives one built on its chart client. Exact versions and
 * digests name no listing and are never polled.
 */
export interface ChartWatch {
  /** The listing a chart source is resolved against (`key` shared by all sources reading it), or undefined for an exact version or digest. */
  listing(source: PolledSource): { key: string; oci?: { host: string; repo: string } } | undefined;
  /** The exact version (an artifact's tag) a source's targetRevision means in its listing; throws when none matches. */
  pick(versions: ChartVersions, source: PolledSource): string;
  /**
   * For an OCI artifact, or an OCI chart at a version: the lookup of the
   * digest `tag` names now (one manifest HEAD), `key` shared by every source
   * asking for that tag. For a Helm repository's chart: its index (the
   * listing's own key, so one read serves both), the digest in `field`
   * ('digest' unless set) of what it gives.
   */
  manifest?(
    source: PolledSource,
    tag: string,
  ): { key: string; source: PolledSource; field?: string } | undefined;
  /** The registry host and repository an OCI source reads (what a push notification names). */
  repository?(source: PolledSource): { host: string; repo: string } | undefined;
}

/** Hash of an app's sources (repo, revision, path, chart) as specified. */
export function specHash(app: PolledApp): string {
  const canonical = app.sources.map((s) => [
    normalizeRepoUrl(s.repoURL),
    s.targetRevision ?? '',
    s.path ?? '',
    s.chart ?? '',
  ]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 16);
}

/** Groups apps by repository (normalised URL): one remote call serves all apps of a repo. */
export function groupByRepo(
  apps: readonly PolledApp[],
): Map<string, { url: string; apps: PolledApp[] }> {
  const repos = new Map<string, { url: string; apps: PolledApp[] }>();
  for (const app of apps) {
    for (const src of app.sources) {
      // Charts and OCI artifacts are versioned by their registry, not by Git.
      if (src.chart || isOciArtifact(src)) continue;
      const key = normalizeRepoUrl(src.repoURL);
      const entry = repos.get(key) ?? { url: src.repoURL, apps: [] };
      // Apps come one at a time, so a repeat can only be the last one added (no scan of a monorepo's list).
      if (entry.apps.at(-1) !== app) entry.apps.push(app);
      repos.set(key, entry);
    }
  }
  return repos;
}

/**
 * Groups the polled chart sources by listing: one index or tag-list call
 * serves all apps reading it. A source whose listing cannot be told (a bad
 * repoURL) is left out, and its app is resolved by the renderer instead.
 */
export function groupByChartListing(
  apps: readonly PolledApp[],
  watch: ChartWatch | undefined,
): Map<string, { source: PolledSource; apps: PolledApp[] }> {
  const listings = new Map<string, { source: PolledSource; apps: PolledApp[] }>();
  if (!watch) return listings;
  for (const app of apps) {
    for (const src of app.sources) {
      const key = chartListingKey(src, watch);
      if (key === undefined) continue;
      const entry = listings.get(key) ?? { source: src, apps: [] };
      if (entry.apps.at(-1) !== app) entry.apps.push(app);
      listings.set(key, entry);
    }
  }
  return listings;
}

/** The listing key of a polled chart source; undefined for Git sources, exact versions and bad specs. */
export function chartListingKey(
  src: PolledSource,
  watch: ChartWatch | undefined,
): string | undefined {
  if ((!src.chart && !isOciArtifact(src)) || !watch) return undefined;
  try {
    return watch.listing(src)?.key;
  } catch {
    return undefined;
  }
}

/** Everything a round must list to resolve an app: its Git repositories and polled chart listings. */
export function listingKeys(app: PolledApp, watch: ChartWatch | undefined): string[] {
  return app.sources.flatMap((s) => {
    if (!s.chart && !isOciArtifact(s)) return [normalizeRepoUrl(s.repoURL)];
    const key = chartListingKey(s, watch);
    return key === undefined ? [] : [key];
  });
}

/**
 * Resolves every source of an app from refs and chart listings read this
 * round (a chart at an exact version or digest is its targetRevision);
 * throws the first resolution error.
 */
export function resolveApp(
  app: PolledApp,
  refs: ReadonlyMap<string, RemoteRefs | Error>,
  charts?: {
    watch: ChartWatch;
    listings: ReadonlyMap<string, ChartVersions | Error>;
    /** Manifest digests looked up this round, by {@link ChartWatch.manifest} key. */
    digests?: ReadonlyMap<string, ChartVersions | Error>;
  },
): string[] {
  return app.sources.map((s) => {
    if (isOciArtifact(s)) {
      const target = (s.targetRevision ?? '').trim();
      if (!charts?.watch.manifest) return target;
      const tag = artifactTag(s, charts.watch, charts.listings);
      if (tag === undefined) return target;
      const lookup = charts.watch.manifest(s, tag);
      if (!lookup) return target;
      const looked = charts.digests?.get(lookup.key);
      if (looked === undefined) throw new Error(`tag ${tag} was not looked up this round`);
      if (looked instanceof Error) throw looked;
      const digest = looked[lookup.field ?? 'digest']?.[0];
      if (!digest) throw new Error(`tag ${tag} has no digest`);
      return digest;
    }
    if (s.chart) {
      const key = chartListingKey(s, charts?.watch);
      if (key === undefined || !charts) return s.targetRevision ?? '';
      const listed = charts.listings.get(key);
      if (listed === undefined) throw new Error(`chart ${s.chart} was not polled this round`);
      if (listed instanceof Error) throw listed;
      return charts.watch.pick(listed, s);
    }
    const r = refs.get(normalizeRepoUrl(s.repoURL));
    if (r === undefined) throw new Error(`repository ${s.repoURL} was not polled this round`);
    if (r instanceof Error) throw r;
    return resolveRevision(r, s.targetRevision, s.repoURL);
  });
}

/**
 * The tag an OCI artifact source reads this round: its targetRevision, or
 * for a constraint the tag picked from the listing read this round;
 * undefined for a digest (it cannot move). Throws when the listing failed
 * or nothing matches.
 */
export function artifactTag(
  s: PolledSource,
  watch: ChartWatch,
  listings: ReadonlyMap<string, ChartVersions | Error>,
): string | undefined {
  const target = (s.targetRevision ?? '').trim();
  if (DIGEST.test(target)) return undefined;
  const key = chartListingKey(s, watch);
  if (key === undefined) return target;
  const listed = listings.get(key);
  if (listed === undefined) throw new Error(`${s.repoURL} was not listed this round`);
  if (listed instanceof Error) throw listed;
  return watch.pick(listed, s);
}

/**
 * The version an OCI chart source reads this round (its targetRevision or
 * the version picked from the listing), to ask its tag's digest; undefined
 * for a digest and for a listing that failed (the resolution reports it).
 */
export function chartTag(
  s: PolledSource,
  watch: ChartWatch,
  listings: ReadonlyMap<string, ChartVersions | Error>,
): string | undefined {
  const target = (s.targetRevision ?? '').trim();
  if (!s.chart || DIGEST.test(target)) return undefined;
  const key = chartListingKey(s, watch);
  if (key === undefined) return target;
  const listed = listings.get(key);
  if (listed === undefined || listed instanceof Error) return undefined;
  try {
    return watch.pick(listed, s);
  } catch {
    return undefined;
  }
}

/**
 * Per source, the digest the version of a chart holds this round (an OCI
 * manifest's, or the archive's a Helm repository's index announces; '' for
 * other sources, or when it could not be looked up); undefined when no
 * source has one. A chart version pushed again changes it.
 */
export function chartDigests(
  app: PolledApp,
  charts:
    | {
        watch: ChartWatch;
        listings: ReadonlyMap<string, ChartVersions | Error>;
        digests?: ReadonlyMap<string, ChartVersions | Error>;
      }
    | undefined,
): string[] | undefined {
  if (!charts?.watch.manifest) return undefined;
  const out = app.sources.map((s) => {
    const tag = chartTag(s, charts.watch, charts.listings);
    const lookup = tag === undefined ? undefined : charts.watch.manifest!(s, tag);
    const looked = lookup && charts.digests?.get(lookup.key);
    return looked && !(looked instanceof Error)
      ? (looked[lookup!.field ?? 'digest']?.[0] ?? '')
      : '';
  });
  return out.some(Boolean) ? out : undefined;
}

/** Whether the app needs a render: a new revision, a changed spec, a refresh, or a new error. */
export function needsRender(
  app: PolledApp,
  next: ResolvedState,
  previous: ResolvedState | undefined,
): boolean {
  if (app.refresh) return true;
  if (!previous) return true;
  if (next.error !== undefined) return next.error !== previous.error;
  return (
    previous.error !== undefined ||
    previous.specHash !== next.specHash ||
    previous.revisions.join(',') !== next.revisions.join(',') ||
    // An OCI chart version pushed again (or first seen); a digest that could not be read
    // this round is no news.
    (next.digests ?? []).some((d, i) => d !== '' && d !== previous.digests?.[i])
  );
}

/**
 * Whether a push that changed `changedFiles` can affect the app, by its
 * `manifest-generate-paths` annotation (Argo CD semantics: `.` is the source
 * path; a leading `/` is the repo root). Without the annotation, every push
 * counts.
 */
export function pushTouchesApp(
  app: PolledApp,
  changedFiles: readonly string[] | undefined,
): boolean {
  if (!app.manifestGeneratePaths || changedFiles === undefined) return true;
  const roots: string[] = [];
  for (const raw of app.manifestGeneratePaths
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    for (const src of app.sources) {
      const base = (src.path ?? '').replace(/^\/+|\/+$/g, '');
      const joined = raw.startsWith('/') ? raw.slice(1) : posixJoin(base, raw);
      roots.push(joined.replace(/\/+$/, ''));
    }
  }
  return changedFiles.some((f) => roots.some((r) => r === '' || f === r || f.startsWith(`${r}/`)));
}

function posixJoin(base: string, rel: string): string {
  const parts = base ? base.split('/') : [];
  for (const seg of rel.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/');
}

/** The pushed ref in the form a targetRevision would name it. */
function refMatches(
  target: string | undefined,
  push: { ref?: string; isTag?: boolean; defaultBranch?: string },
): boolean {
  const t = (target ?? '').trim();
  if (!push.ref) return true; // the payload did not say: refresh everything on the repo
  if (/^[0-9a-f]{40}$/i.test(t)) return false; // pinned to a commit: a push cannot change it
  if (push.isTag) return t === push.ref || t === `refs/tags/${push.ref}` || /[*^~<>=xX|]/.test(t);
  if (t === '' || t === 'HEAD')
    return push.defaultBranch === undefined || push.defaultBranch === push.ref;
  return t === push.ref || t === `refs/heads/${push.ref}`;
}

/**
 * Apps a registry's push notification can affect: those with a polled chart
 * source in the pushed OCI repository (`host` and `repo` as the registry
 * names them; without a host, the repository path alone).
 */
export function appsForChartPush(
  apps: readonly PolledApp[],
  push: { host?: string; repo: string },
  watch: ChartWatch,
): PolledApp[] {
  const repo = push.repo.toLowerCase().replace(/^\/+|\/+$/g, '');
  const host = push.host?.toLowerCase();
  return apps.filter((app) =>
    app.sources.some((s) => {
      // A source at a tag (an artifact's, or an OCI chart's exact version) is looked at
      // too: a tag pushed again is news.
      const target = (s.targetRevision ?? '').trim();
      if ((s.chart || isOciArtifact(s)) && !DIGEST.test(target) && watch.repository) {
        let oci: { host: string; repo: string } | undefined;
        try {
          oci = watch.repository?.(s);
        } catch {
          return false;
        }
        return !!oci && oci.repo === repo && (!host || oci.host.toLowerCase() === host);
      }
      if (chartListingKey(s, watch) === undefined) return false;
      const oci = watch.listing(s)?.oci;
      return !!oci && oci.repo === repo && (!host || oci.host.toLowerCase() === host);
    }),
  );
}

/** Apps a push can affect: same repository (any URL spelling) and a matching branch or tag. */
export function appsForPush(
  apps: readonly PolledApp[],
  push: { repoUrls: readonly string[]; ref?: string; isTag?: boolean; defaultBranch?: string },
): PolledApp[] {
  const repos = new Set(push.repoUrls.map(repoIdentity));
  return apps.filter((app) =>
    app.sources.some(
      (s) =>
        !s.chart &&
        !isOciArtifact(s) &&
        repos.has(repoIdentity(s.repoURL)) &&
        refMatches(s.targetRevision, push),
    ),
  );
}
