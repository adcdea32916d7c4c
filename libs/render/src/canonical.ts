import { createHash } from 'node:crypto';
import { resourceKeyString, type ResourceKey } from '@flotilla/contracts';
import type { Manifest, ManifestSet } from './types.js';

/** A copy of `value` with every object's keys in sorted order and `undefined` fields dropped. */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonicalize(v)));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = canonicalize(v);
  }
  return out;
}

/** JSON with sorted keys: equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}

/** `sha256:<hex>` of `text`. */
export function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

function metadata(obj: Manifest): Record<string, unknown> {
  const meta = obj['metadata'];
  return typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : {};
}

/** The {@link ResourceKey} of an object: group from `apiVersion`, namespace `''` when unset. */
export function resourceKeyOf(obj: Manifest): ResourceKey {
  const apiVersion = String(obj['apiVersion'] ?? '');
  const slash = apiVersion.lastIndexOf('/');
  const meta = metadata(obj);
  return {
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    kind: String(obj['kind'] ?? ''),
    namespace: typeof meta['namespace'] === 'string' ? meta['namespace'] : '',
    name: typeof meta['name'] === 'string' ? meta['name'] : '',
  };
}

interface Entry {
  readonly key: ResourceKey;
  readonly json: string;
  readonly obj: Manifest;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function compare(a: Entry, b: Entry): number {
  return (
    cmp(a.key.group, b.key.group) ||
    cmp(a.key.kind, b.key.kind) ||
    cmp(a.key.namespace, b.key.namespace) ||
    cmp(a.key.name, b.key.name) ||
    cmp(a.json, b.json)
  );
}

/** A canonical set, and one warning per resource that appeared more than once. */
export interface CanonicalResult {
  readonly set: ManifestSet;
  readonly warnings: string[];
  /** Bytes of the canonical JSON (the size limit applies to it). */
  readonly bytes: number;
}

/**
 * Builds the canonical set of `objects`: keys sorted, objects sorted by
 * (group, kind, namespace, name), hashed. A named resource that appears twice
 * keeps its last occurrence, with a warning. Objects with only
 * `generateName` (hooks) are each kept: they are distinct on creation.
 */
export function canonicalSet(objects: readonly Manifest[]): CanonicalResult {
  const byKey = new Map<string, Entry>();
  const unnamed: Entry[] = [];
  const warnings: string[] = [];
  for (const obj of objects) {
    const canonical = canonicalize(obj) as Manifest;
    const entry = { key: resourceKeyOf(obj), json: JSON.stringify(canonical), obj: canonical };
    if (entry.key.name === '') {
      unnamed.push(entry);
      continue;
    }
    const id = resourceKeyString(entry.key);
    if (byKey.has(id)) warnings.push(`${id} appears more than once; the last one is used`);
    byKey.set(id, entry);
  }
  const entries = [...byKey.values(), ...unnamed].sort(compare);
  const json = `[${entries.map((e) => e.json).join(',')}]`;
  return {
    set: { objects: entries.map((e) => e.obj), hash: sha256(json) },
    warnings,
    bytes: Buffer.byteLength(json),
  };
}
