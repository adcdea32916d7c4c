import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import type { AppRef } from '@flotilla/contracts';
import type { Logger } from '@flotilla/runtime';
import type { RemoteRefs } from '../revision.js';
import { normalizeRepoUrl, stripCredentials } from '../url.js';
import {
  artifactTag,
  chartDigests,
  chartTag,
  groupByChartListing,
  isOciArtifact,
  listingKeys,
  groupByRepo,
  needsRender,
  resolveApp,
  specHash,
  type ChartVersions,
  type ChartWatch,
  type PolledApp,
  type PolledSource,
  type ResolvedState,
} from './plan.js';
import type { ChartVersionsProvider, RefsProvider, ResolvedStore } from './store.js';

/** What the poller asks the pipeline to do for one app. */
export interface RenderDecision {
  readonly app: AppRef;
  readonly reason: string;
  readonly revisions?: string[];
  /** With revisions: per source, the manifest digest an OCI chart version names ('' for others). */
  readonly digests?: string[];
  readonly previousRevisions?: string[];
  readonly refresh?: 'normal' | 'hard';
  readonly changedFiles?: string[];
  /** Why resolving failed (the renderer reports it as a ComparisonError). */
  readonly error?: string;
  /** De-duplication id: the same decision from two replicas is published once. */
  readonly id: string;
}

/** Options of one poll round. */
export interface RoundOptions {
  readonly intervalMs: number;
  /** Ask remotes directly (webhook, hard refresh), bypassing the per-interval sharing. */
  readonly fresh?: boolean;
  /** Only these repositories (normalised URLs) and chart listings (their keys). */
  readonly repos?: ReadonlySet<string>;
  /** Files changed by a push, per normalised repository URL. */
  readonly changedFiles?: ReadonlyMap<string, readonly string[]>;
}

/** What a round did. */
export interface RoundReport {
  readonly repos: number;
  readonly decisions: RenderDecision[];
  readonly errors: { repo: string; message: string }[];
}

/**
 * The git-poller's core: per round, one refs listing per repository shared by
 * every app on it, then a render decision for each app whose resolved state
 * changed. Level-triggered: decisions are triggers; duplicates are harmless
 * and de-duplicated by id.
 */
export class Poller {
  constructor(
    private readonly deps: {
      refs: RefsProvider;
      store: ResolvedStore;
      publish: (d: RenderDecision) => Promise<void>;
      logger: Logger;
      /** Chart sources at a constraint or tag, polled like Git refs; without it charts are left to the renderer. */
      charts?: { watch: ChartWatch; versions: ChartVersionsProvider };
      /** Parallel remote calls, across every round at once; 8 unless set. */
      concurrency?: number;
    },
  ) {
    this.remote = pLimit(deps.concurrency ?? 8);
  }

  /**
   * The remote calls of every round go through one limit: rounds overlap (new apps
   * start one every 50 ms), and a limit per round let 10,000 new apps over 100
   * repositories run hundreds of `git ls-remote` at once on a loaded machine.
   */
  private readonly remote: pLimit.Limit;

  async round(apps: readonly PolledApp[], options: RoundOptions): Promise<RoundReport> {
    const grouped = groupByRepo(apps);
    const charts = this.deps.charts;
    const listed = groupByChartListing(apps, charts?.watch);
    const wanted = (k: string) => !options.repos || options.repos.has(k);
    const keys = [...grouped.keys()].filter(wanted);
    const chartKeys = [...listed.keys()].filter(wanted);
    const refs = new Map<string, RemoteRefs | Error>();
    const listings = new Map<string, ChartVersions | Error>();
    const errors: RoundReport['errors'] = [];
    const fresh = options.fresh ?? false;
    // One queue for both: a Git listing and a chart listing are each one remote call.
    const queue: (() => Promise<void>)[] = [
      ...keys.map((key) => async () => {
        const { url } = grouped.get(key)!;
        refs.set(
          key,
          await this.listed(stripCredentials(url), errors, () =>
            this.deps.refs.refs(key, url, options.intervalMs, fresh),
          ),
        );
      }),
      ...chartKeys.map((key) => async () => {
        const { source } = listed.get(key)!;
        listings.set(
          key,
          await this.listed(
            source.chart
              ? `${stripCredentials(source.repoURL)} chart ${source.chart}`
              : stripCredentials(source.repoURL),
            errors,
            () => charts!.versions.versions(key, source, options.intervalMs, fresh),
          ),
        );
      }),
    ];
    const concurrency = this.deps.concurrency ?? 8;
    await Promise.all(queue.map((job) => this.remote(job)));

    const polled = new Set([...keys, ...chartKeys]);
    // An app whose sources need no listing (charts at exact versions or digests) is
    // due too: its first look is its first render, and later looks find it unchanged.
    // Without a chart watch nothing says which charts are exact: those are left alone.
    const due = apps.filter((app) => {
      const appKeys = listingKeys(app, charts?.watch);
      if (appKeys.length === 0 && !charts) return false;
      return appKeys.every((k) => polled.has(k));
    });
    // OCI artifacts and OCI charts at a tag (or one picked from a listing above) are
    // asked the digest the tag names now: one manifest HEAD per tag, shared like a
    // listing, so a tag pushed again is news (an artifact's revision is its digest).
    const digests = new Map<string, ChartVersions | Error>();
    const manifests = new Map<string, PolledSource>();
    const watch = charts?.watch;
    if (watch?.manifest) {
      for (const app of due) {
        for (const s of app.sources) {
          let tag: string | undefined;
          try {
            tag = isOciArtifact(s) ? artifactTag(s, watch, listings) : chartTag(s, watch, listings);
          } catch {
            continue; // the app's resolution reports it
          }
          if (tag === undefined) continue;
          const m = watch.manifest(s, tag);
          if (m && !manifests.has(m.key)) manifests.set(m.key, m.source);
        }
      }
    }
    // A lookup whose key was listed this round (a Helm repository's index) is that listing.
    for (const [key] of manifests) {
      const listed = listings.get(key);
      if (listed !== undefined) {
        digests.set(key, listed);
        manifests.delete(key);
      }
    }
    await Promise.all(
      [...manifests].map(([key, source]) =>
        this.remote(async () => {
          digests.set(
            key,
            await this.listed(
              `${stripCredentials(source.repoURL)}:${source.targetRevision ?? ''}`,
              errors,
              () => charts!.versions.versions(key, source, options.intervalMs, fresh),
            ),
          );
        }),
      ),
    );
    // What was last published for every app of the round, in one round trip: an idle
    // round then costs one read, not one per app.
    const previous = await this.deps.store.getMany(due.map((app) => app.ref));
    const chartListings = charts ? { watch: charts.watch, listings, digests } : undefined;
    const planned = due.flatMap((app, i) => {
      const p = this.decide(app, refs, chartListings, options, previous[i]);
      return p ? [p] : [];
    });
    // Decisions are published side by side; what was published is remembered in one
    // write. A state is written only after its decision went out, so a failed publish
    // is decided again next round (a repeat is de-duplicated by its id).
    const sent = planned.map(() => false);
    let failure: unknown;
    await inParallel(
      planned.map(({ decision }, i) => async () => {
        try {
          await this.deps.publish(decision);
          sent[i] = true;
        } catch (err) {
          failure ??= err;
        }
      }),
      concurrency,
    );
    const published = planned.filter((_, i) => sent[i]);
    await this.deps.store.setMany(published.map(({ decision, next }) => [decision.app, next]));
    if (failure !== undefined) throw failure;
    const decisions = published.map((p) => p.decision);
    return { repos: keys.length + chartKeys.length + manifests.size, decisions, errors };
  }

