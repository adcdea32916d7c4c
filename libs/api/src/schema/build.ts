import {
  FormatRegistry,
  Type,
  type TArray,
  type TBoolean,
  type TInteger,
  type TLiteral,
  type TObject,
  type TProperties,
  type TRecord,
  type TString,
  type TUnion,
  type TUnknown,
  type StringOptions,
  type IntegerOptions,
  type TSchema,
  type ArrayOptions,
} from '@sinclair/typebox';

// Small builders so that every field carries a description (kubectl explain
// shows it) and every object rejects unknown fields in TypeScript validation.
// The CRD generator turns these into a structural schema.

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)));
}

/** Marks an int-or-string field, as Kubernetes' `intstr.IntOrString`. */
export const INT_OR_STRING = 'x-kubernetes-int-or-string';
/** Marks a free-form object whose content the apiserver keeps as is. */
export const PRESERVE_UNKNOWN = 'x-kubernetes-preserve-unknown-fields';

/** An object with known fields only. */
export function obj<P extends TProperties>(description: string, props: P): TObject<P> {
  return Type.Object(props, { description, additionalProperties: false });
}

/**
 * An object with known fields only that server-side apply treats as one
 * value: a manager that applies it owns all of it, so a field it leaves out
 * is gone, whoever set it.
 */
export function atomicObj<P extends TProperties>(description: string, props: P): TObject<P> {
  return Type.Object(props, {
    description,
    additionalProperties: false,
    'x-kubernetes-map-type': 'atomic',
  });
}

/** A string field. */
export function str(description: string, options: StringOptions = {}): TString {
  return Type.String({ ...options, description });
}

/** A boolean field. */
export function bool(description: string): TBoolean {
  return Type.Boolean({ description });
}

/** A 64-bit integer field. */
export function int64(description: string, options: IntegerOptions = {}): TInteger {
  return Type.Integer({ ...options, description, format: 'int64' });
}

/** An RFC 3339 timestamp, as `metav1.Time`. */
export function time(description: string): TString {
  return Type.String({ description, format: 'date-time' });
}

/** A list of strings. */
export function strings(description: string): TArray<TString> {
  return Type.Array(Type.String(), { description });
}

/** A list of objects (or anything else). */
export function list<T extends TSchema>(
  description: string,
  items: T,
  options: ArrayOptions = {},
): TArray<T> {
  return Type.Array(items, { ...options, description });
}

/** A string-to-string map, such as labels. */
export function stringMap(description: string): TRecord<TString, TString> {
  return Type.Record(Type.String(), Type.String(), { description });
}

/** A string-to-boolean map. */
export function boolMap(description: string): TRecord<TString, TBoolean> {
  return Type.Record(Type.String(), Type.Boolean(), { description });
}

/** A free-form object, kept as written (Helm values, for instance). */
export function freeform(description: string): TRecord<TString, TUnknown> {
  return Type.Record(Type.String(), Type.Unknown(), { description, [PRESERVE_UNKNOWN]: true });
}

/** An integer or a string, as Kubernetes' `intstr.IntOrString`. */
export function intOrString(description: string): TUnion<[TInteger, TString]> {
  return Type.Union([Type.Integer(), Type.String()], { description, [INT_OR_STRING]: true });
}

/** One of the values of a const map (see enums.ts). */
export function oneOf<T extends Record<string, string>>(
  values: T,
  description: string,
): TUnion<TLiteral<T[keyof T]>[]> {
  const literals = Object.values(values).map((v) => Type.Literal(v));
  return Type.Union(literals, { description }) as unknown as TUnion<TLiteral<T[keyof T]>[]>;
}

/** Marks a field optional. */
export const opt = Type.Optional;
