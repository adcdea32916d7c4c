import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeAccess } from '../kubeconfig.js';
import { ApiError, rawRequest } from '../raw.js';
import { watchRequest, type WatchRequest } from '../watch.js';
import { collectionPath, type ApiResourceInfo } from './discovery.js';

/** One change seen on a kind. */
export interface WatchChange {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: KubernetesObject;
}

interface ListResponse {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubernetesObject[];
}

/** Callbacks of a {@link KindWatch}. */
export interface KindWatchHandlers {
  /** A full list replaced what was known (first list and every relist). */
  onList(objects: KubernetesObject[]): void;
  onChange(change: WatchChange): void;
  /** The kind stopped being served (CRD deleted) or the watch keeps failing. */
  onError(err: Error): void;
  /** The kind is no longer served (its CRD was deleted); the watch has stopped. */
  onGone(): void;
  /** A list or watch request failed (every time, unlike `onError`). */
  onFailure?(err: Error): void;
  /** A list or watch request succeeded: the apiserver answers. */
  onConnected?(): void;
}

/**
 * List-then-watch of one kind across the cluster. Watches resume from the
 * last resourceVersion (bookmarks keep it fresh); a 410 Gone means the
 * version expired, so it lists again. Errors back off up to 10 s, so an
 * apiserver restart costs one relist at most.
 */
export class KindWatch {
  private controller?: WatchRequest;
  private resourceVersion = '';
  private stopped = false;
  private failures = 0;
  /** Incremented per watch request; events of an older request are ignored. */
  private generation = 0;
  /** Lists done (the first one and every relist). */
  lists = 0;
  /** Watch requests the apiserver accepted (the first one and every re-watch). */
  watches = 0;
  /** Ends the current back-off early (see {@link retryNow}). */
  private wake?: () => void;

  constructor(
    private readonly kc: KubeAccess,
    readonly info: ApiResourceInfo,
    private readonly handlers: KindWatchHandlers,
  ) {}

  /** Lists once (resolving when the first list is in), then watches until stopped. */
  async start(): Promise<void> {
    await this.list();
    void this.watch();
  }

  private async list(): Promise<void> {
    const items: KubernetesObject[] = [];
    let cont: string | undefined;
    do {
      const page = await rawRequest<ListResponse>(this.kc, {
        method: 'GET',
        path: collectionPath(this.info),
        query: { limit: '500', ...(cont ? { continue: cont } : {}) },
      });
      for (const item of page.items ?? []) {
        items.push({
          ...item,
          apiVersion: this.info.group
            ? `${this.info.group}/${this.info.version}`
            : this.info.version,
          kind: this.info.kind,
        });
      }
      cont = page.metadata?.continue || undefined;
      this.resourceVersion = page.metadata?.resourceVersion ?? '';
    } while (cont);
    this.lists++;
    this.handlers.onConnected?.();
    this.handlers.onList(items);
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    }).finally(() => (this.wake = undefined));
  }

  /** Cuts a back-off short: the apiserver is known to answer again. */
  retryNow(): void {
    this.failures = 0;
    this.wake?.();
  }

  private async watch(): Promise<void> {
    while (!this.stopped) {
      const generation = ++this.generation;
      let settled = false;
      const outcome = await new Promise<'gone' | 'ended' | Error>((finish) => {
        const resolve = (o: 'gone' | 'ended' | Error) => {
          settled = true;
          finish(o);
        };
        watchRequest(
          this.kc,
          collectionPath(this.info),
          {
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: 'true',
            timeoutSeconds: '300',
          },
          (phase, obj) => {
            if (generation !== this.generation) return; // a request that was aborted
            if (phase === 'BOOKMARK') {
              this.resourceVersion = obj.metadata?.resourceVersion ?? this.resourceVersion;
              return;
            }
            if (phase === 'ERROR') {
              resolve(obj.code === 410 ? 'gone' : new Error(`watch error ${obj.code ?? ''}`));
              this.controller?.abort();
              return;
            }
            this.failures = 0;
            this.resourceVersion = obj.metadata?.resourceVersion ?? this.resourceVersion;
            this.handlers.onChange({ type: phase, object: obj });
          },
          (err) =>
            resolve(err ? (err instanceof ApiError && err.status === 410 ? 'gone' : err) : 'ended'),
        )
          .then((c) => {
            this.controller = c;
            // Stopped or superseded while the request was being made: drop it now,
            // or its connection stays open until the server times it out.
            if (this.stopped || generation !== this.generation) c.abort();
            // Resolved before `done` was called: the apiserver accepted the watch.
            if (!settled && generation === this.generation) {
              this.watches++;
              this.handlers.onConnected?.();
            }
          })
          .catch((err: unknown) => resolve(err instanceof Error ? err : new Error(String(err))));
      });
      if (this.stopped) return;
      try {
        if (outcome === 'gone') await this.list();
        else if (outcome instanceof Error) {
          this.handlers.onFailure?.(outcome);
          // A 404 on the watch: see at once whether the kind itself is gone.
          if (
            (outcome instanceof ApiError && outcome.status === 404) ||
            /\b404\b|not found/i.test(outcome.message)
          )
            await this.list();
          this.failures++;
          if (this.failures >= 3) this.handlers.onError(outcome);
          await this.pause(Math.min(10_000, 200 * 2 ** this.failures));
          // After repeated failures the version may be gone too; a relist is cheap insurance.
          if (this.failures >= 3) await this.list();
        }
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          this.stop();
          this.handlers.onGone();
          return;
        }
        this.handlers.onFailure?.(err as Error);
        this.handlers.onError(err as Error);
        await this.pause(2_000);
      }
    }
  }

  /**
   * Drops the current watch and resumes from `resourceVersion` (an older one
   * makes the apiserver answer 410 Gone, and the watch relists).
   */
  resumeFrom(resourceVersion: string): void {
    this.generation++;
    this.resourceVersion = resourceVersion;
    this.controller?.abort();
  }

  /** Stops watching. */
  stop(): void {
    this.stopped = true;
    this.wake?.();
    this.controller?.abort();
  }
}
