import { describe, expect, it } from 'vitest';
import { eventFilters, namesOfType, subjectMatches, summary } from '../src/commands/events.js';
import { parseDuration, parseSeconds, parseSince } from '../src/parse.js';

describe('command-line values', () => {
  it('reads durations with units, alone or combined', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('250ms')).toBe(250);
    for (const bad of ['', '10', '10x', 'm10', '1h 30m', '-5m'])
      expect(() => parseDuration(bad), bad).toThrow('use a duration such as');
  });

  it('reads --since as a duration back from now or an RFC 3339 time', () => {
    expect(parseSince('2026-12-02T09:00:00Z').toISOString()).toBe('2026-12-02T09:00:00.000Z');
    expect(parseSince('2026-12-02T10:30:00.5+01:30').toISOString()).toBe(
      '2026-12-02T09:00:00.500Z',
    );
    const before = Date.now();
    const back = parseSince('10m').getTime();
    expect(back).toBeLessThanOrEqual(Date.now() - 600_000);
    expect(back).toBeGreaterThanOrEqual(before - 600_000);
    for (const bad of ['yesterday', '2026-12-02', '2026-13-45T99:00:00Z', '10x'])
      expect(() => parseSince(bad), bad).toThrow('or an RFC 3339 time');
  });

  it('takes only positive seconds', () => {
    expect(parseSeconds('2.5')).toBe(2.5);
    for (const bad of ['0', '-1', 'soon', ''])
      expect(() => parseSeconds(bad), bad).toThrow('positive number');
  });
});

describe('event filters', () => {
  it('turns --app and --type into subjects, and refuses unknown types', () => {
    expect(eventFilters('flotilla', undefined, [])).toEqual(['flotilla.events.flotilla.*.>']);
    expect(eventFilters('*', 'web', ['operation', 'app.sync-changed'])).toEqual([
      'flotilla.events.*.web.operation.>',
      'flotilla.events.*.web.app.sync-changed',
    ]);
    expect(() => eventFilters('flotilla', undefined, ['app.nope'])).toThrow(
      'unknown event type "app.nope"',
    );
    expect(() => eventFilters('flotilla', 'a.b', [])).toThrow('cannot be part of a NATS subject');
  });

  it('selects CloudEvent types by glob, comma-separated lists and full type names', () => {
    expect(namesOfType('hook.*')).toEqual(['hook.started', 'hook.succeeded', 'hook.failed']);
    expect(namesOfType('*.failed')).toEqual(['render.failed', 'operation.failed', 'hook.failed']);
    expect(namesOfType('dev.flotilla.operation.failed.v1')).toEqual(['operation.failed']);
    expect(namesOfType('app.sync*')).toEqual(['app.sync-changed']);
    expect(() => namesOfType('nothing.*')).toThrow('unknown event type "nothing.*"');
    // A whole category is one wildcard subject; a part of one, a subject per event.
    expect(eventFilters('ns', undefined, ['operation.*,hook.failed'])).toEqual([
      'flotilla.events.ns.*.operation.>',
      'flotilla.events.ns.*.hook.failed',
    ]);
    expect(eventFilters('ns', 'web', ['*.failed', 'render.failed'])).toEqual([
      'flotilla.events.ns.web.render.failed',
      'flotilla.events.ns.web.operation.failed',
      'flotilla.events.ns.web.hook.failed',
    ]);
  });

  it('matches subjects as NATS does', () => {
    expect(subjectMatches('a.*.c', 'a.b.c')).toBe(true);
    expect(subjectMatches('a.*.c', 'a.b.d')).toBe(false);
    expect(subjectMatches('a.>', 'a.b.c')).toBe(true);
    expect(subjectMatches('a.>', 'a')).toBe(false);
    expect(subjectMatches('a.b', 'a.b.c')).toBe(false);
  });

  it('summarises an event in a few words', () => {
    expect(
      summary('resource.applied', {
        resource: { group: 'apps', kind: 'Deployment', namespace: 'demo', name: 'web' },
        message: 'configured',
      }),
    ).toBe('Deployment.apps demo/web: configured');
    expect(summary('source.changed', { revisions: ['a'.repeat(40)] })).toBe(
      'revision (none) -> aaaaaaa',
    );
  });
});
