import type { TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { API_VERSION } from './group.js';
import { rulesOf } from './rules.js';
import { Application } from './schema/application.js';
import { AppProject } from './schema/app-project.js';
import { ApplicationSet } from './schema/application-set.js';

/** One problem with an object, at a field path such as `spec.sources[0].repoURL`. */
export interface ValidationError {
  readonly path: string;
  readonly message: string;
}

/** Outcome of validating an object: `ok` when `errors` is empty. */
export interface ValidationResult {
  readonly ok: boolean;
  readonly errors: readonly ValidationError[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Turns a JSON pointer into a field path, using the value to tell list indexes from map keys. */
function fieldPath(pointer: string, root: unknown): string {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let path = '';
  let at: unknown = root;
  for (const seg of segments) {
    if (Array.isArray(at)) path += `[${seg}]`;
    else if (IDENT.test(seg)) path += path ? `.${seg}` : seg;
    else path += `[${JSON.stringify(seg)}]`;
    at = Array.isArray(at) ? at[Number(seg)] : isObject(at) ? at[seg] : undefined;
  }
  return path;
}

function describeUnion(schema: TSchema): string {
  if (schema['x-kubernetes-int-or-string']) return 'must be an integer or a string';
  const values = ((schema['anyOf'] as TSchema[] | undefined) ?? []).map(
    (m) => m['const'] as unknown,
  );
  return `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
}

function message(error: ValueError): string {
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.ObjectAdditionalProperties:
      return 'is not a known field';
    case ValueErrorType.String:
      return 'must be a string';
    case ValueErrorType.Integer:
      return 'must be an integer';
    case ValueErrorType.Number:
      return 'must be a number';
    case ValueErrorType.Boolean:
      return 'must be true or false';
    case ValueErrorType.Object:
      return 'must be an object';
    case ValueErrorType.Array:
      return 'must be a list';
    case ValueErrorType.Literal:
      return `must be ${JSON.stringify(error.schema['const'])}`;
    case ValueErrorType.Union:
      return describeUnion(error.schema);
    case ValueErrorType.StringFormat:
      return error.schema['format'] === 'date-time'
        ? 'must be an RFC 3339 time, such as 2026-01-02T15:04:05Z'
        : `must be in ${String(error.schema['format'])} format`;
    case ValueErrorType.StringPattern:
      return `must match ${String(error.schema['pattern'])}`;
    case ValueErrorType.StringMaxLength:
      return `must be at most ${String(error.schema['maxLength'])} characters`;
    default:
      return error.message;
  }
}

// Cross-field rules, attached to schema nodes, checked wherever the value has that node.
function checkRules(
  schema: TSchema,
  value: unknown,
  pointer: string,
  out: [string, string][],
): void {
  if (isObject(value)) {
    for (const r of rulesOf(schema)) {
      let holds = false;
      try {
        holds = r.holds(value);
      } catch {
        holds = false;
      }
      if (!holds) out.push([pointer, r.message]);
    }
    const properties = schema['properties'] as Record<string, TSchema> | undefined;
    for (const [key, child] of Object.entries(properties ?? {})) {
      if (value[key] !== undefined) checkRules(child, value[key], `${pointer}/${key}`, out);
    }
    const patterns = schema['patternProperties'] as Record<string, TSchema> | undefined;
    const valueSchema = patterns && Object.values(patterns)[0];
    if (valueSchema) {
      for (const [key, v] of Object.entries(value))
        checkRules(valueSchema, v, `${pointer}/${key}`, out);
    }
  } else if (Array.isArray(value) && schema['items']) {
    value.forEach((v, i) => checkRules(schema['items'] as TSchema, v, `${pointer}/${i}`, out));
  }
}

function validate(schema: TSchema, kind: string, value: unknown): ValidationResult {
  if (
    isObject(value) &&
    typeof value['apiVersion'] === 'string' &&
    value['apiVersion'] !== API_VERSION
  ) {
    const hint = value['apiVersion'].startsWith('argoproj.io/')
      ? ' (this is an Argo CD manifest: convert it with convertArgoManifest)'
      : '';
    return {
      ok: false,
      errors: [{ path: 'apiVersion', message: `must be ${JSON.stringify(API_VERSION)}${hint}` }],
    };
  }
  const found: [string, string][] = [];
  const seen = new Set<string>();
  for (const e of Value.Errors(schema, value)) {
    // One message per field: TypeBox also reports "must be a string" for a missing one.
    if (seen.has(e.path)) continue;
    seen.add(e.path);
    found.push([e.path, message(e)]);
  }
  checkRules(schema, value, '', found);
  const errors = found.map(([pointer, msg]) => ({
    path: fieldPath(pointer, value) || kind,
    message: msg,
  }));
  return { ok: errors.length === 0, errors };
}

/** Checks an Application against the schema and the same cross-field rules the apiserver applies. */
export function validateApplication(value: unknown): ValidationResult {
  return validate(Application, 'Application', value);
}

/** Checks an AppProject against the schema and the same cross-field rules the apiserver applies. */
export function validateAppProject(value: unknown): ValidationResult {
  return validate(AppProject, 'AppProject', value);
}

/** Checks an ApplicationSet against its schema (templates are checked once rendered). */
export function validateApplicationSet(value: unknown): ValidationResult {
  return validate(ApplicationSet, 'ApplicationSet', value);
}

/** Formats validation errors one per line, as `path: message`. */
export function formatValidationErrors(errors: readonly ValidationError[]): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join('\n');
}
