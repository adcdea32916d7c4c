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
}

/** What the poller needs to know of one Application. */
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
  /** The exact version a source's targetRevision means in its listing; throws when none matches. */
  pick(versions: ChartVersions, source: PolledSource): string;
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
      if (src.chart) continue; // Helm repository charts are versioned by the chart, not by Git.
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
  if (!src.chart || !watch) return undefined;
  try {
    return watch.listing(src)?.key;
  } catch {
    return undefined;
  }
}

/** Everything a round must list to resolve an app: its Git repositories and polled chart listings. */
export function listingKeys(app: PolledApp, watch: ChartWatch | undefined): string[] {
  return app.sources.flatMap((s) => {
    if (!s.chart) return [normalizeRepoUrl(s.repoURL)];
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
  charts?: { watch: ChartWatch; listings: ReadonlyMap<string, ChartVersions | Error> },
): string[] {
  return app.sources.map((s) => {
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
    previous.revisions.join(',') !== next.revisions.join(',')
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
      (s) => !s.chart && repos.has(repoIdentity(s.repoURL)) && refMatches(s.targetRevision, push),
    ),
  );
}
