// App health end to end against a real apiserver: the differ role judges
// resources with the health library's rules and with users' checks read from
// flotilla-cm and argocd-cm, and compares every app again when those change.
// ConfigMaps get a user check that reads their own data, so a test sets a
// resource's health by writing it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { NatsConnection } from '@nats-io/transport-node';
import { API_VERSION, type Application, type ApplicationStatus } from '@flotilla/api';
import { connectBus, createPublisher, provisionBus } from '@flotilla/bus';
import { trackingId } from '@flotilla/gitops';
import { Discovery, applyObject, installCrds, rawRequest } from '@flotilla/kube';
import { DesiredStore } from '@flotilla/render';
import type { RoleHandle } from '@flotilla/runtime';
import { startEnv, waitFor, type TestEnv } from '@flotilla/testing';
import { createApplication, startDiffer } from './seed.js';

type Obj = Record<string, any>;

const CONFIGMAP_CHECK = `
local hs = { status = "Healthy" }
if obj.data ~= nil and obj.data.health ~= nil then
  hs.status = obj.data.health
  hs.message = obj.data.message
end
return hs`;
const CHILD_APP_CHECK = `
local hs = {}
if obj.status ~= nil and obj.status.health ~= nil then
  hs.status = obj.status.health.status
  hs.message = obj.status.health.message
end
return hs`;

