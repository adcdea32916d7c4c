import type { Redis } from 'ioredis';
import { appKey, type AppRef } from '@flotilla/contracts';
import type { ChartVersions, PolledSource, ResolvedState } from './plan.js';
import type { RemoteRefs } from '../revision.js';

/** Where the poller remembers what it last published per app (shared by replicas). */
export interface ResolvedStore {
  get(app: AppRef): Promise<ResolvedState | undefined>;
  /** The states of many apps in one round trip, in the order asked. */
  getMany(apps: readonly AppRef[]): Promise<(ResolvedState | undefined)[]>;
  set(app: AppRef, state: ResolvedState): Promise<void>;
  /** The states of many apps in one round trip. */
  setMany(entries: readonly (readonly [AppRef, ResolvedState])[]): Promise<void>;
  delete(app: AppRef): Promise<void>;
  /** Forgets many apps in one round trip. */
  deleteMany(apps: readonly AppRef[]): Promise<void>;
}

/** A {@link ResolvedStore} in one Redis hash. */
export function redisResolvedStore(
  redis: Redis,
  key = 'flotilla:git-poller:resolved',
): ResolvedStore {
  return {
    async get(app) {
      const raw = await redis.hget(key, appKey(app));
      return raw ? (JSON.parse(raw) as ResolvedState) : undefined;
    },
    async getMany(apps) {
      if (apps.length === 0) return [];
      const raws = await redis.hmget(key, ...apps.map(appKey));
      return raws.map((raw) => (raw ? (JSON.parse(raw) as ResolvedState) : undefined));
    },
    async set(app, state) {
      await redis.hset(key, appKey(app), JSON.stringify(state));
    },
    async setMany(entries) {
      if (entries.length === 0) return;
      await redis.hset(
        key,
        Object.fromEntries(entries.map(([app, state]) => [appKey(app), JSON.stringify(state)])),
      );
    },
    async delete(app) {
      await redis.hdel(key, appKey(app));
    },
    async deleteMany(apps) {
      if (apps.length === 0) return;
      await redis.hdel(key, ...apps.map(appKey));
    },
  };
}

/** An in-memory {@link ResolvedStore} (single replica, tests). */
export function memoryResolvedStore(): ResolvedStore {
  const m = new Map<string, ResolvedState>();
  return {
    get: async (app) => m.get(appKey(app)),
    getMany: async (apps) => apps.map((app) => m.get(appKey(app))),
    set: async (app, s) => void m.set(appKey(app), s),
    setMany: async (entries) => entries.forEach(([app, s]) => m.set(appKey(app), s)),
    delete: async (app) => void m.delete(appKey(app)),
    deleteMany: async (apps) => apps.forEach((app) => m.delete(appKey(app))),
  };
}

/** Lists a repository's refs once per interval, however many replicas ask. */
export interface RefsProvider {
  /** Refs of `url`; `fresh` bypasses sharing (webhooks, hard refresh). */
  refs(repoKey: string, url: string, intervalMs: number, fresh: boolean): Promise<RemoteRefs>;
}

/** A {@link RefsProvider} that always asks the remote (one replica). */
export function directRefs(lsRemote: (url: string) => Promise<RemoteRefs>): RefsProvider {
  return { refs: (_key, url) => lsRemote(url) };
}

/** Lists a chart listing's versions once per interval, however many replicas ask. */
export interface ChartVersionsProvider {
  /** Versions of the listing `key` that `source` reads; `fresh` bypasses sharing (registry webhooks, hard refresh). */
  versions(
    key: string,
    source: PolledSource,
    intervalMs: number,
    fresh: boolean,
  ): Promise<ChartVersions>;
}

/** A {@link ChartVersionsProvider} that always asks the repository (one replica). */
export function directChartVersions(
  list: (source: PolledSource) => Promise<ChartVersions>,
): ChartVersionsProvider {
  return { versions: (_key, source) => list(source) };
}

/** How long a listing error is shared with other replicas. */
const ERROR_TTL_MS = 5_000;

type SharedEntry<T> = { value: T } | { error: string; code?: string };

/**
 * One listing per key per interval across replicas, through Redis: the
 * first replica to claim a key lists it and stores the result (or the
 * error) for the others.
 */
