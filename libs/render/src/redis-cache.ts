import { once } from 'node:events';
import { Redis } from 'ioredis';
import { validCachedRender, type CachedRender, type ManifestCache } from './cache.js';
import type { RenderLogger } from './options.js';
import { redactMessage } from './sanitize.js';

/** How the Redis manifest cache connects and how long entries live. */
export interface RedisCacheOptions {
  /** `redis://` URL; used when `client` is not given. */
  readonly url?: string;
  /** A client the caller owns (and closes); the cache then never closes it. */
  readonly client?: Redis;
  /** Entry lifetime; 24 h unless set. */
  readonly ttlMs?: number;
  /** Bound on each Redis call, connection wait included; 1 s unless set. */
  readonly timeoutMs?: number;
  /** Where connection trouble is reported (at warn); silent unless set. */
  readonly logger?: RenderLogger;
}

/** {@link RedisCacheOptions} with every default filled in. */
export interface CompiledRedisCacheOptions {
  readonly ttlMs: number;
  readonly timeoutMs: number;
}

/** Fills in the defaults of {@link RedisCacheOptions}. */
export function compileRedisCacheOptions(options: RedisCacheOptions): CompiledRedisCacheOptions {
  const ttlMs = options.ttlMs ?? 24 * 60 * 60 * 1000;
  const timeoutMs = options.timeoutMs ?? 1000;
  if (!(ttlMs > 0) || !(timeoutMs > 0))
    throw new RangeError('ttlMs and timeoutMs must be positive');
  return { ttlMs: Math.round(ttlMs), timeoutMs };
}

async function withTimeout<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis ${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The manifest cache in Redis: one JSON string per render with a TTL. Every
 * call is bounded in time and fails fast while Redis is unreachable (no
 * offline queue), so an outage costs only cache hits, never a render.
 */
export class RedisManifestCache implements ManifestCache {
  private readonly client: Redis;
  private readonly owned: boolean;
  private readonly o: CompiledRedisCacheOptions;
  private everReady = false;
  private lastError = '';

  constructor(options: RedisCacheOptions) {
    this.o = compileRedisCacheOptions(options);
    if (options.client) {
      this.client = options.client;
      this.owned = false;
    } else {
      if (!options.url) throw new TypeError('RedisManifestCache needs a url or a client');
      this.client = new Redis(options.url, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: Math.max(this.o.timeoutMs, 1000),
        retryStrategy: (times) => Math.min(times * 250, 5000),
      });
      this.owned = true;
    }
    this.everReady = this.client.status === 'ready';
    this.client.on('ready', () => {
      this.everReady = true;
      this.lastError = '';
    });
    // Reported once per kind of failure, not once per reconnect attempt.
    this.client.on('error', (err: Error) => {
      const message = redactMessage(err.message);
      if (message === this.lastError) return;
      this.lastError = message;
      options.logger?.warn({ err: message }, 'manifest cache: redis unavailable');
    });
  }

  private async ready(): Promise<void> {
    const status = this.client.status;
    if (status === 'ready') return;
    if (this.everReady || !['connecting', 'connect', 'wait'].includes(status)) {
      throw new Error(`redis is not connected (${status})`);
    }
    if (status === 'wait') void this.client.connect().catch(() => undefined);
    try {
      await once(this.client, 'ready', { signal: AbortSignal.timeout(this.o.timeoutMs) });
    } catch (cause) {
      throw new Error(`redis did not connect within ${this.o.timeoutMs} ms`, { cause });
    }
  }

  /** The cached render under `key`, if there is a valid one. */
  async get(key: string): Promise<CachedRender | undefined> {
    await this.ready();
    const raw = await withTimeout('GET', this.o.timeoutMs, this.client.get(key));
    if (raw === null) return undefined;
    const parsed: unknown = JSON.parse(raw);
    return validCachedRender(parsed) ? parsed : undefined;
  }

  /** Stores a render under `key` for the configured TTL. */
  async set(key: string, value: CachedRender): Promise<void> {
    await this.ready();
    const json = JSON.stringify(value);
    await withTimeout('SET', this.o.timeoutMs, this.client.set(key, json, 'PX', this.o.ttlMs));
  }

  /** Closes the connection if this cache opened it. */
  async close(): Promise<void> {
    if (!this.owned) return;
    try {
      await withTimeout('QUIT', this.o.timeoutMs, this.client.quit());
    } catch {
      this.client.disconnect();
    }
  }
}
