import type { Redis } from 'ioredis';
import { resourceKeyString, type ResourceKey } from '@flotilla/contracts';

/**
 * How long a mark is kept. The comparison that follows an apply comes within
 * seconds, but a differ replica that did not make it (or one started since)
 * meets the object first at its resync turn, every 180 s by default: an hour
 * covers many turns of every replica. A mark is about 150 bytes of Redis.
 */
const TTL_MS = 3_600_000;

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
 */
export class AppliedMarks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'flotilla:applied:',
  ) {}

  private key(server: string, key: ResourceKey): string {
    return `${this.prefix}${server}|${resourceKeyString(key)}`;
  }

  /** Records that the manifest with `desiredHash` left the object at `resourceVersion`. */
  async mark(
    server: string,
    key: ResourceKey,
    desiredHash: string,
    resourceVersion: string,
  ): Promise<void> {
    await this.redis
      .set(this.key(server, key), `${desiredHash} ${resourceVersion}`, 'PX', TTL_MS)
      .catch(() => undefined);
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
}
