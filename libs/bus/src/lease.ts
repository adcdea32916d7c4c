import type { Redis } from 'ioredis';
import { StaleLeaseError } from './errors.js';

// KEYS[1] lease key, KEYS[2] fencing counter; ARGV[1] holder, ARGV[2] ttl ms.
// Takes a free lease and hands out the next fencing token, atomically.
const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return nil end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
return token`;

// KEYS[1] lease key; ARGV[1] holder|token, ARGV[2] ttl ms.
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

// KEYS[1] lease key; ARGV[1] holder|token, ARGV[2] channel told of the release.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], '1')
  return 1
end
return 0`;

// KEYS[1] fencing counter, KEYS[2] data key; ARGV[1] token, ARGV[2] value.
// A write is accepted only from the newest token ever handed out, so a holder
// whose lease lapsed (and was taken by another) can no longer write.
const FENCED_SET = `
if tonumber(redis.call('GET', KEYS[1]) or '0') ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
return 1`;

/** Options for {@link LeaseManager}. */
export interface LeaseOptions {
  /** Time a lease lives without renewal; 15 s unless set. */
  readonly ttlMs?: number;
  /** Key prefix; `flotilla:lease:` unless set. */
  readonly prefix?: string;
}

/** A held lease. */
export interface Lease {
  readonly key: string;
  readonly holder: string;
  /** Fencing token: strictly increasing per key across all holders. */
  readonly token: number;
  /** Aborted when renewal fails: the lease was lost, stop writing. */
  readonly lost: AbortSignal;
  /** Extends the lease; false if it was lost. */
  renew(): Promise<boolean>;
  /** Writes `value` under `dataKey` only while this token is the newest; throws {@link StaleLeaseError} otherwise. */
  fencedSet(dataKey: string, value: string): Promise<void>;
  /** Stops renewing and frees the lease if still held. */
  release(): Promise<void>;
}

/**
 * Per-key leases in Redis with fencing tokens, renewal and expiry. Used to run
 * at most one sync per application cluster-wide: the holder renews at a third
 * of the TTL; a crashed holder's lease lapses after the TTL and the next
 * holder gets a higher token, so stale writes are refused.
 */
export class LeaseManager {
  private readonly ttlMs: number;
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: LeaseOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 15_000;
    this.prefix = options.prefix ?? 'flotilla:lease:';
    this.released = new ReleaseWaiter(redis);
  }

  private readonly released: ReleaseWaiter;

  private keys(key: string) {
    return {
      lease: `${this.prefix}${key}`,
      counter: `${this.prefix}${key}:token`,
      released: `${this.prefix}${key}:released`,
    };
  }

  /** Tries once to take the lease; undefined when someone else holds it. */
  async tryAcquire(
    key: string,
    holder: string,
    options: { autoRenew?: boolean } = {},
  ): Promise<Lease | undefined> {
    const k = this.keys(key);
    const token = (await this.redis.eval(ACQUIRE, 2, k.lease, k.counter, holder, this.ttlMs)) as
      number | null;
    if (token === null) return undefined;
    const value = `${holder}|${token}`;
    const lost = new AbortController();
    const redis = this.redis;
    const ttlMs = this.ttlMs;
    let timer: NodeJS.Timeout | undefined;
    const renew = async () => {
      if (lost.signal.aborted) return false;
      const ok = (await redis.eval(RENEW, 1, k.lease, value, ttlMs)) === 1;
      if (!ok) lost.abort(new Error(`lease ${key} lost`));
      return ok;
    };
    if (options.autoRenew !== false) {
      timer = setInterval(
        () => {
          renew().catch(() => undefined);
        },
        Math.max(50, Math.floor(ttlMs / 3)),
      );
      timer.unref();
    }
    return {
      key,
      holder,
      token,
      lost: lost.signal,
      renew,
      async fencedSet(dataKey, data) {
        const ok = (await redis.eval(FENCED_SET, 2, k.counter, dataKey, token, data)) === 1;
        if (!ok) throw new StaleLeaseError(key, token);
      },
      async release() {
        if (timer) clearInterval(timer);
        if (!lost.signal.aborted) lost.abort(new Error(`lease ${key} released`));
        await redis.eval(RELEASE, 1, k.lease, value, k.released);
      },
    };
  }

  /**
   * Waits until the lease is taken, or the signal aborts. Nothing polls: a
   * waiter sleeps until the holder releases (a Redis message) or its lease
   * would lapse (the key's remaining TTL), whichever comes first; `pollMs`
   * only bounds one sleep, in case a release message is missed.
   */
  async acquire(
    key: string,
    holder: string,
    options: { signal?: AbortSignal; pollMs?: number } = {},
  ): Promise<Lease> {
    const k = this.keys(key);
    for (;;) {
      options.signal?.throwIfAborted();
      const wait = this.released.listen(k.released);
      try {
        await wait.ready;
        const lease = await this.tryAcquire(key, holder);
        if (lease) return lease;
        const left = await this.redis.pttl(k.lease);
        const sleepMs = Math.min(options.pollMs ?? this.ttlMs, left > 0 ? left + 1 : 1);
        await wait.next(sleepMs, options.signal);
      } finally {
        wait.close();
      }
    }
  }

  /** The current fencing token of a key (0 when never leased). */
  async currentToken(key: string): Promise<number> {
    return Number((await this.redis.get(this.keys(key).counter)) ?? 0);
  }
}

/**
 * Release messages of leases, on one subscriber connection opened while
 * someone waits and closed when nobody does.
 */
class ReleaseWaiter {
  private sub: Redis | undefined;
  private readonly waiting = new Map<string, Set<() => void>>();

  constructor(private readonly redis: Redis) {}

  /** Starts listening on `channel`; `ready` settles once subscribed. */
  listen(channel: string): {
    ready: Promise<unknown>;
    next(timeoutMs: number, signal?: AbortSignal): Promise<void>;
    close(): void;
  } {
    let wake: () => void = () => undefined;
    let woken = false;
    const fire = () => {
      woken = true;
      wake();
    };
    if (!this.sub) {
      this.sub = this.redis.duplicate();
      this.sub.on('error', () => undefined);
      this.sub.on('message', (ch: string) => this.waiting.get(ch)?.forEach((f) => f()));
    }
    const sub = this.sub;
    let set = this.waiting.get(channel);
    const fresh = !set;
    if (!set) this.waiting.set(channel, (set = new Set()));
    set.add(fire);
    const ready = fresh ? sub.subscribe(channel) : Promise.resolve();
    return {
      ready,
      next: (timeoutMs, signal) =>
        new Promise<void>((resolve) => {
          if (woken || signal?.aborted) return resolve();
          const timer = setTimeout(done, timeoutMs);
          function done() {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            resolve();
          }
          wake = done;
          signal?.addEventListener('abort', done, { once: true });
        }),
      close: () => {
        set.delete(fire);
        if (set.size > 0) return;
        this.waiting.delete(channel);
        if (this.waiting.size > 0) void sub.unsubscribe(channel).catch(() => undefined);
        else {
          this.sub = undefined;
          sub.disconnect();
        }
      },
    };
  }
}
