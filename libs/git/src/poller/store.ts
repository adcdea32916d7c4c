import type { Redis } from 'ioredis';
import { appKey, type AppRef } from '@flotilla/contracts';
import type { ResolvedState } from './plan.js';
import type { RemoteRefs } from '../revision.js';

/** Where the poller remembers what it last published per app (shared by replicas). */
export interface ResolvedStore {
  get(app: AppRef): Promise<ResolvedState | undefined>;
  /** The states of many apps in one round trip, in the order asked. */
  getMany(apps: readonly AppRef[]): Promise<(ResolvedState | undefined)[]>;
  set(app: AppRef, state: ResolvedState): Promise<void>;
  delete(app: AppRef): Promise<void>;
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
    async delete(app) {
      await redis.hdel(key, appKey(app));
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
    delete: async (app) => void m.delete(appKey(app)),
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

/** How long a listing error is shared with other replicas. */
const ERROR_TTL_MS = 5_000;

type SharedEntry = { refs: [string, string][] } | { error: string; code?: string };

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
  const prefix = options.prefix ?? 'flotilla:git-poller:';
  const waitMs = options.waitMs ?? 15_000;
  const publish = async (key: string, entry: SharedEntry, ttl: number) => {
    await redis.set(`${prefix}refs:${key}`, JSON.stringify(entry), 'PX', ttl);
  };
  const fetchAndShare = async (key: string, url: string, ttl: number) => {
    try {
      const refs = await lsRemote(url);
      await publish(key, { refs: [...refs] }, ttl);
      return refs;
    } catch (err) {
      // Errors are shared briefly and the claim is released, so a fixed
      // repository (or setting) is seen on the next round, not an interval later.
      await publish(
        key,
        { error: (err as Error).message, code: (err as { code?: string }).code },
        Math.min(ttl, ERROR_TTL_MS),
      );
      await redis.del(`${prefix}claim:${key}`);
      throw err;
    }
  };
  return {
    async refs(key, url, intervalMs, fresh) {
      const ttl = Math.max(1, Math.floor(intervalMs * 0.9));
      if (fresh) {
        // The fresh listing serves the rest of the interval: other replicas and rounds reuse it.
        await redis.set(`${prefix}claim:${key}`, replicaId, 'PX', ttl);
        return fetchAndShare(key, url, ttl);
      }
      const claimed =
        (await redis.set(`${prefix}claim:${key}`, replicaId, 'PX', ttl, 'NX')) === 'OK';
      if (claimed) return fetchAndShare(key, url, ttl);
      const deadline = Date.now() + waitMs;
      for (;;) {
        const raw = await redis.get(`${prefix}refs:${key}`);
        if (raw) {
          const entry = JSON.parse(raw) as SharedEntry;
          if ('error' in entry) throw Object.assign(new Error(entry.error), { code: entry.code });
          return new Map(entry.refs);
        }
        if (Date.now() > deadline)
          throw new Error(`refs of ${key} were not shared in time by the replica polling it`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
