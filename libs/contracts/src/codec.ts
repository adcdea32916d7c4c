import { randomUUID } from 'node:crypto';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { appKey, type AppRef } from './app-ref.js';
import { CommandSchemas, type CommandOf } from './commands.js';
import {
  EVENT_NAMES,
  EventCatalog,
  cloudEventSchema,
  eventType,
  type EventData,
  type EventName,
  type FlotillaEvent,
} from './events.js';
import { eventSubject, type WorkKind } from './subjects.js';

/** Result of decoding a message: the typed value, or why it is unusable. */
export type Decoded<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly reason: 'malformed' | 'unknown-version';
      readonly message: string;
    };

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)));
}

const compiled = new Map<TSchema, TypeCheck<TSchema>>();
function checker(schema: TSchema): TypeCheck<TSchema> {
  let c = compiled.get(schema);
  if (!c) {
    c = TypeCompiler.Compile(schema);
    compiled.set(schema, c);
  }
  return c;
}

function firstErrors(check: TypeCheck<TSchema>, value: unknown): string {
  return [...check.Errors(value)]
    .slice(0, 3)
    .map((e) => `${e.path || '/'}: ${e.message}`)
    .join('; ');
}

function parseJson(bytes: Uint8Array): Decoded<unknown> {
  try {
    return { ok: true, value: JSON.parse(new TextDecoder().decode(bytes)) as unknown };
  } catch (err) {
    return { ok: false, reason: 'malformed', message: `not JSON: ${(err as Error).message}` };
  }
}

/** Encodes a value as the JSON bytes that travel on the bus. */
export function encode(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** Decodes and validates a work command of `kind`; never throws. */
export function decodeCommand<K extends WorkKind>(
  kind: K,
  bytes: Uint8Array,
): Decoded<CommandOf<K>> {
  const json = parseJson(bytes);
  if (!json.ok) return json;
  const value = json.value;
  const version = (value as { version?: unknown } | null)?.version;
  if (typeof value === 'object' && value !== null && version !== 1) {
    return {
      ok: false,
      reason: 'unknown-version',
      message: `unknown ${kind} command version ${JSON.stringify(version)}`,
    };
  }
  const check = checker(CommandSchemas[kind]);
  if (!check.Check(value))
    return { ok: false, reason: 'malformed', message: firstErrors(check, value) };
  return { ok: true, value: value as CommandOf<K> };
}

/** Options for {@link createEvent}. */
export interface EventOptions {
  /** URI reference of the emitting role, e.g. `/flotilla/applier`. */
  readonly source: string;
  readonly id?: string;
  readonly time?: Date;
}

/** Builds a CloudEvent for `app`, checking `data` against the event's schema. */
export function createEvent<N extends EventName>(
  name: N,
  app: AppRef,
  data: EventData<N>,
  options: EventOptions,
): FlotillaEvent<N> {
  const check = checker(EventCatalog[name].data);
  if (!check.Check(data))
    throw new TypeError(`invalid ${name} event data: ${firstErrors(check, data)}`);
  return {
    specversion: '1.0',
    id: options.id ?? randomUUID(),
    source: options.source,
    type: eventType(name),
    subject: appKey(app),
    time: (options.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    data,
  };
}

/** The NATS subject an event is published on. */
export function subjectOfEvent(name: EventName, app: AppRef): string {
  const [category, action] = name.split('.') as [string, string];
  return eventSubject(app, category, action);
}

/** Decodes and validates an event of a known name; never throws. */
export function decodeEvent<N extends EventName>(
  name: N,
  bytes: Uint8Array,
): Decoded<FlotillaEvent<N>> {
  const json = parseJson(bytes);
  if (!json.ok) return json;
  const value = json.value;
  const check = checker(eventEnvelopeSchema(name));
  if (!check.Check(value))
    return { ok: false, reason: 'malformed', message: firstErrors(check, value) };
  return { ok: true, value: value as FlotillaEvent<N> };
}

const NAME_OF_TYPE = new Map(EVENT_NAMES.map((n) => [eventType(n), n]));

/**
 * Decodes any Flotilla event by its CloudEvents `type`; never throws. A type
 * this build does not know is `unknown-version`.
 */
export function decodeAnyEvent(bytes: Uint8Array): Decoded<FlotillaEvent & { name: EventName }> {
  const json = parseJson(bytes);
  if (!json.ok) return json;
  const value = json.value;
  const type = (value as { type?: unknown } | null)?.type;
  const name = typeof type === 'string' ? NAME_OF_TYPE.get(type) : undefined;
  if (!name)
    return { ok: false, reason: 'unknown-version', message: `unknown event type ${String(type)}` };
  const check = checker(eventEnvelopeSchema(name));
  if (!check.Check(value))
    return { ok: false, reason: 'malformed', message: firstErrors(check, value) };
  return { ok: true, value: { ...(value as FlotillaEvent), name } };
}

const envelopes = new Map<EventName, TSchema>();
/** The full CloudEvent schema of one event (cached). */
export function eventEnvelopeSchema(name: EventName): TSchema {
  let s = envelopes.get(name);
  if (!s) {
    s = cloudEventSchema(eventType(name), EventCatalog[name].data);
    envelopes.set(name, s);
  }
  return s;
}
