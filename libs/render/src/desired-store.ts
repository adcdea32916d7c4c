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

/** How long a render for an operation is kept: long enough for a resumed operation to find it. */
export const OPERATION_RENDER_TTL_MS = 3600_000;

/**
 * Where the renderer leaves each app's desired state for the differ, and,
 * apart from it, the renders sync operations ask for (another revision or
 * source, a rollback): one key per request, so a late answer to an earlier
 * request never hides the one an operation waits for.
 */
export class DesiredStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'flotilla:desired:',
    private readonly operationPrefix = 'flotilla:operation-render:',
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

  /** The render answering operation request `request`, or undefined while there is none. */
  async getForOperation(app: AppRef, request: string): Promise<DesiredState | undefined> {
    const raw = await this.redis.get(this.operationKey(app, request));
    return raw ? (JSON.parse(raw) as DesiredState) : undefined;
  }

  /**
   * Stores the render (or, with `error`, the failure) answering operation
   * request `request`. The app's desired state is not touched.
   */
  async setForOperation(
    app: AppRef,
    request: string,
    state:
      | Omit<DesiredState, 'error'>
      | { readonly error: string; readonly revisions?: readonly string[] },
  ): Promise<void> {
    const stored: DesiredState =
      'error' in state
        ? {
            revisions: state.revisions ?? [],
            hash: '',
            objects: [],
            warnings: [],
            renderedAt: '',
            error: {
              message: state.error,
              ...(state.revisions ? { revisions: state.revisions } : {}),
              at: new Date().toISOString(),
            },
          }
        : state;
    await this.redis.set(
      this.operationKey(app, request),
      JSON.stringify(stored),
      'PX',
      OPERATION_RENDER_TTL_MS,
    );
  }

  private operationKey(app: AppRef, request: string): string {
    return `${this.operationPrefix}${appKey(app)}:${request}`;
  }
}
