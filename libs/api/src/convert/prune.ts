import type { TSchema } from '@sinclair/typebox';
import { PRESERVE_UNKNOWN } from '../schema/build.js';
import { UNSUPPORTED } from './argo-names.js';

type Json = Record<string, unknown>;

/** True for a plain JSON object. */
export const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The warning for a dropped field at `path`. */
export function dropWarning(path: string, kind: string): string {
  const generic = path.replace(/\[\d+\]/g, '[]');
  const reason =
    UNSUPPORTED.find((u) => u.path.test(generic))?.reason ??
    `not a field of flotilla.dev/v1alpha1 ${kind}`;
  return `${path}: dropped, ${reason}`;
}

/**
 * Removes, in place, every field of `value` that `schema` does not know and
 * reports each one. Values of known fields are kept exactly as written, so
 * nothing Flotilla supports is lost.
 */
export function pruneUnknown(
  value: unknown,
  schema: TSchema,
  path: string,
  kind: string,
  warnings: string[],
): void {
  if (Array.isArray(value)) {
    const items = schema['items'] as TSchema | undefined;
    if (items) value.forEach((v, i) => pruneUnknown(v, items, `${path}[${i}]`, kind, warnings));
    return;
  }
  if (!isObject(value) || schema['type'] !== 'object' || schema[PRESERVE_UNKNOWN]) return;
  const patterns = schema['patternProperties'] as Record<string, TSchema> | undefined;
  const mapValue = patterns && Object.values(patterns)[0];
  const properties = (schema['properties'] as Record<string, TSchema> | undefined) ?? {};
  for (const key of Object.keys(value)) {
    const child = mapValue ?? properties[key];
    const childPath = mapValue ? `${path}[${JSON.stringify(key)}]` : `${path}.${key}`;
    if (child) {
      pruneUnknown(value[key], child, childPath, kind, warnings);
    } else if (schema['additionalProperties'] === false) {
      delete value[key];
      warnings.push(dropWarning(childPath, kind));
    }
  }
}
