import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { API_VERSION, type Application } from '@flotilla/api';
import { connectBus, provisionBus, startWorker, type Worker } from '@flotilla/bus';
import type { RenderCommand } from '@flotilla/contracts';
import { ProjectClient, installCrds } from '@flotilla/kube';
import { compileRuntimeConfig, createLogger, freePort, type RoleHandle } from '@flotilla/runtime';
import {
  addRegistryAccess,
  startEnv,
  tarGz,
  waitFor,
  writeChart,
  type TestEnv,
} from '@flotilla/testing';
import { gitPollerRole } from '../src/role.js';

const SECRET = 'registry-webhook-secret';

// The registry's own notifications reach the git-poller: with an hour's poll
// interval, only the push notification can have caused the render command.
describe('the git-poller and a registry that notifies it of pushes', () => {
  let env: TestEnv;
  let ns: string;
  let role: RoleHandle;
  let nc: NatsConnection;
  let worker: Worker;
  let port: number;
  let charts: string;
  const renders: RenderCommand[] = [];
  const abort = new AbortController();

  beforeAll(async () => {
    port = await freePort();
    env = await startEnv({
      nats: true,
      redis: true,
      kube: true,
      registry: {
        notify: {
          url: `http://127.0.0.1:${port}/api/webhook/registry`,
          headers: { Authorization: `Bearer ${SECRET}` },
        },
      },
    });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace();
    charts = join(env.tmpDir, 'charts');
    await env.registry.push(
      await writeChart(join(charts, '1.0.0'), { name: 'web', version: '1.0.0' }),
    );
    await addRegistryAccess(env.kube.objects, ns, env.registry, env.ca);
    // The differ makes `default`; no differ runs here.
    await new ProjectClient(env.kube.kc).ensureDefault(ns);
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    await provisionBus(nc);
    worker = startWorker({
      nc,
      kind: 'render',
      logger: createLogger({ name: 'test', level: 'silent' }),
      handler: async (cmd) => void renders.push(cmd),
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
        FLOTILLA_POLL_INTERVAL_SECONDS: '3600',
        FLOTILLA_WEBHOOK_REGISTRY_SECRET: SECRET,
      },
    });
  }, 1_800_000);
  afterAll(async () => {
    abort.abort();
    await role?.stop();
    await worker?.stop();
    await nc?.close();
    await env?.[Symbol.asyncDispose]();
  });

  const application = (name: string, targetRevision: string): Application => ({
    apiVersion: API_VERSION,
    kind: 'Application',
    metadata: { name, namespace: ns },
    spec: {
      project: 'default',
      // Argo CD's OCI form: host/path, OCI by the repository Secret's enableOCI.
      source: { repoURL: `${env.registry.host}/charts`, chart: 'web', targetRevision },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'web' },
    },
  });
  const rendersOf = (name: string) => renders.filter((r) => r.app.name === name);

  it('resolves a constraint on its first look; an exact version is rendered as written', async () => {
    await env.kube.objects.create(application('staging', '1.x'));
    await env.kube.objects.create(application('prod', '1.0.0'));
    await waitFor(
      'first resolution',
      () => rendersOf('staging').length > 0 && rendersOf('prod').length > 0,
      { timeoutMs: 30_000 },
    );
    expect(rendersOf('staging')[0]).toMatchObject({
      revisions: ['1.0.0'],
      reason: 'first resolution',
    });
    // A chart at an exact version needs no listing, but its first look still renders it.
    expect(rendersOf('prod')).toMatchObject([{ revisions: ['1.0.0'], reason: 'first resolution' }]);
  });

  it('a pushed 1.1.0 is a render command for the app on 1.x at once, none for the pinned one', async () => {
    await env.registry.push(
      await writeChart(join(charts, '1.1.0'), { name: 'web', version: '1.1.0' }),
    );
    await waitFor(
      'render after the registry notification',
      () => rendersOf('staging').some((r) => r.revisions?.[0] === '1.1.0'),
      { timeoutMs: 30_000 },
    );
    expect(rendersOf('staging').find((r) => r.revisions?.[0] === '1.1.0')).toMatchObject({
      previousRevisions: ['1.0.0'],
      reason: 'new revision 1.1.0',
    });
    // The pinned app: its first render only.
    expect(rendersOf('prod')).toHaveLength(1);
  });

  it('an OCI artifact tag pushed again is a render command at its new digest at once', async () => {
    const push = async (version: string) =>
      (
        await env.registry.pushArtifact(
          'charts/site',
          'latest',
          await tarGz({
            'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: site-${version}\n`,
          }),
        )
      ).digest;
    const first = await push('1');
    await env.kube.objects.create({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name: 'site', namespace: ns },
      spec: {
        project: 'default',
        source: {
          repoURL: `oci://${env.registry.host}/charts/site`,
          targetRevision: 'latest',
          path: '.',
        },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'web' },
      },
    } as Application);
    await waitFor('first resolution', () => rendersOf('site').length > 0, { timeoutMs: 30_000 });
    expect(rendersOf('site')[0]).toMatchObject({ revisions: [first] });
    const second = await push('2');
    await waitFor(
      'render after the registry notification',
      () => rendersOf('site').some((r) => r.revisions?.[0] === second),
      { timeoutMs: 30_000 },
    );
  });

  it('refuses a notification without the secret', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/webhook/registry`, {
      method: 'POST',
      headers: { authorization: 'Bearer wrong' },
      body: JSON.stringify({ events: [] }),
    });
    expect(res.status).toBe(401);
  });
});
