import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  EVENT_NAMES,
  EventCatalog,
  createEvent,
  decodeCommand,
  decodeEvent,
  encode,
  publishedSchemas,
  renderEventsDoc,
  subjectOfEvent,
  workSubject,
  eventType,
  operationIdOf,
} from '../src/index.js';

const app = { namespace: 'flotilla', name: 'guestbook' };
const docs = join(import.meta.dirname, '..', '..', '..', 'docs');

describe('operation ids', () => {
  it('tell apart two operations of one app started in the same second', () => {
    const at = Date.parse('2026-12-03T10:00:00.100Z');
    const a = operationIdOf('op', app, at);
    expect(a).toBe(`op-flotilla_guestbook-${at}`);
    expect(operationIdOf('op', app, at + 400)).not.toBe(a);
    expect(operationIdOf('op', { namespace: 'flotilla-guestbook', name: 'x' }, at)).not.toBe(
      operationIdOf('op', { namespace: 'flotilla', name: 'guestbook-x' }, at),
    );
  });
});

describe('work commands', () => {
  it('decode a valid command', () => {
    const res = decodeCommand(
      'render',
      encode({ version: 1, kind: 'render', app, reason: 'poll', refresh: 'hard' }),
    );
    expect(res).toEqual({
      ok: true,
      value: { version: 1, kind: 'render', app, reason: 'poll', refresh: 'hard' },
    });
  });

  it('reject bytes that are not JSON as malformed', () => {
    const res = decodeCommand('diff', new TextEncoder().encode('{not json'));
    expect(res).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('reject an unknown version without guessing', () => {
    const res = decodeCommand(
      'sync',
      encode({ version: 2, kind: 'sync', app, reason: 'x', trigger: 'automated' }),
    );
    expect(res).toMatchObject({
      ok: false,
      reason: 'unknown-version',
      message: 'unknown sync command version 2',
    });
  });

  it('name the failing field of a command that breaks its schema', () => {
    const res = decodeCommand(
      'sync',
      encode({
        version: 1,
        kind: 'sync',
        app: { namespace: 'Bad NS', name: 'x' },
        reason: 'x',
        trigger: 'automated',
      }),
    );
    expect(res.ok).toBe(false);
    expect(!res.ok && res.message).toContain('/app/namespace');
  });

  it('reject a command of another kind', () => {
    const res = decodeCommand('render', encode({ version: 1, kind: 'diff', app, reason: 'x' }));
    expect(res).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('go to per-app subjects', () => {
    expect(workSubject('render', app)).toBe('flotilla.work.render.flotilla.guestbook');
  });
});

describe('events', () => {
  it.each(EVENT_NAMES)('%s: the documented example is valid and round-trips', (name) => {
    const event = createEvent(name, app, EventCatalog[name].example as never, {
      source: '/flotilla/test',
    });
    expect(event.type).toBe(eventType(name));
    expect(event.subject).toBe('flotilla/guestbook');
    const decoded = decodeEvent(name, encode(event));
    expect(decoded).toEqual({ ok: true, value: event });
  });

  it('refuse to build an event with invalid data', () => {
    expect(() =>
      createEvent('app.health-changed', app, { from: 'Healthy' } as never, { source: '/x' }),
    ).toThrow(/invalid app.health-changed/);
  });

  it('are published on flotilla.events.<ns>.<app>.<category>.<action>', () => {
    expect(subjectOfEvent('operation.wave-completed', app)).toBe(
      'flotilla.events.flotilla.guestbook.operation.wave-completed',
    );
  });

  it('published JSON Schemas validate the examples', () => {
    // An independent validator reads the published files, as a consumer would.
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    const schemas = publishedSchemas();
    for (const name of EVENT_NAMES) {
      const validate = ajv.compile(schemas[`events/${eventType(name)}.json`] as object);
      const event = createEvent(name, app, EventCatalog[name].example as never, {
        source: '/flotilla/test',
      });
      expect(validate(event), JSON.stringify(validate.errors)).toBe(true);
      expect(validate({ ...event, data: {} })).toBe(false);
    }
  });
});

describe('published docs', () => {
  it('docs/events.md is up to date (npx tsx libs/contracts/scripts/gen-docs.ts)', async () => {
    expect(await readFile(join(docs, 'events.md'), 'utf8')).toBe(renderEventsDoc());
  });

  it('docs/schemas is up to date', async () => {
    for (const [file, schema] of Object.entries(publishedSchemas())) {
      expect(JSON.parse(await readFile(join(docs, 'schemas', file), 'utf8'))).toEqual(schema);
    }
  });
});
