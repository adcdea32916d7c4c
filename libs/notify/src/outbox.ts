// What the notifier remembers in Redis so that an event delivered twice (a
// crash, a redelivery) never notifies twice: the trigger state of each
// destination (Argo CD keeps it in an annotation), the notifications each
// event decided on, rendered (the outbox), and which of them were sent.
import type { Redis } from 'ioredis';
import type { Rendered } from './render.js';
import type { DeliveryMemory } from './services/types.js';

/** One notification an event decided on, rendered, ready to send again unchanged. */
export interface PlannedNotification {
  readonly id: string;
  readonly trigger: string;
  readonly service: string;
  readonly recipient: string;
  readonly rendered?: Rendered;
  /** Why it cannot be sent (a template that does not render); dead-lettered, not retried. */
  readonly error?: string;
}

/** How a notification ended. */
export type SentMark = 'sent' | `rejected: ${string}`;

const DAY = 86_400;

/** The notifier's Redis records; keys live as long as the event log keeps events (7 days by default). */
export class Outbox {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds = 7 * DAY,
    private readonly prefix = 'flotilla:notify',
  ) {}

  /** What services remember between notifications (a Slack thread per grouping key), 90 days. */
  readonly memory: DeliveryMemory = {
    get: async (key) => (await this.redis.get(`${this.prefix}:memory:${key}`)) ?? undefined,
    setIfAbsent: async (key, value) => {
      const k = `${this.prefix}:memory:${key}`;
      const ok = await this.redis.set(k, value, 'EX', 90 * DAY, 'NX');
      return ok ? value : ((await this.redis.get(k)) ?? value);
    },
  };

  /** The plan stored for an event, if it was decided already. */
  async plan(eventId: string): Promise<PlannedNotification[] | undefined> {
    const v = await this.redis.get(`${this.prefix}:plan:${eventId}`);
    return v ? (JSON.parse(v) as PlannedNotification[]) : undefined;
  }

  /** Stores an event's plan; the first one stored wins (another replica may have decided). */
  async savePlan(
    eventId: string,
    plan: readonly PlannedNotification[],
  ): Promise<PlannedNotification[]> {
    const key = `${this.prefix}:plan:${eventId}`;
    const ok = await this.redis.set(key, JSON.stringify(plan), 'EX', this.ttlSeconds, 'NX');
    return ok ? [...plan] : ((await this.plan(eventId)) ?? [...plan]);
  }

  /**
   * Records that `eventId` fired a trigger for a destination. True when this
   * event is the one that fired it (first time, or a redelivery of the same
   * event); false when an earlier event already did and the trigger has not
   * turned false since (or, with `oncePer`, ever for that value).
   */
  async fire(app: string, stateKey: string, eventId: string, oncePer: boolean): Promise<boolean> {
    const key = `${this.prefix}:state:${app}:${stateKey}`;
    // oncePer records are kept 90 days, so a revision is not announced again after the event log expires.
    const ttl = oncePer ? 90 * DAY : this.ttlSeconds;
    const ok = await this.redis.set(key, eventId, 'EX', ttl, 'NX');
    return ok === 'OK' || (await this.redis.get(key)) === eventId;
  }

  /** Forgets that a trigger fired (its condition is false again), so it can fire next time it holds. */
  async clear(app: string, stateKey: string): Promise<void> {
    await this.redis.del(`${this.prefix}:state:${app}:${stateKey}`);
  }

  /** How the notification ended, if it did. */
  async sent(id: string): Promise<SentMark | undefined> {
    return ((await this.redis.get(`${this.prefix}:sent:${id}`)) as SentMark | null) ?? undefined;
  }

  /** Marks a notification as ended. */
  async markSent(id: string, mark: SentMark): Promise<void> {
    await this.redis.set(`${this.prefix}:sent:${id}`, mark, 'EX', this.ttlSeconds);
  }

  /** The last app object seen for `app` (for events after its deletion), and remembering a new one. */
  async lastApp(app: string): Promise<Record<string, unknown> | undefined> {
    const v = await this.redis.get(`${this.prefix}:app:${app}`);
    return v ? (JSON.parse(v) as Record<string, unknown>) : undefined;
  }
  async rememberApp(app: string, value: Record<string, unknown>): Promise<void> {
    await this.redis.set(`${this.prefix}:app:${app}`, JSON.stringify(value), 'EX', this.ttlSeconds);
  }
}
