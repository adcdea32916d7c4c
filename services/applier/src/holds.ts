// When each held attempt's hold began, in Redis by its operation id: the wait
// is measured from there across deliveries, restarts and replicas, without
// reading it back out of the status message.
import type { Redis } from 'ioredis';

/** Kept this long past the cluster wait, so a hold outlives any redelivery delay. */
const HOLD_TTL_MARGIN_MS = 3_600_000;

/** The start of the hold of each held attempt. */
export class ClusterHolds {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'flotilla:sync-hold:',
  ) {}

  /** When the hold of attempt `opId` began, if it is held. */
  async since(opId: string): Promise<Date | undefined> {
    const at = Date.parse((await this.redis.get(`${this.prefix}${opId}`)) ?? '');
    return Number.isNaN(at) ? undefined : new Date(at);
  }

  /** Holds attempt `opId` from now unless it is held already; returns when its hold began. */
  async begin(opId: string, waitMs: number): Promise<Date> {
    const key = `${this.prefix}${opId}`;
    const now = new Date().toISOString();
    await this.redis.set(key, now, 'PX', waitMs + HOLD_TTL_MARGIN_MS, 'NX');
    return (await this.since(opId)) ?? new Date(now);
  }

  /** The attempt `opId` goes on (or ends): a later outage begins a hold of its own. */
  async end(opId: string): Promise<void> {
    await this.redis.del(`${this.prefix}${opId}`);
  }
}
