import { describe, expect, it } from 'vitest';
import { CATALOG_TRIGGERS, compileExpr, holds } from '../src/index.js';

const app = (
  status: Record<string, unknown>,
  metadata: Record<string, unknown> = { name: 'guestbook' },
) => ({
  app: { metadata, status },
});

const when = (trigger: string) => compileExpr(CATALOG_TRIGGERS[trigger]![0]!.when);
const oncePer = (trigger: string) => compileExpr(CATALOG_TRIGGERS[trigger]![0]!.oncePer!);

describe('catalog trigger conditions', () => {
  it.each([
    ['on-sync-succeeded', { operationState: { phase: 'Succeeded' } }, true],
    ['on-sync-succeeded', { operationState: { phase: 'Failed' } }, false],
    ['on-sync-succeeded', {}, false],
    ['on-sync-failed', { operationState: { phase: 'Error' } }, true],
    ['on-sync-failed', { operationState: { phase: 'Failed' } }, true],
    ['on-sync-failed', { operationState: { phase: 'Running' } }, false],
    ['on-sync-running', { operationState: { phase: 'Running' } }, true],
    ['on-sync-status-unknown', { sync: { status: 'Unknown' } }, true],
    ['on-sync-status-unknown', { sync: { status: 'Synced' } }, false],
    ['on-health-degraded', { health: { status: 'Degraded' } }, true],
    ['on-health-degraded', { health: { status: 'Healthy' } }, false],
  ])('%s with %j is %s', (trigger, status, expected) => {
    expect(holds(when(trigger), app(status))).toBe(expected);
  });

  it('on-deployed holds once health turned Healthy no earlier than the sync finished', () => {
    const op = {
      phase: 'Succeeded',
      finishedAt: '2026-01-01T10:00:00Z',
      syncResult: { revision: 'abc' },
    };
    const healthyAfter = {
      operationState: op,
      health: { status: 'Healthy', lastTransitionTime: '2026-01-01T10:00:05Z' },
    };
    const healthyBefore = {
      operationState: op,
      health: { status: 'Healthy', lastTransitionTime: '2026-01-01T09:00:00Z' },
    };
    expect(holds(when('on-deployed'), app(healthyAfter))).toBe(true);
    expect(holds(when('on-deployed'), app(healthyBefore))).toBe(false);
    expect(
      holds(when('on-deployed'), app({ operationState: op, health: { status: 'Progressing' } })),
    ).toBe(false);
    expect(holds(when('on-deployed'), app({}))).toBe(false);
    expect(oncePer('on-deployed')(app(healthyAfter))).toBe('abc');
  });

  it('on-created always holds, once per app name; on-deleted once a deletion started', () => {
    expect(holds(when('on-created'), app({}))).toBe(true);
    expect(oncePer('on-created')(app({}))).toBe('guestbook');
    expect(holds(when('on-deleted'), app({}))).toBe(false);
    expect(
      holds(when('on-deleted'), app({}, { name: 'g', deletionTimestamp: '2026-01-01T00:00:00Z' })),
    ).toBe(true);
  });
});

describe('expressions users write', () => {
  const env = {
    app: {
      metadata: {
        name: 'web',
        annotations: { 'example.com/version': 'v2' },
        labels: { team: 'a' },
      },
      status: { resources: [1, 2, 3], sync: { status: 'OutOfSync' } },
    },
  };
  it.each([
    ["app.metadata.annotations['example.com/version'] == 'v2'", true],
    ['app.metadata.annotations["example.com/version"] != "v2"', false],
    ["app.status.sync.status not in ['Synced']", true],
    ["not (app.status.sync.status == 'Synced') && len(app.status.resources) > 2", true],
    ["app.metadata.name startsWith 'we' or false", true],
    ["app.metadata.name matches '^w.b$'", true],
    ['app.status.operationState?.phase == nil', true],
    ['1 + 2 * 3 == 7', true],
    ["'team' in app.metadata.labels", true],
  ])('%s → %s', (src, expected) => {
    expect(compileExpr(src)(env)).toBe(expected);
  });

  it('a non-boolean result does not hold', () => {
    expect(holds(compileExpr('app.metadata.name'), env)).toBe(false);
  });

  it.each(['app.status ==', 'sum(1, 2)', "app.x | 'y'"])('%s is a clear error', (src) => {
    expect(() => compileExpr(src)(env)).toThrow(/expected|unsupported|unexpected/);
  });
});
