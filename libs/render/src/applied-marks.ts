import type { Redis } from 'ioredis';
import { resourceKeyString, type ResourceKey } from '@flotilla/contracts';

/**
 * How long a mark is kept. The comparison that follows an apply comes within
 * seconds, but a differ replica that did not make it (or one started since)
 * meets the object first at its resync turn, every 180 s by default: an hour
 * covers many turns of every replica. A mark is about 150 bytes of Redis.
 */
const TTL_MS = 3_600_000;

/** An object as a dry run or an apply met it: the manifest's hash and the live version. */
export interface MarkedObject {
  readonly key: ResourceKey;
  readonly desiredHash: string;
  readonly resourceVersion: string;
}

/**
 * What the applier just server-side applied, shared with the differ: per
 * object, the hash of the manifest applied and the resourceVersion the apply
 * returned. A dry run of that manifest against that version predicts the
 * object unchanged (applying the same manifest again changes nothing), so a
 * comparison that finds it there needs no dry run: one apiserver request
 * fewer per applied object, the request that followed every sync. The differ
 * marks a dry run that predicted an object unchanged the same way, so another
 * replica does not repeat it. Marks are hints: a missing or stale one only
 * costs the dry run it would have saved.
 *
 * The differ also marks, under a key of its own, every dry run that passed
 * against a live object (the manifest's hash and the live version): the
 * applier's check before a sync of many objects (a dry run of each changed one)
 * is then the same request against the same object, already made, and is not
 * made again. The commit round of an app of K objects makes K requests fewer.
 */
export class AppliedMarks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'flotilla:applied:',
  ) {}

  private key(server: string, key: ResourceKey): string {
    return `${this.prefix}${server}|${resourceKeyString(key)}`;
  }

  private dryRunKey(server: string, key: ResourceKey): string {
    return `${this.prefix}dry-run:${server}|${resourceKeyString(key)}`;
  }

  // A mark is a hint: a write Redis refuses only costs the request it would have saved.
  private async put(redisKey: string, desiredHash: string, resourceVersion: string): Promise<void> {
    await this.redis
      .set(redisKey, `${desiredHash} ${resourceVersion}`, 'PX', TTL_MS)
      .catch(() => undefined);
  }

  /** Records that the manifest with `desiredHash` left the object at `resourceVersion`. */
  async mark(
    server: string,
    key: ResourceKey,
    desiredHash: string,
    resourceVersion: string,
  ): Promise<void> {
    await this.put(this.key(server, key), desiredHash, resourceVersion);
  }

  /** Whether an apply (of any manifest) left the object at `resourceVersion`. */
  async leftAt(server: string, key: ResourceKey, resourceVersion: string): Promise<boolean> {
    const v = await this.redis.get(this.key(server, key)).catch(() => null);
    return v !== null && v.endsWith(` ${resourceVersion}`);
  }

  /** Whether the object at `resourceVersion` is what applying `desiredHash` left. */
  async applied(
    server: string,
    key: ResourceKey,
    desiredHash: string,
    resourceVersion: string,
  ): Promise<boolean> {
    const v = await this.redis.get(this.key(server, key)).catch(() => null);
    return v === `${desiredHash} ${resourceVersion}`;
  }

  /**
   * Records that a server-side dry run (forced apply as the resource field
   * manager) of the manifest with `desiredHash` passed against the object at
   * `resourceVersion`.
   */
  async dryRunPassed(
    server: string,
    key: ResourceKey,
    desiredHash: string,
    resourceVersion: string,
  ): Promise<void> {
    await this.put(this.dryRunKey(server, key), desiredHash, resourceVersion);
  }

  /** Per object, whether such a dry run passed against exactly that version (one read). */
  async dryRunsPassed(server: string, objects: readonly MarkedObject[]): Promise<boolean[]> {
    if (objects.length === 0) return [];
    const values = await this.redis
      .mget(objects.map((o) => this.dryRunKey(server, o.key)))
      .catch(() => objects.map(() => null));
    return objects.map((o, i) => values[i] === `${o.desiredHash} ${o.resourceVersion}`);
  }
}
