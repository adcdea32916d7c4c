import { describe, expect, it } from 'vitest';
import { parseNotifyConfig, resolveSecrets, subscriptionsOf } from '../src/index.js';

const config = parseNotifyConfig({
  'service.slack': 'url: $slack-url',
  'service.webhook.audit': 'url: https://audit.example\nsignatureSecret: $audit-key',
  'trigger.on-custom': "- when: app.metadata.name == 'web'\n  send: [app-sync-succeeded]",
  'trigger.broken': '- when: app.metadata.name ==\n  send: [x]',
  defaultTriggers: '[on-sync-failed, on-health-degraded]',
  subscriptions: "- recipients: ['slack:ops']\n  triggers: [on-sync-failed]\n  selector: team=a",
  context: 'flotillaUrl: https://cd.example',
});

const meta = (annotations: Record<string, string>, labels: Record<string, string> = {}) => ({
  metadata: { annotations, labels },
});

describe('subscriptions', () => {
  it('reads Argo CD and Flotilla annotations with semicolon lists, from the app and its project', () => {
    const subs = subscriptionsOf(
      config,
      meta({
        'notifications.argoproj.io/subscribe.on-sync-succeeded.slack': 'dev; ops',
        'notifications.flotilla.dev/subscribe.on-drift.audit': '',
      }),
      meta({ 'notifications.argoproj.io/subscribe.on-deployed.slack': 'releases' }),
    );
    expect(subs).toEqual(
      expect.arrayContaining([
        { trigger: 'on-sync-succeeded', service: 'slack', recipient: 'dev' },
        { trigger: 'on-sync-succeeded', service: 'slack', recipient: 'ops' },
        { trigger: 'on-drift', service: 'audit', recipient: '' },
        { trigger: 'on-deployed', service: 'slack', recipient: 'releases' },
      ]),
    );
    expect(subs).toHaveLength(4);
  });

  it('subscribe.<service> uses the default triggers; the ConfigMap list matches by label', () => {
    const subs = subscriptionsOf(
      config,
      meta({ 'notifications.argoproj.io/subscribe.slack': 'x' }, { team: 'a' }),
    );
    expect(subs.map((s) => `${s.trigger}/${s.service}/${s.recipient}`).sort()).toEqual([
      'on-health-degraded/slack/x',
      'on-sync-failed/slack/ops',
      'on-sync-failed/slack/x',
    ]);
    expect(subscriptionsOf(config, meta({}, { team: 'b' }))).toEqual([]);
  });
});

describe('notification settings', () => {
  it('keeps good entries, reports broken ones, and knows the catalog', () => {
    expect(config.problems).toEqual([expect.stringMatching(/^trigger\.broken: /)]);
    expect(config.triggers.has('on-custom')).toBe(true);
    expect(config.triggers.has('on-deployed')).toBe(true);
    expect(config.services.get('audit')?.type).toBe('webhook');
    expect(config.context['flotillaUrl']).toBe('https://cd.example');
  });

  it('an unknown service type is reported', () => {
    expect(parseNotifyConfig({ 'service.pagerduty': 'x: 1' }).problems[0]).toMatch(
      /unsupported service type "pagerduty"/,
    );
  });

  it('resolves $key references from the Secret and leaves unknown ones', () => {
    expect(
      resolveSecrets(
        { url: '$slack-url', h: [{ value: 'Bearer $tok' }], n: 1, o: '$none' },
        { 'slack-url': 'https://hooks', tok: 't' },
      ),
    ).toEqual({
      url: 'https://hooks',
      h: [{ value: 'Bearer t' }],
      n: 1,
      o: '$none',
    });
  });
});
