import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { NatsConnection } from '@nats-io/transport-node';
import { API_VERSION, type Application } from '@flotilla/api';
import { connectBus, createPublisher, provisionBus, startWorker, type Worker } from '@flotilla/bus';
import { Streams, type DiffCommand } from '@flotilla/contracts';
import { ProjectClient, installCrds } from '@flotilla/kube';
import { canonicalSet } from '@flotilla/render';
import { createLogger, metrics, run, userCacheDir, type RoleHandle } from '@flotilla/runtime';
import {
  compatDir,
  startEnv,
  streamMessages,
  waitFor,
  type TestEnv,
  roleConfig,
} from '@flotilla/testing';
import { resolveTool } from '@flotilla/toolchain';
import { parseAllDocuments } from 'yaml';
import { DesiredStore } from '@flotilla/render';
import { rendererRole } from '../src/role.js';

const compat = compatDir();
const quiet = createLogger({ name: 'test', level: 'silent' });

describe('the renderer role', () => {
  let env: TestEnv;
  let ns: string;
  let role: RoleHandle;
  let nc: NatsConnection;
  let worker: Worker;
  let redis: Redis;
  let desired: DesiredStore;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  const diffs: DiffCommand[] = [];
  const app = { namespace: '', name: 'guestbook' };

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace();
    // The differ makes `default` in a deployment; it does not run here.
    await new ProjectClient(env.kube.kc).ensureDefault(ns);
    app.namespace = ns;
    repo = await env.git.repo('apps');
    await repo.commitDir(join(compat, 'helm-guestbook'), 'helm-guestbook');
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    await provisionBus(nc);
    worker = startWorker({
      nc,
      kind: 'diff',
      logger: quiet,
      handler: async (c) => void diffs.push(c),
    });
    redis = new Redis(env.redis.url);
    desired = new DesiredStore(redis);
    const config = roleConfig(env, ns);
    role = await rendererRole.start({
      logger: createLogger({ name: 'renderer', level: 'warn' }),
      signal: new AbortController().signal,
      config,
      env: {
        FLOTILLA_REPO_CACHE_DIR: join(env.tmpDir, 'repos'),
        FLOTILLA_RENDER_WORK_DIR: join(env.tmpDir, 'work'),
      },
    });
    const application: Application = {
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name: 'guestbook', namespace: ns },
      spec: {
        project: 'default',
        source: {
          repoURL: repo.url,
          targetRevision: 'main',
          path: 'helm-guestbook',
          helm: { valueFiles: ['values-production.yaml'] },
        },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'guestbook' },
      },
    };
    await env.kube.objects.create(application);
  });
  afterAll(async () => {
    await role?.stop();
    await worker?.stop();
    await nc?.close();
    redis?.disconnect();
    await env[Symbol.asyncDispose]();
  });

  const events = (subject: string) => streamMessages(nc, Streams.Events, subject);
  const render = (extra: Record<string, unknown> = {}) =>
    createPublisher(nc).command({
      version: 1,
      kind: 'render',
      app,
      reason: 'test',
      ...extra,
    } as never);

  it('renders exactly what helm template renders, stores it, and asks for a diff', async () => {
    await render();
    await waitFor('desired state', async () => !!(await desired.get(app)), { timeoutMs: 30_000 });
    const state = (await desired.get(app))!;
    expect(state.revisions).toEqual([await repo.revParse('main')]);
    const helm = await resolveTool('helm', { cacheDir: userCacheDir(process.env) });
    const chart = join(compat, 'helm-guestbook');
    const { stdout } = await run(helm, [
      'template',
      'guestbook',
      chart,
      '--namespace',
      'guestbook',
      '--values',
      join(chart, 'values-production.yaml'),
    ]);
    const expected = canonicalSet(
      parseAllDocuments(stdout)
        .map((d) => d.toJSON())
        .filter(Boolean),
    );
    expect(state.hash).toBe(expected.set.hash);
    await waitFor('diff command', () => diffs.some((d) => d.manifestsHash === state.hash), {
      timeoutMs: 10_000,
    });
    const done = await events(`flotilla.events.${ns}.guestbook.render.completed`);
    expect(done[0]?.data).toMatchObject({
      manifestsHash: state.hash,
      resourceCount: 2,
      cached: false,
    });
  });

  it('serves a repeated render from the memo', async () => {
    await render();
    await waitFor(
      'second completion',
      async () => (await events(`flotilla.events.${ns}.guestbook.render.completed`)).length >= 2,
      { timeoutMs: 20_000 },
    );
    const done = await events(`flotilla.events.${ns}.guestbook.render.completed`);
    expect(done[1]?.data).toMatchObject({ cached: true });
  });

  it('records a broken chart as a failure and keeps the last good manifests', async () => {
    const good = (await desired.get(app))!;
    const bad = await repo.commit({
      'helm-guestbook/templates/broken.yaml':
        'kind: ConfigMap\nmetadata:\n  name: {{ .Values.nope.missing }}\n',
    });
    await render({ revisions: [bad] });
    await waitFor('render failure', async () => (await desired.get(app))?.error !== undefined, {
      timeoutMs: 30_000,
    });
    const state = (await desired.get(app))!;
    expect(state.error?.message).toContain('broken.yaml:3:18');
    expect(state.error?.message).toContain('nil pointer evaluating interface {}.missing');
    expect(state.hash).toBe(good.hash);
    expect(state.objects).toEqual(good.objects);
    const failed = await events(`flotilla.events.${ns}.guestbook.render.failed`);
    expect(failed[0]?.data.revisions).toEqual([bad]);
    // flotilla_renders_total: two completed renders before (one from the memo), this failure.
    const counts = Object.fromEntries(
      (await metrics.renders.get()).values.map((v) => [v.labels['result'], v.value]),
    );
    expect(counts).toEqual({ completed: 2, failed: 1 });
  });

  it("renders what an operation asks for apart, never touching the app's desired state", async () => {
    const before = await desired.get(app);
    const diffsBefore = diffs.length;
    const first = (await repo.revParse('main~1')).trim();
    // Another source (the default values) at a tag: stored under the request, resolved to its SHA.
    await repo.tag('good', first);
    const source = {
      repoURL: repo.url,
      targetRevision: 'main',
      path: 'helm-guestbook',
      helm: { valueFiles: ['values.yaml'] },
    };
    await render({ operation: { request: 'op-1', sources: [source], revisions: ['good'] } });
    await waitFor('operation render', async () => !!(await desired.getForOperation(app, 'op-1')), {
      timeoutMs: 30_000,
    });
    const forOp = (await desired.getForOperation(app, 'op-1'))!;
    expect(forOp.error).toBeUndefined();
    expect(forOp.revisions).toEqual([first]);
    expect(forOp.hash).not.toBe(before?.hash);
    expect(await desired.getForOperation(app, 'op-other')).toBeUndefined();
    // A revision that does not render: the failure is the operation's, with helm's message.
    await render({ operation: { request: 'op-2', sources: [source], revisions: ['main'] } });
    await waitFor('operation failure', async () => !!(await desired.getForOperation(app, 'op-2')), {
      timeoutMs: 30_000,
    });
    expect((await desired.getForOperation(app, 'op-2'))?.error?.message).toContain(
      'nil pointer evaluating interface {}.missing',
    );
    const completed = await events(`flotilla.events.${ns}.guestbook.render.completed`);
    expect(completed.at(-1)?.data).toMatchObject({ revisions: [first], forOperation: true });
    const failed = await events(`flotilla.events.${ns}.guestbook.render.failed`);
    expect(failed.at(-1)?.data).toMatchObject({ forOperation: true });
    expect(await desired.get(app)).toEqual(before);
    expect(diffs.length).toBe(diffsBefore);
  });
});
