import { resourceKeyString } from '@flotilla/contracts';
import { canonicalSet, resourceKeyOf } from './canonical.js';
import type { Manifest, ManifestSet } from './types.js';

/** The rendered objects of one source of a multi-source Application. */
export interface SourceManifests {
  readonly objects: readonly Manifest[];
  readonly warnings?: readonly string[];
  /** How messages name the source; `source <n>` (one-based) unless set. */
  readonly label?: string;
}

/** The merged set of all sources, with every warning of every source. */
export interface MergedManifests extends ManifestSet {
  readonly warnings: readonly string[];
}

/**
 * Merges per-source render results in source order into one canonical set.
 * A resource rendered by two sources is kept from the later one, with a
 * warning naming both, which is what Argo CD does with `spec.sources`.
 */
export function mergeManifestSets(parts: readonly SourceManifests[]): MergedManifests {
  const warnings: string[] = [];
  const owner = new Map<string, string>();
  const winners = new Map<string, Manifest>();
  const unnamed: Manifest[] = [];
  parts.forEach((part, i) => {
    const label = part.label ?? `source ${i + 1}`;
    for (const w of part.warnings ?? []) warnings.push(`${label}: ${w}`);
    for (const obj of part.objects) {
      const key = resourceKeyOf(obj);
      if (key.name === '') {
        unnamed.push(obj);
        continue;
      }
      const id = resourceKeyString(key);
      const previous = owner.get(id);
      if (previous !== undefined && previous !== label) {
        warnings.push(`${id} is rendered by ${previous} and ${label}; ${label} wins`);
      }
      owner.set(id, label);
      // Delete first so the winner takes its place in the later source's order.
      winners.delete(id);
      winners.set(id, obj);
    }
  });
  const { set, warnings: duplicates } = canonicalSet([...winners.values(), ...unnamed]);
  return { ...set, warnings: [...warnings, ...duplicates] };
}
