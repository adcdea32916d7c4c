import { CloneType, type TSchema } from '@sinclair/typebox';

/**
 * A rule that spans several fields. The apiserver checks it as CEL (through
 * `x-kubernetes-validations`); `validateApplication` and `validateAppProject`
 * check the same rule in TypeScript and report the same message.
 */
export interface CrossFieldRule {
  /** CEL expression; `self` is the object the rule is attached to. */
  readonly rule: string;
  /** What the user reads when the rule fails. */
  readonly message: string;
  /** The same rule in TypeScript. */
  readonly holds: (self: Readonly<Record<string, unknown>>) => boolean;
}

/** The OpenAPI extension that carries CEL rules. */
export const VALIDATIONS = 'x-kubernetes-validations';

// Rules by their CEL text: the text travels with every copy TypeBox makes of a
// schema (Type.Optional, CloneType), so the TypeScript twin is always found.
const registry = new Map<string, CrossFieldRule>();

/**
 * Returns a copy of `schema` that carries `rules`. A copy, because the same
 * object schema (a source, say) appears in places where the rules do not
 * belong, such as status written by controllers.
 */
export function withRules<T extends TSchema>(schema: T, rules: readonly CrossFieldRule[]): T {
  for (const r of rules) {
    const known = registry.get(r.rule);
    if (known && known !== r) throw new Error(`CEL rule registered twice: ${r.rule}`);
    registry.set(r.rule, r);
  }
  const existing = (schema[VALIDATIONS] as { rule: string; message: string }[] | undefined) ?? [];
  return CloneType(schema, {
    [VALIDATIONS]: [...existing, ...rules.map(({ rule, message }) => ({ rule, message }))],
  });
}

/** The cross-field rules attached to `schema` with {@link withRules}. */
export function rulesOf(schema: TSchema): CrossFieldRule[] {
  const attached = (schema[VALIDATIONS] as { rule: string }[] | undefined) ?? [];
  return attached.map(({ rule }) => {
    const r = registry.get(rule);
    if (!r) throw new Error(`CEL rule without a TypeScript twin: ${rule}`);
    return r;
  });
}

/** True when `self[key]` is set (CEL's `has()`; null counts as unset, as the apiserver prunes it). */
export function has(self: Readonly<Record<string, unknown>>, key: string): boolean {
  return self[key] !== undefined && self[key] !== null;
}

/** True when `self[key]` is a non-empty string. */
export function hasText(self: Readonly<Record<string, unknown>>, key: string): boolean {
  const v = self[key];
  return typeof v === 'string' && v !== '';
}

/** True when `self[key]` is a non-empty list. */
export function hasItems(self: Readonly<Record<string, unknown>>, key: string): boolean {
  const v = self[key];
  return Array.isArray(v) && v.length > 0;
}

/** Go's `time.ParseDuration` syntax without a sign, as a regular expression both CEL (RE2) and JS accept. */
export const GO_DURATION = '^([0-9]+(\\.[0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$|^0$';

/** Quotes `text` as a CEL string literal. */
export function celString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
