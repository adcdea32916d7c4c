import { describe, expect, it } from 'vitest';
import { eventFilters, subjectMatches, summary } from '../src/commands/events.js';
import { parseDuration, parseSeconds } from '../src/parse.js';

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
