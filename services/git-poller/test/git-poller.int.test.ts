import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { API_VERSION, type Application } from '@flotilla/api';
import { connectBus, provisionBus, startWorker, type Worker } from '@flotilla/bus';
import type { RenderCommand } from '@flotilla/contracts';
import { ProjectClient, installCrds } from '@flotilla/kube';
import { compileRuntimeConfig, createLogger, freePort, type RoleHandle } from '@flotilla/runtime';
import { startEnv, waitFor, type TestEnv } from '@flotilla/testing';
import { Redis } from 'ioredis';
import { gitPollerRole } from '../src/role.js';

const SECRET = 'webhook-secret';

describe('the git-poller role', () => {
  let env: TestEnv;
  let ns: string;
  let role: RoleHandle;
  let nc: NatsConnection;
  let worker: Worker;
  let port: number;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  const renders: (RenderCommand & { at: number })[] = [];
  const abort = new AbortController();

  beforeAll(async () => {
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
      handler: async (cmd) => void renders.push({ ...cmd, at: Date.now() }),
    });
    role = await startPoller(port);
  });
  const startPoller = (webhookPort: number) =>
    gitPollerRole.start({
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
        FLOTILLA_WEBHOOK_ADDR: `127.0.0.1:${webhookPort}`,
        FLOTILLA_POLL_INTERVAL_SECONDS: '3600',
        FLOTILLA_WEBHOOK_GITHUB_SECRET: SECRET,
      },
    });
  afterAll(async () => {
    abort.abort();
    await role?.stop();
    await worker?.stop();
    await nc?.close();
    await env[Symbol.asyncDispose]();
  });

  const application = (name: string, annotations: Record<string, string> = {}): Application => ({
    apiVersion: API_VERSION,
    kind: 'Application',
    metadata: { name, namespace: ns, annotations },
    spec: {
      project: 'default',
      source: { repoURL: repo.url, targetRevision: 'main', path: 'guestbook' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'guestbook' },
    },
  });

  const push = (body: object, secret = SECRET) => {
    const raw = JSON.stringify(body);
    return fetch(`http://127.0.0.1:${port}/api/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`,
      },
      body: raw,
    });
  };
  const githubPush = () => ({
    ref: 'refs/heads/main',
    repository: { clone_url: repo.url, default_branch: 'main' },
    commits: [{ added: [], modified: ['guestbook/cm.yaml'], removed: [] }],
  });

  it('asks for a render of a new Application at its resolved commit', async () => {
    await env.kube.objects.create(application('guestbook'));
    const head = await repo.revParse('main');
    await waitFor('render command', () => renders.some((r) => r.app.name === 'guestbook'), {
      timeoutMs: 20_000,
    });
    expect(renders.find((r) => r.app.name === 'guestbook')).toMatchObject({
      app: { namespace: ns, name: 'guestbook' },
      revisions: [head],
      reason: 'first resolution',
    });
  });

  it('turns a signed push webhook into a render command at once', async () => {
    const before = await repo.revParse('main');
    const next = await repo.commit({
      'guestbook/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: gb2}\n',
    });
    const sent = Date.now();
    const res = await push(githubPush());
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ provider: 'github', matched: 1 });
    await waitFor('render after push', () => renders.some((r) => r.revisions?.[0] === next), {
      timeoutMs: 10_000,
    });
    const cmd = renders.find((r) => r.revisions?.[0] === next)!;
    expect(cmd).toMatchObject({ previousRevisions: [before], changedFiles: ['guestbook/cm.yaml'] });
    // The poll interval is an hour: only the webhook can have caused this.
    console.log(`webhook push → render command: ${cmd.at - sent} ms`);
  });

  it('refuses a push with a bad signature (401) or an oversized body (413)', async () => {
    expect((await push(githubPush(), 'wrong')).status).toBe(401);
    const big = await fetch(`http://127.0.0.1:${port}/api/webhook`, {
      method: 'POST',
      headers: { 'x-github-event': 'push' },
      body: 'x'.repeat(6 * 1024 * 1024),
    });
    expect(big.status).toBe(413);
  });

  it('honours a hard refresh annotation once, then clears it', async () => {
    const count = renders.length;
    await env.kube.objects.patch(
      {
        apiVersion: API_VERSION,
        kind: 'Application',
        metadata: {
          name: 'guestbook',
          namespace: ns,
          annotations: { 'argocd.argoproj.io/refresh': 'hard' },
        },
      },
      undefined,
      undefined,
      'test',
      undefined,
      'application/merge-patch+json' as never,
    );
    await waitFor('refresh render', () => renders.slice(count).some((r) => r.refresh === 'hard'), {
      timeoutMs: 10_000,
    });
    await waitFor(
      'annotation cleared',
      async () => {
        const live = (await env.kube.objects.read({
          apiVersion: API_VERSION,
          kind: 'Application',
          metadata: { name: 'guestbook', namespace: ns },
        })) as Application;
        return !live.metadata?.annotations?.['argocd.argoproj.io/refresh'];
      },
      { timeoutMs: 10_000 },
    );
  });

  it('resets and records the state of many apps in one Redis write each', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `burst-${i}`);
    await Promise.all(names.map((n) => env.kube.objects.create(application(n))));
    await waitFor(
      'renders of the burst',
      () => names.every((n) => renders.some((r) => r.app.name === n)),
      { timeoutMs: 30_000 },
    );
    const redis = new Redis(env.redis.url);
    const calls = async (cmd: string) =>
      Number(
        new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(await redis.info('commandstats'))?.[1] ?? 0,
      );
    const key = 'flotilla:git-poller:resolved';
    const recordedAll = async () => {
      const recorded = await redis.hkeys(key);
      return names.every((n) => recorded.includes(`${ns}/${n}`));
    };
    // The first replica's write follows its publishes: wait for it before counting.
    await waitFor('first states recorded', recordedAll, { timeoutMs: 30_000 });
    await redis.del(key);
    const [hdel, hset] = [await calls('hdel'), await calls('hset')];
    // A second replica lists every app at once: one reset, one round, one write.
    const second = await startPoller(await freePort());
    try {
      await waitFor('states recorded', async () => (await calls('hset')) > hset, {
        timeoutMs: 30_000,
      });
      expect(await recordedAll()).toBe(true);
      expect((await calls('hdel')) - hdel).toBe(1);
      expect((await calls('hset')) - hset).toBe(1);
    } finally {
      await second.stop();
      redis.disconnect();
    }
  });
});
