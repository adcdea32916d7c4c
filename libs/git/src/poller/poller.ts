import { createHash } from 'node:crypto';
import type { AppRef } from '@flotilla/contracts';
import type { Logger } from '@flotilla/runtime';
import type { RemoteRefs } from '../revision.js';
import { normalizeRepoUrl, stripCredentials } from '../url.js';
import {
  groupByRepo,
  needsRender,
  resolveApp,
  specHash,
  type PolledApp,
  type ResolvedState,
} from './plan.js';
import type { RefsProvider, ResolvedStore } from './store.js';

/** What the poller asks the pipeline to do for one app. */
export interface RenderDecision {
  readonly app: AppRef;
  readonly reason: string;
  readonly revisions?: string[];
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
  /** Only these repositories (normalised URLs). */
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
      /** Parallel remote calls per round; 8 unless set. */
      concurrency?: number;
    },
  ) {}

  async round(apps: readonly PolledApp[], options: RoundOptions): Promise<RoundReport> {
    const grouped = groupByRepo(apps);
    const keys = [...grouped.keys()].filter((k) => !options.repos || options.repos.has(k));
    const refs = new Map<string, RemoteRefs | Error>();
    const errors: RoundReport['errors'] = [];
    const queue = [...keys];
    const worker = async () => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        const { url } = grouped.get(key)!;
        try {
          refs.set(
            key,
            await this.deps.refs.refs(key, url, options.intervalMs, options.fresh ?? false),
          );
        } catch (err) {
          const message = (err as Error).message;
          refs.set(key, err as Error);
          errors.push({ repo: stripCredentials(url), message });
          this.deps.logger.warn(
            { repo: stripCredentials(url), err: message },
            'listing refs failed',
          );
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.deps.concurrency ?? 8, keys.length) }, worker),
    );

    const decisions: RenderDecision[] = [];
    const polled = new Set(keys);
    const due = apps.filter((app) => {
      const appRepos = app.sources.filter((s) => !s.chart).map((s) => normalizeRepoUrl(s.repoURL));
      return appRepos.length > 0 && appRepos.every((r) => polled.has(r));
    });
    // What was last published for every app of the round, in one round trip: an idle
    // round then costs one read, not one per app.
    const previous = await this.deps.store.getMany(due.map((app) => app.ref));
    for (const [i, app] of due.entries()) {
      const decision = await this.decide(app, refs, options, previous[i]);
      if (decision) decisions.push(decision);
    }
    return { repos: keys.length, decisions, errors };
  }

  private async decide(
    app: PolledApp,
    refs: ReadonlyMap<string, RemoteRefs | Error>,
    options: RoundOptions,
    previous: ResolvedState | undefined,
  ) {
    const hash = specHash(app);
    let next: ResolvedState;
    try {
      next = { revisions: resolveApp(app, refs), specHash: hash };
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
              : `new revision ${next.revisions.map((r) => r.slice(0, 7)).join(',')}`,
      ...(next.error ? { error: next.error } : { revisions: [...next.revisions] }),
      ...(previous && sameSpec ? { previousRevisions: [...previous.revisions] } : {}),
      ...(app.refresh ? { refresh: app.refresh } : {}),
      // Files only help when the push is the whole difference since the last render.
      ...(files && sameSpec && !app.refresh ? { changedFiles: files } : {}),
      id: createHash('sha256')
        .update(JSON.stringify([app.ref, next, app.refresh ?? '']))
        .digest('hex')
        .slice(0, 32),
    };
    await this.deps.publish(decision);
    await this.deps.store.set(app.ref, next);
    return decision;
  }
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
