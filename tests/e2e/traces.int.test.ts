import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, type Application, applicationPath } from '@flotilla/api';
import { installCrds, rawRequest } from '@flotilla/kube';
import { notifierRole } from '@flotilla/notifier';
import { startTracing, type Tracing } from '@flotilla/runtime';
import {
  compatDir,
  startEnv,
  startHttpReceiver,
  startRoles,
  startTestCollector,
  waitFor,
  type ExportedSpan,
  type HttpReceiver,
  type RunningRoles,
  type TestCollector,
  type TestEnv,
} from '@flotilla/testing';
import { ALL_ROLES, testRoleEnv } from './support/roles.js';

// The roles run in this process, so this process's tracer provider sends
// their spans; they are joined into one trace only by the `traceparent` each
// bus message carries (commands, and the events the notifier reads), as
// between separate processes.
const HOOK_SECRET = 'trace-test-hmac-key';
describe('traces: one commit, one trace across every role, in a real collector', () => {
  let collector: TestCollector;
  let tracing: Tracing | undefined;
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  let roles: RunningRoles | undefined;
  let receiver: HttpReceiver | undefined;

  beforeAll(async () => {
    collector = await startTestCollector();
    tracing = await startTracing(collector.otelEnv, 'flotilla-test');
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    dest = `tr-${ns.slice(-8)}`;
    repo = await env.git.repo('apps');
    await repo.commitDir(join(compatDir(), 'guestbook'), 'guestbook');
    // A PreSync hook, so the sync has a hook wave for the hook-runner.
    await repo.commit(
      {
        'guestbook/pre-sync-job.yaml': await readFile(
          join(compatDir(), 'pre-post-sync', 'pre-sync-job.yaml'),
          'utf8',
        ),
      },
      'add a PreSync hook',
    );
    // A webhook the app subscribes to, so its syncs are notified.
    receiver = await startHttpReceiver(HOOK_SECRET);
    await env.kube.core.createNamespacedConfigMap({
      namespace: ns,
      body: {
        metadata: { name: 'flotilla-notifications-cm' },
        data: { 'service.webhook.audit': `url: ${receiver.url}/hook\nsignatureSecret: $audit-key` },
      },
    });
    await env.kube.core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: 'flotilla-notifications-secret' },
        stringData: { 'audit-key': HOOK_SECRET },
      },
    });
    roles = await startRoles(env, ns, [notifierRole, ...ALL_ROLES], testRoleEnv(env));
    // A limit, not an expectation: the collector's first build (once per version) takes
    // 3 to 20 minutes on 2 shared cores.
  }, 30 * 60_000);
  afterAll(async () => {
    await roles?.stop();
    await receiver?.[Symbol.asyncDispose]();
    await tracing?.shutdown();
    if (env)
      await rawRequest(env.kube.kc, { method: 'DELETE', path: `/api/v1/namespaces/${dest}` }).catch(
        () => undefined,
      );
    await env?.[Symbol.asyncDispose]();
    await collector?.[Symbol.asyncDispose]();
  });

  const status = async () =>
    (
      await rawRequest<Application>(env.kube.kc, {
        method: 'GET',
        path: applicationPath(ns, 'guestbook'),
      })
    ).status ?? {};
  const syncedAt = async (revision: string) => {
    const s = await status();
    return (
      s.sync?.status === 'Synced' &&
      s.sync.revision === revision &&
      s.operationState?.phase === 'Succeeded' &&
      s.operationState.syncResult?.revision === revision
    );
  };

  it('a commit is polled, rendered, compared, synced wave by wave with its hook, all in one trace', async () => {
    await env.kube.objects.create({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: {
        name: 'guestbook',
        namespace: ns,
        annotations: {
          'notifications.argoproj.io/subscribe.on-sync-succeeded.audit': '',
          // A service the ConfigMap does not have: a failed sync's notification is rejected.
          'notifications.argoproj.io/subscribe.on-sync-failed.pager': '',
        },
      },
      spec: {
        project: 'default',
        source: { repoURL: repo.url, targetRevision: 'main', path: 'guestbook' },
        destination: { server: 'https://kubernetes.default.svc', namespace: dest },
        syncPolicy: {
          automated: { prune: true },
          syncOptions: ['CreateNamespace=true'],
          // One retry, soon: a failed sync ends (and is notified) within the test.
          retry: { limit: 1, backoff: { duration: '1s', factor: 1 } },
        },
      },
    } as Application);
    const first = await repo.revParse('main');
    await waitFor('first sync', () => syncedAt(first), { timeoutMs: 90_000, intervalMs: 500 });

    // A change that starts no rollout: a Deployment's would make health change
    // while the sync runs, and the comparisons the watch sets off for it (traces of
    // their own) could be the first events to find the sync ended, and so carry
    // its notification.
    const text = await readFile(join(compatDir(), 'guestbook', 'guestbook-ui-svc.yaml'), 'utf8');
    const commit = await repo.commit(
      { 'guestbook/guestbook-ui-svc.yaml': text.replace('- port: 80', '- port: 8080') },
      'serve on 8080',
    );
    await waitFor('synced at the commit', () => syncedAt(commit), {
      timeoutMs: 90_000,
      intervalMs: 500,
    });

    // The commit's trace is the one its poll span starts; wait until the
    // collector has written the applier's end of it and the notifier's
    // delivery of the sync's success.
    let trace: ExportedSpan[] = [];
    await waitFor(
      'the trace in the collector',
      async () => {
        const spans = await collector.spans();
        const root = spans.find(
          (s) => s.name === 'git-poller.commit' && s.attributes['flotilla.revision'] === commit,
        );
        if (!root) return false;
        trace = spans.filter((s) => s.traceId === root.traceId);
        return (
          trace.some(
            (s) =>
              s.name === 'applier.operation' && s.attributes['flotilla.result'] === 'Succeeded',
          ) && trace.some((s) => s.name === 'notifier.deliver')
        );
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );

    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const one = (name: string) => {
      const found = trace.filter((s) => s.name === name);
      expect(found.length, `${name} spans`).toBeGreaterThan(0);
      return found[0]!;
    };
    // Each span's parent is in the trace, back to the single root: the poll that saw the commit.
    const roots = trace.filter((s) => !s.parentSpanId);
    expect(roots.map((s) => s.name)).toEqual(['git-poller.commit']);
    for (const s of trace.filter((x) => x.parentSpanId))
      expect(byId.has(s.parentSpanId), `parent of ${s.name}`).toBe(true);
    const ancestry = (s: ExportedSpan): string[] =>
      s.parentSpanId ? [...ancestry(byId.get(s.parentSpanId)!), s.name] : [s.name];

    const poll = one('git-poller.commit');
    const render = one('renderer.render');
    const operation = trace.find(
      (s) => s.name === 'applier.operation' && s.attributes['flotilla.result'] === 'Succeeded',
    )!;
    const hook = one('hook-runner.hook');
    const waves = trace
      .filter((s) => s.name === 'applier.wave' && s.parentSpanId === operation.spanId)
      .sort((a, b) => Number(a.startNs - b.startNs));
    expect(ancestry(hook)).toEqual([
      'git-poller.commit',
      'renderer.render',
      'differ.compare',
      'applier.operation',
      'applier.wave',
      'hook-runner.hook',
    ]);
    expect(
      waves.map(
        (w) => `${w.attributes['flotilla.sync.phase']}/${w.attributes['flotilla.sync.wave']}`,
      ),
    ).toEqual(['PreSync/0', 'Sync/0']);
    const apply = trace.find(
      (s) => s.name === 'applier.apply' && s.parentSpanId === waves[1]!.spanId,
    );
    expect(apply?.attributes['flotilla.result']).toBe('applied');

    // In order: each role's span starts after the one that asked for it.
    const compare = byId.get(operation.parentSpanId)!;
    const chain = [poll, render, compare, operation, waves[0]!, hook, waves[1]!];
    for (let i = 1; i < chain.length; i++)
      expect(chain[i]!.startNs >= chain[i - 1]!.startNs, chain[i]!.name).toBe(true);

    // What on-call reads off the spans.
    const app = `${ns}/guestbook`;
    for (const s of [poll, render, compare, operation, hook])
      expect(s.attributes['flotilla.app'], s.name).toBe(app);
    expect(render.attributes['flotilla.revision']).toBe(commit);
    expect(compare.attributes['flotilla.autosync']).toBe(true);
    expect(operation.attributes['flotilla.revision']).toBe(commit);
    expect(hook.attributes).toMatchObject({
      'flotilla.hook': 'Job/before',
      'flotilla.sync.phase': 'PreSync',
      'flotilla.sync.wave': 0,
      'flotilla.result': 'Succeeded',
    });

    // The notifier's handling of the sync's success hangs under the operation
    // that announced it: matching the subscriptions, then the delivery, which
    // names the service and the outcome but not the URL or the secret.
    const delivery = trace.find((s) => s.name === 'notifier.deliver')!;
    expect(delivery.attributes).toMatchObject({
      'flotilla.notify.trigger': 'on-sync-succeeded',
      'flotilla.notify.service': 'audit',
      'flotilla.notify.service_type': 'webhook',
      'flotilla.result': 'sent',
    });
    const handled = byId.get(delivery.parentSpanId)!;
    expect(handled).toMatchObject({
      name: 'notifier.event',
      attributes: {
        'flotilla.role': 'notifier',
        'flotilla.app': app,
        'flotilla.event': expect.stringMatching(/^(operation|app)\./),
        'flotilla.notify.notifications': 1,
        'flotilla.result': '1 sent, 0 rejected, 0 to retry',
      },
    });
    expect(ancestry(handled).slice(0, 4)).toEqual([
      'git-poller.commit',
      'renderer.render',
      'differ.compare',
      'applier.operation',
    ]);
    const match = trace.find(
      (s) => s.name === 'notifier.match' && s.parentSpanId === handled.spanId,
    );
    expect(match?.attributes).toMatchObject({
      'flotilla.notify.subscriptions': 2,
      'flotilla.notify.notifications': 1,
    });
    // The receiver got the notification the span names.
    const sent = receiver!.accepted.filter(
      (a) => a.headers['x-flotilla-delivery'] === delivery.attributes['flotilla.notify.id'],
    );
    expect(sent).toHaveLength(1);
    for (const s of trace.filter((x) => x.name.startsWith('notifier.')))
      for (const v of Object.values(s.attributes)) {
        expect(String(v)).not.toContain(receiver!.url);
        expect(String(v)).not.toContain(HOOK_SECRET);
      }

    expect(trace.filter((s) => s.status === 'error').map((s) => s.name)).toEqual([]);
    // No credentials in any attribute.
    for (const s of trace)
      for (const v of Object.values(s.attributes))
        expect(String(v)).not.toMatch(/:\/\/[^/\s]*:[^/\s]*@/);

    // Nothing else of this commit went to another trace: one trace per change.
    const spans = await collector.spans();
    const elsewhere = spans.filter(
      (s) =>
        s.traceId !== poll.traceId &&
        (s.name === 'renderer.render' || s.name === 'applier.operation') &&
        s.attributes['flotilla.revision'] === commit,
    );
    expect(elsewhere.map((s) => s.name)).toEqual([]);
  });

  it('a commit that cannot be rendered ends its render and comparison spans with error status', async () => {
    const broken = await repo.commit(
      { 'guestbook/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n' },
      'break it',
    );
    let trace: ExportedSpan[] = [];
    await waitFor(
      'the failed render in the collector',
      async () => {
        const spans = await collector.spans();
        const root = spans.find(
          (s) => s.name === 'git-poller.commit' && s.attributes['flotilla.revision'] === broken,
        );
        trace = root ? spans.filter((s) => s.traceId === root.traceId) : [];
        return trace.some((s) => s.name === 'differ.compare');
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const render = trace.find((s) => s.name === 'renderer.render')!;
    expect(render).toMatchObject({ status: 'error', attributes: { 'flotilla.result': 'failed' } });
    expect(render.statusMessage).toContain('broken.yaml');
    const compare = trace.find((s) => s.name === 'differ.compare')!;
    expect(compare.parentSpanId).toBe(render.spanId);
    expect(compare.status).toBe('error');
    expect(compare.statusMessage).toMatch(/^ComparisonError: /);
    // Nothing was synced from it.
    expect(trace.filter((s) => s.name.startsWith('applier.'))).toEqual([]);
  });

  it('a failing hook ends the hook, its wave and the operation with error status', async () => {
    const job = await readFile(join(compatDir(), 'pre-post-sync', 'pre-sync-job.yaml'), 'utf8');
    // The local cluster fails the pods of a Job whose template carries this annotation.
    const failing = job.replace(
      '  template:\n    spec:',
      "  template:\n    metadata:\n      annotations:\n        flotilla.dev/test-fail: 'true'\n    spec:",
    );
    expect(failing).not.toBe(job);
    // A hook alone is not compared: the Deployment changes too, so the commit is synced.
    const deployment = await readFile(
      join(compatDir(), 'guestbook', 'guestbook-ui-deployment.yaml'),
      'utf8',
    );
    const commit = await repo.commit(
      {
        'guestbook/broken.yaml': null,
        'guestbook/pre-sync-job.yaml': failing,
        'guestbook/guestbook-ui-deployment.yaml': deployment.replace('replicas: 1', 'replicas: 3'),
      },
      'a hook that fails',
    );
    let trace: ExportedSpan[] = [];
    await waitFor(
      'the failed operation in the collector',
      async () => {
        const spans = await collector.spans();
        const root = spans.find(
          (s) => s.name === 'git-poller.commit' && s.attributes['flotilla.revision'] === commit,
        );
        trace = root ? spans.filter((s) => s.traceId === root.traceId) : [];
        return trace.some((s) => s.name === 'applier.operation' && s.status === 'error');
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    const operation = trace.find((s) => s.name === 'applier.operation' && s.status === 'error')!;
    // The app retries automated syncs: each attempt is a span of the same trace.
    expect(operation.attributes['flotilla.result']).toMatch(/^Failed/);
    expect(operation.statusMessage).toContain('one or more synchronization tasks');
    const hook = trace.find((s) => s.name === 'hook-runner.hook' && s.status === 'error')!;
    expect(hook).toMatchObject({
      status: 'error',
      attributes: { 'flotilla.hook': 'Job/before', 'flotilla.result': 'Failed' },
    });
    const wave = trace.find((s) => s.spanId === hook.parentSpanId)!;
    expect(wave).toMatchObject({
      name: 'applier.wave',
      status: 'error',
      attributes: { 'flotilla.sync.phase': 'PreSync' },
    });
    const attempt = trace.find((s) => s.spanId === wave.parentSpanId)!;
    expect(attempt).toMatchObject({ name: 'applier.operation', status: 'error' });
    // The notification of the failure could not be sent: its delivery span says why.
    await waitFor(
      'the rejected notification in the collector',
      async () => {
        trace = (await collector.spans()).filter((s) => s.traceId === operation.traceId);
        return trace.some((s) => s.name === 'notifier.deliver');
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const rejected = trace.find((s) => s.name === 'notifier.deliver')!;
    expect(rejected).toMatchObject({
      status: 'error',
      statusMessage: 'service "pager" is not configured',
      attributes: {
        'flotilla.notify.trigger': 'on-sync-failed',
        'flotilla.notify.service': 'pager',
        'flotilla.notify.service_type': 'unknown',
        'flotilla.result': 'rejected',
      },
    });
    expect(trace.find((s) => s.spanId === rejected.parentSpanId)).toMatchObject({
      name: 'notifier.event',
      status: 'error',
      attributes: { 'flotilla.result': '0 sent, 1 rejected, 0 to retry' },
    });

    // The Sync wave never started.
    expect(
      trace.filter(
        (s) => s.name === 'applier.wave' && s.attributes['flotilla.sync.phase'] === 'Sync',
      ),
    ).toEqual([]);
  });
});
