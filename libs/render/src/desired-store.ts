import type { Redis } from 'ioredis';
import { appKey, type AppRef } from '@flotilla/contracts';

/** The rendered desired state of an app, as the differ reads it. */
export interface DesiredState {
  readonly revisions: readonly string[];
  readonly hash: string;
  readonly objects: readonly Record<string, unknown>[];
  readonly warnings: readonly string[];
  readonly renderedAt: string;
  /** Set when the last render failed; objects are then the last good set (or none). */
  readonly error?: {
    readonly message: string;
    readonly revisions?: readonly string[];
    readonly at: string;
  };
}

/** Where the renderer leaves each app's desired state for the differ. */
export class DesiredStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'flotilla:desired:',
  ) {}

  async get(app: AppRef): Promise<DesiredState | undefined> {
    const raw = await this.redis.get(`${this.prefix}${appKey(app)}`);
    return raw ? (JSON.parse(raw) as DesiredState) : undefined;
  }

  /** Stores a successful render (clearing any error). */
  async setRendered(app: AppRef, state: Omit<DesiredState, 'error'>): Promise<void> {
    await this.redis.set(`${this.prefix}${appKey(app)}`, JSON.stringify(state));
  }

  /** Records a failed render, keeping the last good objects: never destroy on doubt. */
  async setError(app: AppRef, message: string, revisions?: readonly string[]): Promise<void> {
    const previous = await this.get(app);
    const state: DesiredState = {
      revisions: previous?.revisions ?? [],
      hash: previous?.hash ?? '',
      objects: previous?.objects ?? [],
      warnings: previous?.warnings ?? [],
      renderedAt: previous?.renderedAt ?? '',
      error: { message, ...(revisions ? { revisions } : {}), at: new Date().toISOString() },
    };
    await this.redis.set(`${this.prefix}${appKey(app)}`, JSON.stringify(state));
  }

  async delete(app: AppRef): Promise<void> {
    await this.redis.del(`${this.prefix}${appKey(app)}`);
  }
}
