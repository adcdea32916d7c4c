// Server-side dry runs cost a round trip each; their result only changes
// when desired or live does, so it is cached on (desired hash, live
// resourceVersion).
import { createHash } from 'node:crypto';
import type { ResourceKey } from '@flotilla/contracts';
import { resourceKeyString } from '@flotilla/contracts';
import { isRecord, metadataOf } from '../resource/index.js';
import type { DiffObject, ServerSideDryRun } from './types.js';

/** A SHA-256 of the object's canonical JSON (keys sorted at every level). */
export function desiredHash(obj: DiffObject): string {
  return createHash('sha256').update(canonical(obj)).digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A bounded least-recently-used map of dry-run results. */
export class DryRunCache {
  private readonly entries = new Map<string, DiffObject>();

  constructor(readonly maxEntries = 2000) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError('maxEntries must be a positive integer');
    }
  }

  /** The cache key, or undefined when live has no resourceVersion (nothing to key on). */
  static resourceKeyOf(
    key: ResourceKey,
    desired: DiffObject,
    live: DiffObject,
  ): string | undefined {
    const rv = metadataOf(live)['resourceVersion'];
    if (typeof rv !== 'string' || rv === '') return undefined;
    return `${resourceKeyString(key)}\n${desiredHash(desired)}\n${rv}`;
  }

  /** A copy of the cached result, or undefined. */
  get(key: ResourceKey, desired: DiffObject, live: DiffObject): DiffObject | undefined {
    const id = DryRunCache.resourceKeyOf(key, desired, live);
    const hit = id === undefined ? undefined : this.entries.get(id);
    if (id === undefined || hit === undefined) return undefined;
    this.entries.delete(id);
    this.entries.set(id, hit);
    return structuredClone(hit);
  }

  /** Remembers a result, evicting the least recently used entry when full. */
  set(key: ResourceKey, desired: DiffObject, live: DiffObject, predicted: DiffObject): void {
    const id = DryRunCache.resourceKeyOf(key, desired, live);
    if (id === undefined) return;
    this.entries.delete(id);
    this.entries.set(id, structuredClone(predicted));
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** How many results are cached. */
  get size(): number {
    return this.entries.size;
  }

  /** Forgets everything (a hard refresh). */
  clear(): void {
    this.entries.clear();
  }
}

/** Wraps a dry run so repeated comparisons of unchanged objects skip the API server. */
export function cachedDryRun(dryRun: ServerSideDryRun, cache: DryRunCache): ServerSideDryRun {
  return async (desired, live, key) => {
    const hit = cache.get(key, desired, live);
    if (hit) return hit;
    const predicted = await dryRun(desired, live, key);
    if (predicted) cache.set(key, desired, live, predicted);
    return predicted;
  };
}
