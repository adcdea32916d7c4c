// Hand-over of hooks between the applier and the hook-runner. A `hook`
// command is only a trigger; what to create and how each hook ended live in
// Redis under the operation, so a redelivered command or a resumed operation
// reads the same facts.
import type { Redis } from 'ioredis';
import { resourceKeyString, type ResourceKey } from '@flotilla/contracts';

/** What the hook-runner needs to run one hook. */
export interface HookSpec {
  readonly key: ResourceKey;
  /** The object to create, name already decided. */
  readonly object: Readonly<Record<string, unknown>>;
  readonly hookType: string;
  readonly wave: number;
  /** Undefined: no limit. */
  readonly timeoutMs?: number;
  /** The destination cluster (from its cluster Secret); undefined: the hook-runner's own. */
  readonly cluster?: { readonly name: string; readonly server: string };
  /** The user the hook is created and deleted as (sync impersonation); undefined: the hook-runner's own. */
  readonly impersonate?: string;
}

/** How a hook ended, as the hook-runner saw it. */
export interface HookVerdict {
  readonly phase: 'Succeeded' | 'Failed';
  readonly message: string;
  readonly logTail?: string;
}

/** Where hook hand-overs live in Redis unless told otherwise. */
export const HOOK_STORE_PREFIX = 'flotilla:hooks:';

/**
 * The Redis keys of one operation's hooks: a hash of specs and a hash of
 * verdicts, each keyed by the hook's resource key string.
 */
export function hookStoreKeys(
  operationId: string,
  prefix: string = HOOK_STORE_PREFIX,
): { readonly specs: string; readonly verdicts: string } {
  return { specs: `${prefix}${operationId}:specs`, verdicts: `${prefix}${operationId}:verdicts` };
}

/** Hook specs and verdicts per operation, kept a day. */
export class HookStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = HOOK_STORE_PREFIX,
    private readonly ttlSeconds = 24 * 3600,
  ) {}

  private specs(op: string) {
    return hookStoreKeys(op, this.prefix).specs;
  }

  private verdicts(op: string) {
    return hookStoreKeys(op, this.prefix).verdicts;
  }

  /** Records the hooks of a step before the command that runs them is sent. */
  async putSpecs(operationId: string, specs: readonly HookSpec[]): Promise<void> {
    if (specs.length === 0) return;
    const k = this.specs(operationId);
    const fields = specs.flatMap((s) => [resourceKeyString(s.key), JSON.stringify(s)]);
    await this.redis
      .multi()
      .hset(k, ...fields)
      .expire(k, this.ttlSeconds)
      .exec();
  }

  /** The spec of one hook, or undefined when it was never recorded. */
  async spec(operationId: string, key: ResourceKey): Promise<HookSpec | undefined> {
    const raw = await this.redis.hget(this.specs(operationId), resourceKeyString(key));
    return raw ? (JSON.parse(raw) as HookSpec) : undefined;
  }

  /** Records how a hook ended; the first verdict wins. */
  async putVerdict(operationId: string, key: ResourceKey, verdict: HookVerdict): Promise<void> {
    const k = this.verdicts(operationId);
    await this.redis
      .multi()
      .hsetnx(k, resourceKeyString(key), JSON.stringify(verdict))
      .expire(k, this.ttlSeconds)
      .exec();
  }

  /** How a hook ended, or undefined while it runs. */
  async verdict(operationId: string, key: ResourceKey): Promise<HookVerdict | undefined> {
    const raw = await this.redis.hget(this.verdicts(operationId), resourceKeyString(key));
    return raw ? (JSON.parse(raw) as HookVerdict) : undefined;
  }
}
