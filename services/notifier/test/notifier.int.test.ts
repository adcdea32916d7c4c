// The notifier as its own process against a real apiserver, NATS and Redis,
// delivering to real receivers: a webhook endpoint that verifies the HMAC
// signature, Slack and Teams webhooks, a GitHub-shaped API and an SMTP server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { API_VERSION, applicationStatusPath } from '@flotilla/api';
import { connectBus, createPublisher, provisionBus, type BusPublisher } from '@flotilla/bus';
import {
  Streams,
  createEvent,
  encode,
  subjectOfEvent,
  type AppRef,
  type EventData,
  type EventName,
} from '@flotilla/contracts';
import { installCrds, rawRequest } from '@flotilla/kube';
import {
  serviceEnv,
  startEnv,
  startServiceProcess,
  streamMessages,
  waitFor,
  startHttpReceiver,
  startSmtpReceiver,
  type HttpReceiver,
  type ServiceProcess,
  type TestEnv,
} from '@flotilla/testing';

const SECRET = 'hmac-key-for-tests';
/** A limit, not an expectation: a loaded machine is slow. */
const LIMIT = { timeoutMs: 60_000 };
const SHA = 'c0ffee'.padEnd(40, '0');

describe('notifier', () => {
  let env: TestEnv;
  let ns: string;
  let nc: NatsConnection;
  let bus: BusPublisher;
  let http: HttpReceiver;
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let notifier: ServiceProcess;
  const start = () =>
    startServiceProcess(
      'notifier',
      serviceEnv(env, ns, {
        FLOTILLA_WORK_ACK_WAIT_SECONDS: '3',
        FLOTILLA_NOTIFY_RETRY_INITIAL_SECONDS: '1',
      }),
    );

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('notify');
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    await provisionBus(nc);
    bus = createPublisher(nc);
    http = await startHttpReceiver(SECRET);
    smtp = await startSmtpReceiver();
    await env.kube.core.createNamespacedConfigMap({
      namespace: ns,
      body: {
        metadata: { name: 'flotilla-notifications-cm' },
        data: {
          'service.webhook.audit': `url: ${http.url}/hook\nsignatureSecret: $audit-key\nheaders:\n- name: X-Team\n  value: payments`,
          'service.webhook.slow': `url: ${http.url}/slow`,
          'service.slack': `url: $slack-url`,
          'service.teams': `recipientUrls:\n  ops: $teams-ops`,
          'service.github': `token: $gh-token\napiURL: ${http.url}/api`,
          'service.email': `host: 127.0.0.1\nport: ${smtp.port}\nfrom: flotilla@example.com`,
          'template.app-sync-succeeded': [
            'message: Synced {{.app.metadata.name}} at {{.app.status.operationState.syncResult.revision}}',
            'webhook:',
            '  audit:',
            '    method: PUT',
            '    path: /synced',
            '    body: \'{"app": "{{.app.metadata.name}}", "revision": "{{.app.status.operationState.syncResult.revision}}"}\'',
          ].join('\n'),
          context: 'flotillaUrl: https://cd.example',
        },
      },
    });
    await env.kube.core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: 'flotilla-notifications-secret' },
        stringData: {
          'audit-key': SECRET,
          'slack-url': `${http.url}/slack/T0/B0`,
          'teams-ops': `${http.url}/teams/ops`,
          'gh-token': 'ghp_secret_token_value',
        },
      },
    });
    notifier = await start();
  });

  afterAll(async () => {
    await notifier?.kill();
    await http?.[Symbol.asyncDispose]();
    await smtp?.[Symbol.asyncDispose]();
    await nc?.drain();
    await env?.[Symbol.asyncDispose]();
  });

  const createApp = async (
    name: string,
    annotations: Record<string, string>,
    status: Record<string, unknown>,
  ) => {
    await rawRequest(env.kube.kc, {
      method: 'POST',
      path: `/apis/${API_VERSION}/namespaces/${ns}/applications`,
      body: {
        apiVersion: API_VERSION,
        kind: 'Application',
        metadata: { name, namespace: ns, annotations },
        spec: {
          project: 'default',
          source: {
            repoURL: 'https://github.com/acme/shop.git',
            path: 'deploy',
            targetRevision: 'main',
          },
          destination: { server: 'https://kubernetes.default.svc', namespace: name },
        },
      },
    });
    await rawRequest(env.kube.kc, {
      method: 'PATCH',
      path: applicationStatusPath(ns, name),
      contentType: 'application/merge-patch+json',
      body: { status },
    });
  };

  const emit = <N extends EventName>(name: N, app: string, data: EventData<N>, id: string) => {
    const ref: AppRef = { namespace: ns, name: app };
    return bus.event(name, ref, createEvent(name, ref, data, { source: '/test', id }));
  };

  /** Waits until the notifier's consumer has settled everything in the stream. */
  const settled = () =>
    waitFor(
      'the notifier to settle every event',
      async () => {
        const jsm = await jetstreamManager(nc);
        const info = await jsm.consumers.info(Streams.Events, 'flotilla-notifier');
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      { timeoutMs: 60_000 },
    );

  it('sends each subscribed notification once, to every kind of service', async () => {
    const finished = '2026-06-01T10:00:00Z';
    await createApp(
      'shop',
      {
        'notifications.argoproj.io/subscribe.on-sync-succeeded.audit': '',
        'notifications.argoproj.io/subscribe.on-sync-succeeded.teams': 'ops',
        'notifications.argoproj.io/subscribe.on-deployed.github': '',
        'notifications.flotilla.dev/subscribe.on-sync-failed.slack': 'alerts',
        'notifications.argoproj.io/subscribe.on-sync-failed.email': 'team@example.com',
        'notifications.argoproj.io/subscribe.on-sync-succeeded.pagerduty': 'nobody',
      },
      {
        sync: { status: 'Synced', revision: SHA },
        health: { status: 'Healthy', lastTransitionTime: '2026-06-01T10:00:30Z' },
        operationState: {
          operation: { sync: { revision: SHA } },
          phase: 'Succeeded',
          message: 'successfully synced',
          startedAt: '2026-06-01T09:59:00Z',
          finishedAt: finished,
          syncResult: { revision: SHA },
        },
      },
    );
    const succeeded = {
      operationId: 'op-1',
      revision: SHA,
      message: 'successfully synced',
      durationMs: 60_000,
    };
    await emit('operation.succeeded', 'shop', succeeded, 'ev-succeeded-1');

    await waitFor(
      'webhook, teams and github deliveries',
      () =>
        ['/hook/synced', '/teams/ops', `/api/repos/acme/shop/statuses/${SHA}`].every((p) =>
          http.accepted.some((a) => a.path === p),
        ) && http.accepted.some((a) => /deployments\/\d+\/statuses$/.test(a.path)),
      LIMIT,
    );
    await settled();

    const hook = http.accepted.filter((a) => a.path === '/hook/synced');
    expect(hook).toHaveLength(1);
    expect(hook[0]!.method).toBe('PUT');
    expect(hook[0]!.json).toEqual({ app: 'shop', revision: SHA });
    expect(hook[0]!.headers['x-team']).toBe('payments');
    expect(http.badSignatures).toBe(0);

    const teams = http.accepted.find((a) => a.path === '/teams/ops')!.json as Record<
      string,
      unknown
    >;
    expect(teams['@type']).toBe('MessageCard');
    expect(String(teams['text'])).toContain(`Synced shop at ${SHA}`);

    const status = http.accepted.find((a) => a.path.endsWith(`/statuses/${SHA}`))!;
    expect(status.headers['authorization']).toBe('Bearer ghp_secret_token_value');
    expect(status.json).toMatchObject({ state: 'success', context: 'flotilla/shop' });
    const depStatus = http.accepted.find((a) => /deployments\/\d+\/statuses$/.test(a.path))!;
    expect(depStatus.json).toMatchObject({ state: 'success' });

    // A subscription to a service nobody configured is dead-lettered with the reason.
    const dead = await streamMessages(nc, Streams.Events, 'flotilla.deadletter.notify');
    expect(dead.map((d) => d['data'])).toEqual([
      expect.objectContaining({
        workKind: 'notify',
        reason: 'rejected',
        error: expect.stringContaining('"pagerduty" is not configured'),
      }),
    ]);

    // The same event again (another message, same event id): nothing is sent twice.
    const ref = { namespace: ns, name: 'shop' };
    const again = createEvent('operation.succeeded', ref, succeeded, {
      source: '/test',
      id: 'ev-succeeded-1',
    });
    await bus.raw(subjectOfEvent('operation.succeeded', ref), encode(again), {
      msgId: 'another-message',
    });
    await settled();
    expect(http.accepted.filter((a) => a.path === '/hook/synced')).toHaveLength(1);
    expect(http.accepted.filter((a) => a.path === '/teams/ops')).toHaveLength(1);

    // A failed sync: Slack (the Flotilla spelling) and email.
    await emit(
      'operation.failed',
      'shop',
      { operationId: 'op-2', revision: SHA, message: 'one or more tasks failed', durationMs: 5 },
      'ev-failed-2',
    );
    await waitFor(
      'slack and email',
      () => smtp.mails.length > 0 && http.accepted.some((a) => a.path === '/slack/T0/B0'),
      LIMIT,
    );
    await settled();
    const slack = http.accepted.filter((a) => a.path === '/slack/T0/B0');
    expect(slack).toHaveLength(1);
    expect(slack[0]!.json).toMatchObject({
      channel: 'alerts',
      text: expect.stringContaining('has failed'),
    });
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.to).toEqual(['team@example.com']);
    expect(smtp.mails[0]!.raw).toMatch(
      /Subject: The sync operation of application shop has failed/,
    );
    // The body is quoted-printable: soft line breaks (`=` at a line end) are not text.
    expect(smtp.mails[0]!.raw.replace(/=\r?\n/g, '')).toContain('one or more tasks failed');

    // Secrets never reach the logs.
    const logs = JSON.stringify(notifier.lines);
    for (const secret of [SECRET, 'ghp_secret_token_value', '/slack/T0/B0', '/teams/ops'])
      expect(logs).not.toContain(secret);
  });

  it('a notifier killed mid-delivery delivers each notification exactly once after restart', async () => {
    await createApp(
      'cart',
      { 'notifications.argoproj.io/subscribe.on-sync-running.slow': '' },
      { sync: { status: 'OutOfSync' }, health: { status: 'Healthy' } },
    );
    let heldCount = 0;
    http.hold('/slow', () => heldCount++);
    const started = (n: number) => ({
      operationId: `op-${n}`,
      trigger: 'manual',
      dryRun: false,
      prune: false,
      revision: SHA,
    });
    await emit('operation.started', 'cart', started(1), 'cart-started-1');
    await waitFor('the first delivery to reach the receiver', () => heldCount === 1, LIMIT);

    await notifier.kill('SIGKILL');
    await http.heldClientsGone();
    http.release();
    // Published while no notifier runs: the durable consumer keeps them. The
    // end of the first operation turns on-sync-running false, so the second start fires again.
    await emit(
      'operation.succeeded',
      'cart',
      { operationId: 'op-1', revision: SHA, message: 'ok', durationMs: 1 },
      'cart-succeeded-1',
    );
    await emit('operation.started', 'cart', started(2), 'cart-started-2');
    notifier = await start();

    await waitFor(
      'both notifications accepted',
      () => http.accepted.filter((a) => a.path === '/slow').length >= 2,
      LIMIT,
    );
    await settled();
    const ids = http.accepted
      .filter((a) => a.path === '/slow')
      .map((a) => a.headers['x-flotilla-delivery']);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    expect(heldCount).toBe(1);
  });

  it('role processes expose notification and per-app metrics on /metrics', async () => {
    const scrape = async (p: ServiceProcess) => {
      const port = p.lines.find((l) => l['msg'] === 'serving /healthz, /readyz and /metrics')?.[
        'port'
      ];
      const res = await fetch(`http://127.0.0.1:${String(port)}/metrics`);
      return res.text();
    };
    const text = await scrape(notifier);
    expect(text).toMatch(
      /flotilla_notifications_total\{service_type="webhook",trigger="on-sync-running",outcome="sent"\} [1-9]/,
    );

    await using differ = await startServiceProcess('differ', serviceEnv(env, ns));
    const metrics = await scrape(differ);
    const info = metrics
      .split('\n')
      .find((l) => l.startsWith('flotilla_app_info{') && l.includes('name="shop"'));
    expect(info).toContain(`namespace="${ns}"`);
    expect(info).toContain('project="default",repo="https://github.com/acme/shop.git"');
    expect(info).toContain('dest_server="https://kubernetes.default.svc",dest_namespace="shop"');
    expect(info).toMatch(/operation="Succeeded"\} 1$/);
    expect(metrics).toContain(
      `flotilla_app_last_sync_success_timestamp_seconds{namespace="${ns}",name="shop"} ${Date.parse('2026-06-01T10:00:00Z') / 1000}`,
    );
    // The notifier read the Applications it notified about.
    expect(text).toMatch(
      /flotilla_kube_api_requests_total\{server="[^"]+",verb="get",kind="applications",code="200"\} [1-9]/,
    );
    // A role with a live-state cache reports its cluster.
    await using hooks = await startServiceProcess('hook-runner', serviceEnv(env, ns));
    const cluster = await scrape(hooks);
    expect(cluster).toMatch(/flotilla_cluster_reachable\{server="https:\/\/[^"]+"\} 1/);
    expect(cluster).toMatch(/flotilla_cluster_cache_resources\{server="https:\/\/[^"]+"\} \d+/);
  });
});