describe('app health in the differ', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let role: RoleHandle;
  let nc: NatsConnection;
  let redis: Redis;
  let desired: DesiredStore;
  let discovery: Discovery;

  const cm = (name: string, health: string, annotations: Record<string, string> = {}) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...(Object.keys(annotations).length ? { annotations } : {}) },
    data: { health, message: `${name} is ${health}` },
  });

  const settings = async (name: string, data: Record<string, string>) => {
    const path = `/api/v1/namespaces/${ns}/configmaps`;
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data };
    try {
      await rawRequest(env.kube.kc, { method: 'PUT', path: `${path}/${name}`, body });
    } catch {
      await rawRequest(env.kube.kc, { method: 'POST', path, body });
    }
  };

  const createApp = async (name: string, objects: Obj[], destination = dest) => {
    await createApplication(
      env,
      { namespace: ns, name },
      { server: 'https://kubernetes.default.svc', namespace: destination },
    );
    await render(name, objects);
  };
  const render = (name: string, objects: Obj[]) =>
    desired.setRendered(
      { namespace: ns, name },
      {
        revisions: ['b'.repeat(40)],
        hash: `sha256:${name}-${JSON.stringify(objects).length}-${Date.now()}`,
        objects,
        warnings: [],
        renderedAt: new Date().toISOString(),
      },
    );

  /** Applies an object as the app's sync would: tracked by the app, in its namespace. */
  const applyTracked = async (app: string, source: Obj, namespace = dest) => {
    const obj = structuredClone(source);
    const group = obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '';
    const key = { group, kind: obj.kind, namespace, name: obj.metadata.name };
    obj.metadata.namespace = namespace;
    obj.metadata.annotations = {
      ...obj.metadata.annotations,
      'flotilla.dev/tracking-id': trackingId({ namespace: ns, name: app }, key),
    };
    await applyObject(env.kube.kc, discovery, obj as never, { fieldManager: 'flotilla' });
  };

  const status = async (name: string): Promise<ApplicationStatus> =>
    (
      await rawRequest<Application>(env.kube.kc, {
        method: 'GET',
        path: `/apis/${API_VERSION}/namespaces/${ns}/applications/${name}`,
      })
    ).status ?? {};
  const diff = (name: string) =>
    createPublisher(nc).command({
      version: 1,
      kind: 'diff',
      app: { namespace: ns, name },
      reason: 'test',
    });
  /** Waits until the app's health is `want`, asking for comparisons unless `quiet`. */
  const healthBecomes = async (name: string, want: string, quiet = false) => {
    await waitFor(
      `${name} health ${want}`,
      async () => {
        if (!quiet) await diff(name);
        return (await status(name)).health?.status === want;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    return status(name);
  };
  const rows = (s: ApplicationStatus) =>
    (s.resources ?? []).map((r) => [r.kind, r.name, r.status, r.health?.status ?? '-']);

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('health');
    dest = await env.kube.namespace('health-dest');
    discovery = new Discovery(env.kube.kc);
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    await provisionBus(nc);
    redis = new Redis(env.redis.url);
    desired = new DesiredStore(redis);
    // A ConfigMap check in flotilla-cm (new-style key); a child Application
    // check in argocd-cm's older block, as Argo CD users configure app of apps.
    await settings('flotilla-cm', { 'resource.customizations.health.ConfigMap': CONFIGMAP_CHECK });
    await settings('argocd-cm', {
      'resource.customizations': `flotilla.dev/Application:\n  health.lua: ${JSON.stringify(CHILD_APP_CHECK)}\n`,
    });
    role = await startDiffer(env, ns);
  });
  afterAll(async () => {
    await role?.stop();
    await nc?.close();
    redis?.disconnect();
    await env?.[Symbol.asyncDispose]();
  });

  it('leaves a Degraded resource annotated ignore-healthcheck out of app health', async () => {
    const ignored = cm('ig-bad', 'Degraded', { 'argocd.argoproj.io/ignore-healthcheck': 'true' });
    const objects = [cm('ig-good', 'Healthy'), ignored];
    await createApp('ignored', objects);
    for (const o of objects) await applyTracked('ignored', o);
    const s = await healthBecomes('ignored', 'Healthy');
    expect(rows(s)).toEqual([
      ['ConfigMap', 'ig-bad', 'Synced', 'Degraded'],
      ['ConfigMap', 'ig-good', 'Synced', 'Healthy'],
    ]);
    // Without the annotation the same resource makes the app Degraded.
    const counted = cm('ig-bad', 'Degraded');
    await render('ignored', [cm('ig-good', 'Healthy'), counted]);
    await applyTracked('ignored', counted);
    await rawRequest(env.kube.kc, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${dest}/configmaps/ig-bad`,
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { 'argocd.argoproj.io/ignore-healthcheck': null } } },
    });
    await healthBecomes('ignored', 'Degraded');
  });

  it('counts a child Application as Argo CD does: its health, unless Missing or Unknown', async () => {
    const child = {
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name: 'child' },
      spec: {
        project: 'default',
        source: { repoURL: 'https://git.example.com/apps.git', targetRevision: 'main', path: 'c' },
        destination: { server: 'https://kubernetes.default.svc', namespace: dest },
      },
    };
    const childHealth = (health: Record<string, string>) =>
      rawRequest(env.kube.kc, {
        method: 'PATCH',
        path: `/apis/${API_VERSION}/namespaces/${ns}/applications/child/status`,
        contentType: 'application/merge-patch+json',
        body: { status: { health } },
      });
    await createApp('parent', [child, cm('parent-cm', 'Healthy')], ns);
    await applyTracked('parent', cm('parent-cm', 'Healthy'), ns);
    // A child not yet created is Missing on its row and does not count.
    let s = await healthBecomes('parent', 'Healthy');
    expect(rows(s)).toContainEqual(['Application', 'child', 'OutOfSync', 'Missing']);

    await applyTracked('parent', child, ns);
    await childHealth({ status: 'Degraded', message: 'a child resource failed' });
    s = await healthBecomes('parent', 'Degraded');
    expect(s.resources?.find((r) => r.name === 'child')?.health).toEqual({
      status: 'Degraded',
      message: 'a child resource failed',
    });

    await childHealth({ status: 'Unknown', message: 'child cannot be compared' });
    s = await healthBecomes('parent', 'Healthy');
    expect(rows(s)).toContainEqual(['Application', 'child', 'Synced', 'Unknown']);
  });

  it('leaves hooks out of app health and of the resources', async () => {
    const hook = cm('hook-bad', 'Degraded', { 'argocd.argoproj.io/hook': 'PostSync' });
    await createApp('hooks', [cm('hook-app', 'Healthy'), hook]);
    await applyTracked('hooks', cm('hook-app', 'Healthy'));
    await applyTracked('hooks', hook);
    const s = await healthBecomes('hooks', 'Healthy');
    expect(s.sync?.status).toBe('Synced');
    expect(rows(s)).toEqual([['ConfigMap', 'hook-app', 'Synced', 'Healthy']]);
  });

  it('counts a Missing resource only when its kind has a check, showing Missing on every row', async () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'absent-secret' } };
    await createApp('missing', [cm('present', 'Healthy'), secret]);
    await applyTracked('missing', cm('present', 'Healthy'));
    let s = await healthBecomes('missing', 'Healthy');
    expect(s.sync?.status).toBe('OutOfSync');
    expect(rows(s)).toEqual([
      ['ConfigMap', 'present', 'Synced', 'Healthy'],
      ['Secret', 'absent-secret', 'OutOfSync', 'Missing'],
    ]);
    // A ConfigMap has a check here (the user's), so a missing one counts.
    await render('missing', [cm('present', 'Healthy'), secret, cm('absent-cm', 'Healthy')]);
    s = await healthBecomes('missing', 'Missing');
    expect(rows(s)).toContainEqual(['ConfigMap', 'absent-cm', 'OutOfSync', 'Missing']);
  });

  it('re-assesses every app when the customizations change, with no other trigger', async () => {
    await healthBecomes('hooks', 'Healthy');
    await settings('flotilla-cm', {
      'resource.customizations.health.ConfigMap':
        'return { status = "Suspended", message = "held by the operator" }',
    });
    const s = await healthBecomes('hooks', 'Suspended', true);
    expect(s.resources?.[0]?.health).toEqual({
      status: 'Suspended',
      message: 'held by the operator',
    });
    await healthBecomes('ignored', 'Suspended', true);
  });
});