function sharedListing<A, T, S>(
  redis: Redis,
  replicaId: string,
  list: (arg: A) => Promise<T>,
  o: { prefix: string; kind: string; waitMs: number; encode: (v: T) => S; decode: (s: S) => T },
) {
  const valueKey = (key: string) => `${o.prefix}${o.kind}:${key}`;
  const claimKey = (key: string) =>
    `${o.prefix}claim:${o.kind === 'refs' ? '' : `${o.kind}:`}${key}`;
  const publish = async (key: string, entry: SharedEntry<S>, ttl: number) => {
    await redis.set(valueKey(key), JSON.stringify(entry), 'PX', ttl);
  };
  const fetchAndShare = async (key: string, arg: A, ttl: number) => {
    try {
      const value = await list(arg);
      await publish(key, { value: o.encode(value) }, ttl);
      return value;
    } catch (err) {
      // Errors are shared briefly and the claim is released, so a fixed
      // repository (or setting) is seen on the next round, not an interval later.
      await publish(
        key,
        { error: (err as Error).message, code: (err as { code?: string }).code },
        Math.min(ttl, ERROR_TTL_MS),
      );
      await redis.del(claimKey(key));
      throw err;
    }
  };
  // One listing of a key at a time in this process: rounds overlap, and a claim that
  // expired while a slow listing ran let each new round start another of the same key.
  // A round joins the listing in flight; a fresh one joins the next listing to start.
  const inFlight = new Map<string, Promise<T>>();
  const nextFresh = new Map<string, Promise<T>>();
  const listing = (key: string, arg: A, intervalMs: number, fresh: boolean): Promise<T> => {
    const running = inFlight.get(key);
    if (running && !fresh) return running;
    if (running) {
      const queued = nextFresh.get(key);
      if (queued) return queued;
      const after = running
        .catch(() => undefined)
        .then(() => {
          nextFresh.delete(key);
          return listing(key, arg, intervalMs, true);
        });
      nextFresh.set(key, after);
      return after;
    }
    const started = listOnce(key, arg, intervalMs, fresh).finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  };
  const listOnce = async (key: string, arg: A, intervalMs: number, fresh: boolean): Promise<T> => {
    const ttl = Math.max(1, Math.floor(intervalMs * 0.9));
    if (fresh) {
      // The fresh listing serves the rest of the interval: other replicas and rounds reuse it.
      await redis.set(claimKey(key), replicaId, 'PX', ttl);
      return fetchAndShare(key, arg, ttl);
    }
    const claimed = (await redis.set(claimKey(key), replicaId, 'PX', ttl, 'NX')) === 'OK';
    if (claimed) return fetchAndShare(key, arg, ttl);
    const deadline = Date.now() + o.waitMs;
    for (;;) {
      const raw = await redis.get(valueKey(key));
      if (raw) {
        const entry = JSON.parse(raw) as SharedEntry<S>;
        if ('error' in entry) throw Object.assign(new Error(entry.error), { code: entry.code });
        return o.decode(entry.value);
      }
      if (Date.now() > deadline)
        throw new Error(`${o.kind} of ${key} were not shared in time by the replica polling it`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return listing;
}

/**
 * A {@link RefsProvider} shared through Redis: the first replica to claim a
 * repository for the interval lists its refs and stores the result (or the
 * error) for the others, so no repository is polled twice per interval
 * however many replicas run.
 */
export function sharedRefs(
  redis: Redis,
  replicaId: string,
  lsRemote: (url: string) => Promise<RemoteRefs>,
  options: { prefix?: string; waitMs?: number } = {},
): RefsProvider {
  const shared = sharedListing(redis, replicaId, lsRemote, {
    prefix: options.prefix ?? 'flotilla:git-poller:',
    kind: 'refs',
    waitMs: options.waitMs ?? 15_000,
    encode: (refs): [string, string][] => [...refs],
    decode: (pairs) => new Map(pairs),
  });
  return { refs: (key, url, intervalMs, fresh) => shared(key, url, intervalMs, fresh) };
}

/**
 * A {@link ChartVersionsProvider} shared through Redis like {@link sharedRefs}:
 * one index.yaml or tag-list call per listing per interval for all replicas.
 */
export function sharedChartVersions(
  redis: Redis,
  replicaId: string,
  list: (source: PolledSource) => Promise<ChartVersions>,
  options: { prefix?: string; waitMs?: number } = {},
): ChartVersionsProvider {
  const shared = sharedListing(redis, replicaId, list, {
    prefix: options.prefix ?? 'flotilla:git-poller:',
    kind: 'charts',
    waitMs: options.waitMs ?? 15_000,
    encode: (v) => v,
    decode: (v) => v,
  });
  return {
    versions: (key, source, intervalMs, fresh) => shared(key, source, intervalMs, fresh),
  };
}
