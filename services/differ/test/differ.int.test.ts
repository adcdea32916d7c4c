import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { NatsConnection } from '@nats-io/transport-node';
import { API_VERSION, type Application, applicationPath } from '@flotilla/api';
import { connectBus, createPublisher, provisionBus, startWorker } from '@flotilla/bus';
import { Streams, type SyncCommand } from '@flotilla/contracts';
import { trackingId } from '@flotilla/gitops';
import { Discovery, applyObject, installCrds, rawRequest } from '@flotilla/kube';
import { DesiredStore } from '@flotilla/render';
import { createLogger, type RoleHandle } from '@flotilla/runtime';
import { startEnv, streamMessages, waitFor, type TestEnv, roleConfig } from '@flotilla/testing';
import { differRole } from '../src/role.js';

describe('the differ role', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let role: RoleHandle;
  let nc: NatsConnection;
  let redis: Redis;
  let desired: DesiredStore;
  const app = { namespace: '', name: 'web' };

  const deployment = () => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
      },
    },
  });
  const configMap = () => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'web-config' },
    data: { greeting: 'hello' },
  });

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    dest = await env.kube.namespace('dest');
    app.namespace = ns;
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    await provisionBus(nc);
    redis = new Redis(env.redis.url);
    desired = new DesiredStore(redis);
    const application: Application = {
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name: 'web', namespace: ns },
      spec: {
        project: 'default',
        source: {
          repoURL: 'https://git.example.com/apps.git',
          targetRevision: 'main',
          path: 'web',
        },
        destination: { server: 'https://kubernetes.default.svc', namespace: dest },
      },
    };
    await env.kube.objects.create(application);
    await desired.setRendered(app, {
      revisions: ['a'.repeat(40)],
      hash: 'sha256:test',
      objects: [deployment(), configMap()],
      warnings: [],
      renderedAt: new Date().toISOString(),
    });
    role = await differRole.start({
      logger: createLogger({ name: 'differ', level: 'warn' }),
      signal: new AbortController().signal,
      config: roleConfig(env, ns),
      env: { FLOTILLA_RESYNC_SECONDS: '3600' },
    });
  });
  afterAll(async () => {
    await role?.stop();
    await nc?.close();
    redis?.disconnect();
    await env[Symbol.asyncDispose]();
  });

  const status = async () =>
    (
      await rawRequest<Application>(env.kube.kc, {
        method: 'GET',
        path: applicationPath(ns, 'web'),
      })
    ).status ?? {};
  const diff = () => createPublisher(nc).command({ version: 1, kind: 'diff', app, reason: 'test' });
  const events = (suffix: string) =>
    streamMessages(nc, Streams.Events, `flotilla.events.${ns}.web.${suffix}`);
  const applyTracked = async (obj: Record<string, any>) => {
    const key = {
      group: obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '',
      kind: obj.kind,
      namespace: dest,
      name: obj.metadata.name,
    };
    obj.metadata.namespace = dest;
    obj.metadata.annotations = { 'flotilla.dev/tracking-id': trackingId(app, key) };
    await applyObject(env.kube.kc, new Discovery(env.kube.kc), obj as never, {
      fieldManager: 'flotilla',
    });
  };

  it('reports desired resources that do not exist as Missing and the app OutOfSync', async () => {
    await diff();
    await waitFor('status', async () => (await status()).sync?.status === 'OutOfSync', {
      timeoutMs: 20_000,
    });
    const s = await status();
    expect(s.health?.status).toBe('Missing');
    expect(s.resources?.map((r) => [r.kind, r.name, r.status, r.health?.status])).toEqual([
      ['ConfigMap', 'web-config', 'OutOfSync', 'Missing'],
      ['Deployment', 'web', 'OutOfSync', 'Missing'],
    ]);
  });

  it('is Synced and Healthy once live matches, with no false drift from defaulted fields', async () => {
    await applyTracked(deployment());
    await applyTracked(configMap());
    await waitFor(
      'Synced and Healthy',
      async () => {
        await diff();
        const s = await status();
        return s.sync?.status === 'Synced' && s.health?.status === 'Healthy';
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect((await status()).sync?.revision).toBe('a'.repeat(40));
    expect((await events('app.sync-changed')).at(-1)?.data).toMatchObject({ to: 'Synced' });
  });

  it('notices a manual edit from the watch, without a diff command, and names the field', async () => {
    const driftBefore = (await events('app.drift-detected')).length;
    const edited = Date.now();
    await rawRequest(env.kube.kc, {
      method: 'PATCH',
      path: `/apis/apps/v1/namespaces/${dest}/deployments/web`,
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 5 } },
    });
    await waitFor(
      'OutOfSync from drift',
      async () => (await status()).sync?.status === 'OutOfSync',
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    console.log(`manual edit → OutOfSync status: ${Date.now() - edited} ms`);
    // The event is published after the status write: wait for it instead of racing it.
    await waitFor(
      'drift event',
      async () => (await events('app.drift-detected')).length > driftBefore,
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    const drift = await events('app.drift-detected');
    expect(drift.at(-1)?.data.resources).toEqual([
      {
        resource: { group: 'apps', kind: 'Deployment', namespace: dest, name: 'web' },
        fields: ['/spec/replicas'],
      },
    ]);
  });

  it('shows a render failure as ComparisonError, sync Unknown, and keeps the resources', async () => {
    await desired.setError(app, 'helm template failed: templates/x.yaml:3: bad');
    await diff();
    await waitFor(
      'ComparisonError',
      async () => (await status()).conditions?.some((c) => c.type === 'ComparisonError') === true,
      { timeoutMs: 20_000 },
    );
    const s = await status();
    expect(s.sync?.status).toBe('Unknown');
    expect(s.conditions?.find((c) => c.type === 'ComparisonError')?.message).toContain(
      'templates/x.yaml:3: bad',
    );
    expect(s.resources).toHaveLength(2);
  });

  it('ignores replicas an autoscaler owns through managedFieldsManagers', async () => {
    const scaled = { namespace: ns, name: 'scaled' };
    await env.kube.objects.create({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name: 'scaled', namespace: ns },
      spec: {
        project: 'default',
        source: {
          repoURL: 'https://git.example.com/apps.git',
          targetRevision: 'main',
          path: 'scaled',
        },
        destination: { server: 'https://kubernetes.default.svc', namespace: dest },
        ignoreDifferences: [
          { group: 'apps', kind: 'Deployment', managedFieldsManagers: ['hpa-sim'] },
        ],
      },
    } as Application);
    const obj = { ...deployment(), metadata: { name: 'scaled' } } as Record<string, any>;
    obj.spec.selector.matchLabels.app = 'scaled';
    obj.spec.template.metadata.labels.app = 'scaled';
    await desired.setRendered(scaled, {
      revisions: ['b'.repeat(40)],
      hash: 'sha256:scaled',
      objects: [structuredClone(obj)],
      warnings: [],
      renderedAt: new Date().toISOString(),
    });
    const key = { group: 'apps', kind: 'Deployment', namespace: dest, name: 'scaled' };
    obj.metadata.namespace = dest;
    obj.metadata.annotations = { 'flotilla.dev/tracking-id': trackingId(scaled, key) };
    const discovery = new Discovery(env.kube.kc);
    await applyObject(env.kube.kc, discovery, obj as never, { fieldManager: 'flotilla' });
    const scaledStatus = async () =>
      (
        await rawRequest<Application>(env.kube.kc, {
          method: 'GET',
          path: applicationPath(ns, 'scaled'),
        })
      ).status ?? {};
    await waitFor(
      'Synced',
      async () => {
        await createPublisher(nc).command({
          version: 1,
          kind: 'diff',
          app: scaled,
          reason: 'test',
        });
        return (await scaledStatus()).sync?.status === 'Synced';
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    // The "autoscaler" takes spec.replicas with its own field manager.
    await applyObject(
      env.kube.kc,
      discovery,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'scaled', namespace: dest },
        spec: { replicas: 4 },
      } as never,
      { fieldManager: 'hpa-sim' },
    );
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await scaledStatus()).sync?.status).toBe('Synced');
    // Anyone else's change to a field Git sets is drift.
    await rawRequest(env.kube.kc, {
      method: 'PATCH',
      path: `/apis/apps/v1/namespaces/${dest}/deployments/scaled`,
      query: { fieldManager: 'someone' },
      contentType: 'application/merge-patch+json',
      body: {
        spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.28' }] } } },
      },
    });
    await waitFor(
      'OutOfSync after a foreign edit',
      async () => (await scaledStatus()).sync?.status === 'OutOfSync',
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  });

  it('starts an automated sync: a command that carries the operation, no Application write', async () => {
    const auto = { namespace: ns, name: 'auto' };
    const syncs: SyncCommand[] = [];
    const w = startWorker({
      nc,
      kind: 'sync',
      logger: createLogger({ name: 't', level: 'silent' }),
      handler: async (c) => void syncs.push(c),
    });
    try {
      await env.kube.objects.create({
        apiVersion: API_VERSION,
        kind: 'Application',
        metadata: { name: 'auto', namespace: ns },
        spec: {
          project: 'default',
          source: {
            repoURL: 'https://git.example.com/apps.git',
            targetRevision: 'main',
            path: 'auto',
          },
          destination: { server: 'https://kubernetes.default.svc', namespace: dest },
          syncPolicy: { automated: { prune: true, selfHeal: true } },
        },
      } as Application);
      const cm = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'auto-config' },
        data: { a: '1' },
      };
      await desired.setRendered(auto, {
        revisions: ['c'.repeat(40)],
        hash: 'sha256:auto',
        objects: [cm],
        warnings: [],
        renderedAt: new Date().toISOString(),
      });
      await createPublisher(nc).command({ version: 1, kind: 'diff', app: auto, reason: 'test' });
      await waitFor('a sync command', () => syncs.some((c) => c.app.name === 'auto'), {
        timeoutMs: 20_000,
      });
      // The command carries the operation, with what the comparison saw.
      const sent = syncs.find((c) => c.app.name === 'auto');
      expect(sent).toMatchObject({
        trigger: 'automated',
        revision: 'c'.repeat(40),
        operation: {
          sync: { revision: 'c'.repeat(40), prune: true },
          initiatedBy: { automated: true },
        },
        lastOperationStartedAt: '',
      });
      expect(sent?.appResourceVersion).toBeTruthy();
      // Nothing is written to the Application: no operation, and no status for a first look.
      const live = await rawRequest<Application>(env.kube.kc, {
        method: 'GET',
        path: applicationPath(ns, 'auto'),
      });
      expect(live.operation).toBeUndefined();
      expect(live.status?.sync).toBeUndefined();
      expect((live.metadata as { resourceVersion?: string }).resourceVersion).toBe(
        sent?.appResourceVersion,
      );
    } finally {
      await w.stop();
    }
  });
});
