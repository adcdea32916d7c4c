import { convertArgoManifest, isArgoManifest, type ConvertOptions } from '@flotilla/api';
import { RenderError } from './errors.js';
import type { Manifest } from './types.js';
import type { ParsedDocument } from './yaml.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True for a JSON object with a non-empty string `apiVersion` and `kind`. */
export function isKubernetesObject(v: unknown): v is Manifest {
  return (
    isRecord(v) &&
    typeof v['apiVersion'] === 'string' &&
    v['apiVersion'] !== '' &&
    typeof v['kind'] === 'string' &&
    v['kind'] !== ''
  );
}

// A `kind: List` (or any object whose `items` is a list) stands for its items,
// as Kubernetes' unstructured lists do; items without apiVersion or kind take
// them from the list. `items: null` with no spec or status is an empty list.
function expand(obj: Manifest, where: string): Manifest[] {
  const items = obj['items'];
  if (items === null && obj['spec'] === undefined && obj['status'] === undefined) return [];
  if (!Array.isArray(items)) return [obj];
  return items.map((item, i) => {
    if (!isRecord(item)) {
      throw new RenderError('InvalidManifest', `${where}: item ${i} of the list is not an object`);
    }
    const out = { ...item };
    if (typeof out['apiVersion'] !== 'string' || out['apiVersion'] === '') {
      out['apiVersion'] = obj['apiVersion'];
    }
    if (typeof out['kind'] !== 'string' || out['kind'] === '') {
      out['kind'] = String(obj['kind']).replace(/List$/, '');
    }
    if (!isKubernetesObject(out)) {
      throw new RenderError('InvalidManifest', `${where}: item ${i} of the list has no kind`);
    }
    return out;
  });
}

/**
 * Turns parsed documents into Kubernetes objects, expanding lists. A document
 * that is not an object with `apiVersion` and `kind` is an `InvalidManifest`
 * error naming the file and line.
 */
export function toManifests(docs: readonly ParsedDocument[], file: string): Manifest[] {
  const out: Manifest[] = [];
  for (const doc of docs) {
    const where = `${file}:${doc.line}`;
    if (!isKubernetesObject(doc.value)) {
      throw new RenderError(
        'InvalidManifest',
        `${where}: document ${doc.index + 1} is not a Kubernetes object (apiVersion and kind are required)`,
        { file, line: doc.line },
      );
    }
    out.push(...expand(doc.value, where));
  }
  return out;
}

/** Objects after app-of-apps conversion, and what the conversion had to say. */
export interface Converted {
  readonly objects: Manifest[];
  readonly warnings: string[];
}

/**
 * Converts the Argo CD Applications and AppProjects among `objects` (an app
 * of apps) into their Flotilla twins; everything else passes unchanged.
 */
export function convertArgoObjects(
  objects: readonly Manifest[],
  options: ConvertOptions,
): Converted {
  const warnings: string[] = [];
  const converted = objects.map((obj) => {
    if (!isArgoManifest(obj)) return obj;
    const result = convertArgoManifest(obj, options);
    const meta = isRecord(obj['metadata']) ? obj['metadata'] : {};
    const id = `${String(obj['kind'])} ${String(meta['name'] ?? '')}`;
    for (const w of result.warnings) warnings.push(`${id}: ${w}`);
    return result.object as Manifest;
  });
  return { objects: converted, warnings };
}
