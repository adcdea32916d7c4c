// The Notifier with its Redis outbox sending to real receivers (a webhook
// endpoint that checks the HMAC signature, Slack, Teams, a GitHub-shaped API,
// an SMTP server). The Application, project and settings are given as data:
// reading them from the apiserver is the notifier role's part, tested in
// services/notifier.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import {
  createEvent,
  type EventData,
  type EventName,
  type FlotillaEvent,
} from '@flotilla/contracts';
import { createLogger } from '@flotilla/runtime';
import {
  startEnv,
  startHttpReceiver,
  startSmtpReceiver,
  type HttpReceiver,
  type TestEnv,
} from '@flotilla/testing';
import { Notifier, Outbox, parseNotifyConfig } from '../src/index.js';

const SECRET = 'k3y';
const SHA = 'f'.repeat(40);
const ref = { namespace: 'flotilla', name: 'shop' };

describe('Notifier delivering to real receivers', () => {
  let env: TestEnv;
  let redis: Redis;
  let http: HttpReceiver;
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let notifier: Notifier;
  const app: Record<string, unknown> = {
    metadata: {
      ...ref,
      annotations: {
        'notifications.argoproj.io/subscribe.on-sync-succeeded.audit': '',
        'notifications.argoproj.io/subscribe.on-sync-succeeded.slack': 'deploys',
        'notifications.argoproj.io/subscribe.on-sync-failed.teams': 'ops',
        'notifications.argoproj.io/subscribe.on-sync-failed.email': 'a@example.com',
        'notifications.argoproj.io/subscribe.on-sync-running.github': '',
        'notifications.argoproj.io/subscribe.on-sync-succeeded.unknown': 'x',
      },
    },
    spec: { project: 'default', source: { repoURL: 'git@github.com:acme/shop.git' } },
    status: { sync: { status: 'Synced', revision: SHA }, health: { status: 'Healthy' } },
  };

  /** The settings, pointing at the receivers of the moment. */
  const configure = Object.assign(
    () => {
      configure.current = parseNotifyConfig({
        'service.webhook.audit': `url: ${http.url}/hook\nsignatureSecret: $key`,
        'service.slack': `url: ${http.url}/slack`,
        'service.teams': `recipientUrls:\n  ops: ${http.url}/teams`,
        'service.github': `token: t0k\napiURL: ${http.url}/api`,
        'service.email': `host: 127.0.0.1\nport: ${smtp.port}\nfrom: cd@example.com`,
      });
    },
    { current: undefined as ReturnType<typeof parseNotifyConfig> | undefined },
  );

  beforeAll(async () => {
    env = await startEnv({ redis: true });
    redis = new Redis(env.redis.url);
    http = await startHttpReceiver(SECRET);
    smtp = await startSmtpReceiver();
    configure();
    notifier = new Notifier(
      {
        app: () => Promise.resolve(app),
        project: () => Promise.resolve(undefined),
        settings: () => Promise.resolve({ config: configure.current!, secrets: { key: SECRET } }),
      },
      new Outbox(redis),
      createLogger({ name: 'test', level: 'silent' }),
    );
  });

  afterAll(async () => {
    await http?.[Symbol.asyncDispose]();
    await smtp?.[Symbol.asyncDispose]();
    redis?.disconnect();
    await env?.[Symbol.asyncDispose]();
  });

  const ev = <N extends EventName>(name: N, data: EventData<N>, id: string) =>
    ({ ...createEvent(name, ref, data, { source: '/t', id }), name }) as FlotillaEvent & {
      name: EventName;
    };

  it('sends each notification once, signed, and rejects what has no service', async () => {
    const succeeded = ev(
      'operation.succeeded',
      { operationId: 'o1', revision: SHA, message: 'ok', durationMs: 3 },
      'e1',
    );
    const first = await notifier.handle(succeeded);
    expect(first.failed).toEqual([]);
    expect(first.sent).toBe(2);
    expect(first.rejected.map((r) => r.reason)).toEqual(['service "unknown" is not configured']);
    expect(http.badSignatures).toBe(0);
    const hook = http.accepted.find((a) => a.path === '/hook')!;
    expect(hook.json).toMatchObject({ trigger: 'on-sync-succeeded', app: ref });
    expect(http.accepted.find((a) => a.path === '/slack')!.json).toMatchObject({
      channel: 'deploys',
    });

    // The same event again sends nothing.
    const again = await notifier.handle(succeeded);
    expect(again).toEqual({ sent: 0, rejected: [], failed: [] });
    expect(http.accepted).toHaveLength(2);
  });

  it('sends a failed sync to Teams and by mail, a running one as a GitHub commit status', async () => {
    await notifier.handle(
      ev(
        'operation.failed',
        { operationId: 'o2', revision: SHA, message: 'boom', durationMs: 1 },
        'e2',
      ),
    );
    expect(http.accepted.find((a) => a.path === '/teams')!.json).toMatchObject({
      '@type': 'MessageCard',
    });
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.raw).toContain('Message-ID: <');
    expect(smtp.mails[0]!.raw).toContain('boom');

    await notifier.handle(
      ev(
        'operation.started',
        { operationId: 'o3', trigger: 'manual', dryRun: false, prune: false, revision: SHA },
        'e3',
      ),
    );
    const status = http.accepted.find((a) => a.path === `/api/repos/acme/shop/statuses/${SHA}`)!;
    expect(status.headers['authorization']).toBe('Bearer t0k');
    expect(status.json).toMatchObject({ state: 'pending', context: 'flotilla/shop' });
    // Still running at the next event: on-sync-running does not fire again until it was false.
    const n = http.accepted.length;
    await notifier.handle(ev('app.health-changed', { from: 'Healthy', to: 'Progressing' }, 'e4'));
    expect(http.accepted).toHaveLength(n);
  });

  it('a receiver that is down is retried; the notification is sent once it answers', async () => {
    await http[Symbol.asyncDispose]();
    const down = await notifier.handle(
      ev(
        'operation.succeeded',
        { operationId: 'o5', revision: SHA, message: 'ok', durationMs: 3 },
        'e5',
      ),
    );
    expect(down.sent).toBe(0);
    expect(down.failed.join()).toMatch(/request failed/);
    expect(down.failed.join()).not.toContain('127.0.0.1');
    expect(down.rejected).toHaveLength(1);
    http = await startHttpReceiver(SECRET);
    configure();
    const retried = await notifier.handle(
      ev(
        'operation.succeeded',
        { operationId: 'o5', revision: SHA, message: 'ok', durationMs: 3 },
        'e5',
      ),
    );
    expect(retried).toEqual({ sent: 2, rejected: [], failed: [] });
    expect(http.accepted.map((a) => a.path).sort()).toEqual(['/hook', '/slack']);
  });
});
