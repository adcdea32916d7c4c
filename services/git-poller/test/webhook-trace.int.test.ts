import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { API_VERSION, type Application } from '@flotilla/api';
import { connectBus, provisionBus, startWorker, type Worker } from '@flotilla/bus';
import { ProjectClient, installCrds } from '@flotilla/kube';
import {
  compileRuntimeConfig,
  createLogger,
  freePort,
  startTracing,
  type RoleHandle,
  type Tracing,
} from '@flotilla/runtime';
import {
  startEnv,
  startTestCollector,
  waitFor,
  type ExportedSpan,
  type TestCollector,
  type TestEnv,
} from '@flotilla/testing';
import { gitPollerRole } from '../src/role.js';

const SECRET = 'webhook-secret';

describe('the git-poller traces a push webhook', () => {
  let collector: TestCollector;
  let tracing: Tracing | undefined;
  let env: TestEnv;
  let ns: string;
  let role: RoleHandle | undefined;
  let nc: NatsConnection | undefined;
  let worker: Worker | undefined;
  let port: number;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  const renders: { revision?: string; traceparent?: string }[] = [];
  const abort = new AbortController();

  beforeAll(async () => {
    collector = await startTestCollector();
    // Over OTLP/gRPC here; the end-to-end traces suite sends OTLP/HTTP.
    tracing = await startTracing(collector.grpcOtelEnv, 'flotilla-git-poller');
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace();
    // The differ makes `default` in a deployment; it does not run here.
    await new ProjectClient(env.kube.kc).ensureDefault(ns);
    repo = await env.git.repo('apps');
    await repo.commit({
      'guestbook/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: gb}\n',
    });
    port = await freePort();
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    await provisionBus(nc);
    worker = startWorker({
      nc,
      kind: 'render',
      logger: createLogger({ name: 'test', level: 'silent' }),
      handler: async (cmd, ctx) =>
        void renders.push({
          ...(cmd.revisions?.[0] ? { revision: cmd.revisions[0] } : {}),
          ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
        }),
    });
    role = await gitPollerRole.start({
      logger: createLogger({ name: 'git-poller', level: 'warn' }),
      signal: abort.signal,
      config: compileRuntimeConfig(
        {},
        {
          natsUrl: env.nats.url,
          redisUrl: env.redis.url,
          kubeconfig: env.kube.kubeconfigPath,
          namespace: ns,
          logLevel: 'warn',
          cacheDir: env.tmpDir,
        },
      ),
      env: {
        FLOTILLA_WEBHOOK_ADDR: `127.0.0.1:${port}`,
        // An hour: only the webhook can see the commit in time.
        FLOTILLA_POLL_INTERVAL_SECONDS: '3600',
        FLOTILLA_WEBHOOK_GITHUB_SECRET: SECRET,
      },
    });
    // A limit, not an expectation: the collector's first build takes minutes.
  }, 30 * 60_000);
  afterAll(async () => {
    abort.abort();
    await role?.stop();
    await worker?.stop();
    await nc?.close();
    await tracing?.shutdown();
    await env?.[Symbol.asyncDispose]();
    await collector?.[Symbol.asyncDispose]();
  });

  it('the push is the root; the commit span is its child and the render command carries it', async () => {
    await env.kube.objects.create({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name: 'guestbook', namespace: ns },
      spec: {
        project: 'default',
        source: { repoURL: repo.url, targetRevision: 'main', path: 'guestbook' },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'guestbook' },
      },
    } as Application);
    const first = await repo.revParse('main');
    await waitFor('first render command', () => renders.some((r) => r.revision === first), {
      timeoutMs: 20_000,
    });

    const next = await repo.commit({
      'guestbook/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: gb2}\n',
    });
    const raw = JSON.stringify({
      ref: 'refs/heads/main',
      repository: { clone_url: repo.url, default_branch: 'main' },
      commits: [{ added: [], modified: ['guestbook/cm.yaml'], removed: [] }],
    });
    const res = await fetch(`http://127.0.0.1:${port}/api/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`,
      },
      body: raw,
    });
    expect(res.status).toBe(200);
    await waitFor('render after push', () => renders.some((r) => r.revision === next), {
      timeoutMs: 20_000,
    });

    let commit: ExportedSpan | undefined;
    let spans: ExportedSpan[] = [];
    await waitFor(
      'the spans in the collector',
      async () => {
        spans = await collector.spans();
        commit = spans.find(
          (s) => s.name === 'git-poller.commit' && s.attributes['flotilla.revision'] === next,
        );
        return commit !== undefined && spans.some((s) => s.spanId === commit?.parentSpanId);
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const webhook = spans.find((s) => s.spanId === commit!.parentSpanId)!;
    expect(webhook).toMatchObject({
      name: 'git-poller.webhook',
      parentSpanId: '',
      traceId: commit!.traceId,
      status: 'unset',
      attributes: { 'flotilla.result': '1 render(s) requested' },
    });
    expect(commit!.attributes).toMatchObject({
      'flotilla.app': `${ns}/guestbook`,
      'flotilla.result': 'render requested',
    });
    // The renderer's span will hang under the commit's: the command names it as parent.
    const render = renders.find((r) => r.revision === next)!;
    expect(render.traceparent).toBe(`00-${commit!.traceId}-${commit!.spanId}-01`);
    // The first resolution (no webhook) started a trace of its own.
    const firstCommit = spans.find(
      (s) => s.name === 'git-poller.commit' && s.attributes['flotilla.revision'] === first,
    );
    expect(firstCommit?.parentSpanId).toBe('');
    expect(firstCommit?.traceId).not.toBe(commit!.traceId);
  });
});
