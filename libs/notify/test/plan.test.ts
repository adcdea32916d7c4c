import { describe, expect, it } from 'vitest';
import { createEvent, type EventName, type FlotillaEvent } from '@flotilla/contracts';
import {
  appAsOfEvent,
  judge,
  notificationId,
  parseNotifyConfig,
  renderNotification,
} from '../src/index.js';

const ref = { namespace: 'flotilla', name: 'web' };
const ev = <N extends EventName>(name: N, data: Parameters<typeof createEvent<N>>[2]) =>
  ({
    ...createEvent(name, ref, data, { source: '/t', id: `${name}-1` }),
    name,
  }) as FlotillaEvent & { name: EventName };

const config = parseNotifyConfig({ 'service.webhook.hook': 'url: http://x' });
const app = {
  metadata: { name: 'web', namespace: 'flotilla' },
  spec: { source: { repoURL: 'https://github.com/org/web.git' } },
  status: {
    operationState: { phase: 'Succeeded', finishedAt: '2026-01-01T00:00:00Z' },
    health: { status: 'Healthy' },
  },
};

describe('the app as of an event', () => {
  it('an operation that started is Running even when the app already shows it finished', () => {
    const a = appAsOfEvent(
      app,
      ev('operation.started', {
        operationId: 'o',
        trigger: 'manual',
        dryRun: false,
        prune: false,
        revision: 'r1',
      }),
    );
    expect(a).toMatchObject({
      status: { operationState: { phase: 'Running', syncResult: { revision: 'r1' } } },
    });
    expect(app.status.operationState.phase).toBe('Succeeded');
  });

  it('health and sync changes and deletion are laid over the app', () => {
    const degraded = appAsOfEvent(
      app,
      ev('app.health-changed', { from: 'Healthy', to: 'Degraded', message: 'crash' }),
    );
    expect(degraded).toMatchObject({
      status: { health: { status: 'Degraded', message: 'crash' } },
    });
    const deleted = appAsOfEvent(
      app,
      ev('app.deleted', { operationId: 'd', deletedCount: 1, keptCount: 0, durationMs: 1 }),
    );
    expect((deleted['metadata'] as Record<string, unknown>)['deletionTimestamp']).toBeTypeOf(
      'string',
    );
  });
});

describe('judging subscriptions', () => {
  const subs = [
    { trigger: 'on-sync-running', service: 'hook', recipient: '' },
    { trigger: 'on-drift', service: 'hook', recipient: '' },
    { trigger: 'on-nothing', service: 'hook', recipient: '' },
  ];
  it('judges each trigger as of the event; drift fires once per event; unknown triggers are skipped', () => {
    const drift = ev('app.drift-detected', {
      resources: [
        {
          resource: { group: 'apps', kind: 'Deployment', namespace: 'web', name: 'web' },
          fields: ['/spec/replicas'],
        },
      ],
    });
    const env = { app: appAsOfEvent(app, drift), event: drift, context: config.context };
    const { candidates, skipped } = judge(config, subs, env);
    expect(candidates.map((c) => [c.subscription.trigger, c.holds, c.oncePer])).toEqual([
      ['on-sync-running', false, undefined],
      ['on-drift', true, 'app.drift-detected-1'],
    ]);
    expect(skipped[0]?.reason).toMatch(/on-nothing/);
    const id = notificationId(drift.id, candidates[1]!);
    expect(id).toBe(notificationId(drift.id, candidates[1]!));
    expect(id).not.toBe(notificationId('other', candidates[1]!));

    const rendered = renderNotification(
      config,
      candidates[1]!.templates,
      { type: 'webhook', name: 'hook' },
      env,
    );
    expect(rendered.message).toContain('Deployment web/web: /spec/replicas');
  });

  it('GitHub parts find the repository and revision by default', () => {
    const e = ev('operation.succeeded', {
      operationId: 'o',
      message: 'ok',
      durationMs: 1,
      revision: 'a'.repeat(40),
    });
    const env = { app: appAsOfEvent(app, e), event: e, context: config.context };
    const r = renderNotification(
      config,
      ['app-sync-succeeded'],
      { type: 'github', name: 'github' },
      env,
    );
    expect(r.github).toMatchObject({
      repoURLPath: 'https://github.com/org/web.git',
      revisionPath: 'a'.repeat(40),
      status: { state: 'success', label: 'flotilla/web' },
    });
  });
});