  // One listing: its result, or its error recorded for the round.
  private async listed<T>(
    shown: string,
    errors: RoundReport['errors'],
    list: () => Promise<T>,
  ): Promise<T | Error> {
    try {
      return await list();
    } catch (err) {
      const message = (err as Error).message;
      errors.push({ repo: shown, message });
      this.deps.logger.warn({ repo: shown, err: message }, 'listing refs failed');
      return err as Error;
    }
  }

  // The decision for one app, and the state to remember once it is published.
  private decide(
    app: PolledApp,
    refs: ReadonlyMap<string, RemoteRefs | Error>,
    charts: Parameters<typeof resolveApp>[2],
    options: RoundOptions,
    previous: ResolvedState | undefined,
  ): { decision: RenderDecision; next: ResolvedState } | undefined {
    const hash = specHash(app);
    let next: ResolvedState;
    try {
      const digests = chartDigests(app, charts);
      next = {
        revisions: resolveApp(app, refs, charts),
        specHash: hash,
        ...(digests ? { digests } : {}),
      };
    } catch (err) {
      next = {
        revisions: previous?.revisions ?? [],
        specHash: hash,
        error: (err as Error).message,
      };
    }
    if (!needsRender(app, next, previous)) return undefined;
    const files = mergeFiles(app, options.changedFiles);
    const sameSpec = previous?.specHash === hash && previous.error === undefined;
    const decision: RenderDecision = {
      app: app.ref,
      reason: next.error
        ? `cannot resolve sources: ${next.error}`
        : app.refresh
          ? `${app.refresh} refresh requested`
          : !previous
            ? 'first resolution'
            : previous.specHash !== hash
              ? 'sources changed'
              : previous.revisions.join(',') === next.revisions.join(',') &&
                  previous.error === undefined
                ? `new chart digest ${(next.digests ?? []).filter(Boolean).map(shortRevision).join(',')}`
                : `new revision ${next.revisions.map(shortRevision).join(',')}`,
      ...(next.error
        ? { error: next.error }
        : {
            revisions: [...next.revisions],
            ...(next.digests ? { digests: [...next.digests] } : {}),
          }),
      ...(previous && sameSpec ? { previousRevisions: [...previous.revisions] } : {}),
      ...(app.refresh ? { refresh: app.refresh } : {}),
      // Files only help when the push is the whole difference since the last render.
      ...(files && sameSpec && !app.refresh ? { changedFiles: files } : {}),
      // The state it leaves too: a decision retried after a failed publish keeps its id
      // (and is dropped as a repeat), but a return to an earlier state (a spec edited
      // and put back, a branch reset) is news, not a repeat of the first decision.
      id: createHash('sha256')
        .update(JSON.stringify([app.ref, previous ?? null, next, app.refresh ?? '']))
        .digest('hex')
        .slice(0, 32),
    };
    return { decision, next };
  }
}

// Runs jobs, at most `limit` at a time.
async function inParallel(jobs: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
}

// A commit is shown by its first 7 characters, a digest by its first 12; a chart version as it is.
function shortRevision(r: string): string {
  if (/^sha256:[0-9a-f]{64}$/.test(r)) return r.slice(0, 19);
  return /^[0-9a-f]{40}$/i.test(r) ? r.slice(0, 7) : r;
}

function mergeFiles(
  app: PolledApp,
  changed: ReadonlyMap<string, readonly string[]> | undefined,
): string[] | undefined {
  if (!changed) return undefined;
  const files = new Set<string>();
  for (const s of app.sources) {
    const f = changed.get(normalizeRepoUrl(s.repoURL));
    if (f === undefined) return undefined;
    f.forEach((x) => files.add(x));
  }
  return [...files];
}
