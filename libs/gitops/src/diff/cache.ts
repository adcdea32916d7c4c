// Server-side dry runs cost a round trip each; their result only changes
// when desired or live does, so it is cached on (desired hash, live
// resourceVersion). In the steady state a dry run predicts live exactly (a
// no-op apply returns the object unchanged): those results are remembered as
// a short hash only, so a resync of many resources keeps them all.
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
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

/**
 * Bounded least-recently-used records of dry-run results: full predictions
 * for the ones that differ from live (at most `maxEntries`), and a 96-bit
 * hash of the cache key for the ones that equalled live (at most
 * `maxUnchanged`, about 60 bytes each), served as a copy of live.
 */
export class DryRunCache {
  private readonly entries = new Map<string, DiffObject>();
  private readonly unchanged = new Set<string>();

  constructor(
    readonly maxEntries = 2000,
    readonly maxUnchanged = 200_000,
  ) {
    for (const [name, n] of [
      ['maxEntries', maxEntries],
      ['maxUnchanged', maxUnchanged],
    ] as const) {
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer`);
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
    if (id === undefined) return undefined;
    const short = compact(id);
    if (this.unchanged.has(short)) {
      touch(this.unchanged, short);
      return structuredClone(live);
    }
    const hit = this.entries.get(id);
    if (hit === undefined) return undefined;
    this.entries.delete(id);
    this.entries.set(id, hit);
    return structuredClone(hit);
  }

  /** Remembers a result, evicting the least recently used record when full. */
  set(key: ResourceKey, desired: DiffObject, live: DiffObject, predicted: DiffObject): void {
    const id = DryRunCache.resourceKeyOf(key, desired, live);
    if (id === undefined) return;
    this.entries.delete(id);
    if (isDeepStrictEqual(predicted, live)) {
      touch(this.unchanged, compact(id));
      while (this.unchanged.size > this.maxUnchanged) {
        this.unchanged.delete(this.unchanged.values().next().value as string);
      }
      return;
    }
    this.unchanged.delete(compact(id));
    this.entries.set(id, structuredClone(predicted));
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** How many results are cached, full and compact. */
  get size(): number {
    return this.entries.size + this.unchanged.size;
  }

  /** How many results are kept as full objects (those that differ from live). */
  get fullSize(): number {
    return this.entries.size;
  }

  /** Forgets everything (a hard refresh). */
  clear(): void {
    this.entries.clear();
    this.unchanged.clear();
  }
}

// A 96-bit hash of a cache key, as 16 base64url characters.
function compact(id: string): string {
  return createHash('sha256').update(id).digest().subarray(0, 12).toString('base64url');
}

// Marks a member as the most recently used (a Set iterates in insertion order).
function touch(set: Set<string>, member: string): void {
  set.delete(member);
  set.add(member);
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
