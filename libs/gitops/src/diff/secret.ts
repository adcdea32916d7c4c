// Secret handling: stringData folded into data so both spellings compare
// equal, and values masked so no output ever shows one.
import { isRecord, isSecret } from '../resource/index.js';
import type { DiffObject } from './types.js';

const MASK = '++++++++';
const FIELDS = ['data', 'stringData'] as const;

/**
 * Moves `stringData` into `data` (base64, as the API server does) and turns
 * null `data` values into ''. Mutates `obj`; a non-Secret is left alone.
 */
export function foldStringData(obj: DiffObject): void {
  if (!isSecret(obj)) return;
  const data = isRecord(obj['data']) ? obj['data'] : {};
  for (const [k, v] of Object.entries(data)) if (v === null) data[k] = '';
  const stringData = obj['stringData'];
  if (!isRecord(stringData)) return;
  const merged: Record<string, unknown> = { ...data };
  for (const [k, v] of Object.entries(stringData)) {
    merged[k] = typeof v === 'string' ? Buffer.from(v, 'utf8').toString('base64') : v;
  }
  obj['data'] = merged;
  delete obj['stringData'];
}

/**
 * Replaces the values of `data` and `stringData` of Secrets with runs of `+`,
 * as Argo CD does. Within one key, equal values get equal masks and different
 * values masks of different lengths, so a diff shows that a value changed but
 * not what it is. Returns masked copies; non-Secrets come back unchanged.
 */
export function maskSecretValues<T extends DiffObject | undefined>(objects: readonly T[]): T[] {
  if (!objects.some((o) => o !== undefined && isSecret(o))) return [...objects];
  const copies = objects.map((o) => (o && isSecret(o) ? structuredClone(o) : o));
  for (const field of FIELDS) {
    const maps = copies.map((o) => (o && isSecret(o) && isRecord(o[field]) ? o[field] : {}));
    const keys = new Set(maps.flatMap((m) => Object.keys(m)));
    for (const key of keys) {
      const masks = new Map<string, string>();
      for (const map of maps) {
        if (!Object.hasOwn(map, key) || map[key] === null) continue;
        const value = JSON.stringify(map[key]);
        let mask = masks.get(value);
        if (mask === undefined) {
          mask = MASK + '++++'.repeat(masks.size);
          masks.set(value, mask);
        }
        map[key] = mask;
      }
    }
  }
  return copies;
}

/**
 * Removes any Secret value (as stored, and base64-decoded) from a message, for
 * errors that quote the object they failed on. Short values are replaced too,
 * down to three characters.
 */
export function redactSecretValues(
  message: string,
  objects: readonly (DiffObject | undefined)[],
): string {
  const values = new Set<string>();
  for (const obj of objects) {
    if (!obj || !isSecret(obj)) continue;
    for (const field of FIELDS) {
      const map = obj[field];
      if (!isRecord(map)) continue;
      for (const v of Object.values(map)) {
        if (typeof v !== 'string') continue;
        values.add(v);
        if (field === 'data') values.add(Buffer.from(v, 'base64').toString('utf8'));
      }
    }
  }
  let out = message;
  const longestFirst = [...values].filter((v) => v.length >= 3).sort((a, b) => b.length - a.length);
  for (const v of longestFirst) out = out.replaceAll(v, MASK);
  return out;
}
