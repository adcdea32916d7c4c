import type { TSchema } from '@sinclair/typebox';
import { INT_OR_STRING, PRESERVE_UNKNOWN } from '../schema/build.js';
import { VALIDATIONS } from '../rules.js';

/** An OpenAPI v3 schema node as a CRD carries it. */
export interface JSONSchemaProps {
  description?: string;
  type?: string;
  format?: string;
  enum?: string[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  required?: string[];
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps;
  items?: JSONSchemaProps;
  anyOf?: JSONSchemaProps[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-validations'?: { rule: string; message: string }[];
}

// Keywords copied as they are, in this order (the order of the YAML output).
const SCALARS = [
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
] as const;
// Keywords that carry no meaning for the apiserver, or that are handled below.
const HANDLED = new Set([
  'description',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'patternProperties',
  'items',
  'anyOf',
  'const',
  '$id',
  '$schema',
  'x-kubernetes-list-type',
  'x-kubernetes-map-type',
  VALIDATIONS,
  INT_OR_STRING,
  PRESERVE_UNKNOWN,
  ...SCALARS,
]);

type Node = Record<string, unknown>;

/**
 * Turns a TypeBox schema into a structural OpenAPI schema for a CRD: no
 * `$id`, `$schema` or TypeBox symbols, no `additionalProperties: false` (the
 * apiserver prunes unknown fields itself), string maps as
 * `additionalProperties`, literal unions as `enum`, int-or-string and
 * free-form objects marked as Kubernetes expects, and every list atomic, so
 * that one field manager owns a whole list under server-side apply.
 */
export function toStructural(schema: TSchema, path = ''): JSONSchemaProps {
  const node = schema as Node;
  for (const key of Object.keys(node)) {
    if (!HANDLED.has(key))
      throw new Error(`${path || '<root>'}: keyword ${key} has no CRD equivalent`);
  }
  const out: JSONSchemaProps = {};
  if (typeof node['description'] === 'string') out.description = node['description'];

  if (node[PRESERVE_UNKNOWN] === true) {
    return { ...out, type: 'object', [PRESERVE_UNKNOWN]: true };
  }
  if (node[INT_OR_STRING] === true) {
    return { ...out, anyOf: [{ type: 'integer' }, { type: 'string' }], [INT_OR_STRING]: true };
  }
  if (Array.isArray(node['anyOf'])) {
    const values = (node['anyOf'] as Node[]).map((m) => m['const']);
    if (!values.every((v): v is string => typeof v === 'string')) {
      throw new Error(`${path}: only unions of string literals map to a CRD enum`);
    }
    return { ...out, type: 'string', enum: values };
  }
  if (typeof node['const'] === 'string') return { ...out, type: 'string', enum: [node['const']] };

  if (typeof node['type'] !== 'string')
    throw new Error(`${path || '<root>'}: a structural schema needs a type`);
  out.type = node['type'];
  for (const key of SCALARS) {
    if (node[key] !== undefined) (out as Node)[key] = node[key];
  }
  if (Array.isArray(node['required']) && node['required'].length > 0) {
    out.required = [...(node['required'] as string[])];
  }
  const properties = node['properties'] as Record<string, TSchema> | undefined;
  if (properties) {
    out.properties = {};
    for (const [name, child] of Object.entries(properties)) {
      out.properties[name] = toStructural(child, `${path}.${name}`);
    }
  }
  const patterns = node['patternProperties'] as Record<string, TSchema> | undefined;
  if (patterns) {
    const [value, ...more] = Object.values(patterns);
    if (!value || more.length > 0)
      throw new Error(`${path}: only one patternProperties entry is supported`);
    out.additionalProperties = toStructural(value, `${path}.*`);
  }
  if (node['items']) {
    out.items = toStructural(node['items'] as TSchema, `${path}[]`);
    out['x-kubernetes-list-type'] =
      (node['x-kubernetes-list-type'] as string | undefined) ?? 'atomic';
  }
  if (typeof node['x-kubernetes-map-type'] === 'string') {
    out['x-kubernetes-map-type'] = node['x-kubernetes-map-type'];
  }
  const rules = node[VALIDATIONS] as JSONSchemaProps['x-kubernetes-validations'];
  if (rules && rules.length > 0) out[VALIDATIONS] = rules.map((r) => ({ ...r }));
  return out;
}
