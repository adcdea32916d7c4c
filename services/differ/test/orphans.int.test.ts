// orphanedResources: objects in an app's destination namespace that no app
// tracks give the app an OrphanedResourceWarning condition with their count
// (warn: true), from the watch cache; ignore rules, owned objects and what
// Kubernetes makes in every namespace are left out. The differ alone creates
// the `default` project.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { API_VERSION, APP_PROJECT, type Application, applicationPath } from '@flotilla/api';
import { connectBus, createPublisher, provisionBus } from '@flotilla/bus';
import { trackingId } from '@flotilla/gitops';
import { Discovery, ProjectClient, applyObject, installCrds, rawRequest } from '@flotilla/kube';
import { DesiredStore } from '@flotilla/render';
import type { RoleHandle } from '@flotilla/runtime';
import { startEnv, waitFor, type TestEnv } from '@flotilla/testing';
import { createApplication, startDiffer } from './seed.js';

describe('orphaned resources', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let role: RoleHandle;
  let nc: NatsConnection;
  let redis: Redis;
  let projects: ProjectClient;
  const app = { namespace: '', name: 'web' };

  const configMap = (
    name: string,
    meta: { annotations?: Record<string, string>; ownerReferences?: unknown[] } = {},
  ) =>
    applyObject(
      env.kube.kc,
      new Discovery(env.kube.kc),
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: dest, ...meta },
      } as never,
      { fieldManager: 'test' },
    );
  const tracked = (owner: { namespace: string; name: string }, name: string) => ({
    annotations: {
      'flotilla.dev/tracking-id': trackingId(owner, {
        group: '',
        kind: 'ConfigMap',
        namespace: dest,
        name,
      }),
    },
  });
  const removeConfigMap = (name: string) =>
    rawRequest(env.kube.kc, {
      method: 'DELETE',
      path: `/api/v1/namespaces/${dest}/configmaps/${name}`,
    });
  const warning = async () => {
    const a = await rawRequest<Application>(env.kube.kc, {
      method: 'GET',
      path: applicationPath(ns, app.name),
    });
    return a.status?.conditions?.find((c) => c.type === 'OrphanedResourceWarning')?.message;
  };
  const diff = () => createPublisher(nc).command({ version: 1, kind: 'diff', app, reason: 'test' });
  /** Asks for comparisons until the warning reads `expected` (undefined: none). */
  const warns = (expected: string | undefined) =>
    waitFor(
      `warning ${expected ?? 'gone'}`,
      async () => {
        await diff();
        return (await warning()) === expected;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    dest = await env.kube.namespace('dest');
    app.namespace = ns;
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    await provisionBus(nc);
    redis = new Redis(env.redis.url);
    projects = new ProjectClient(env.kube.kc);
    await projects.create(ns, {
      apiVersion: API_VERSION,
      kind: APP_PROJECT.kind,
      metadata: { name: 'watched', namespace: ns },
      spec: {
        sourceRepos: ['*'],
        destinations: [{ server: '*', namespace: '*' }],
        orphanedResources: { warn: true, ignore: [{ kind: 'ConfigMap', name: 'ignored-*' }] },
      },
    });
    await createApplication(env, app, {
      server: 'https://kubernetes.default.svc',
      namespace: dest,
    });
    await rawRequest(env.kube.kc, {
      method: 'PATCH',
      path: applicationPath(ns, app.name),
      contentType: 'application/merge-patch+json',
      body: { spec: { project: 'watched' } },
    });
    await new DesiredStore(redis).setRendered(app, {
      revisions: ['a'.repeat(40)],
      hash: 'sha256:web',
      objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-cm' } }],
      warnings: [],
      renderedAt: new Date().toISOString(),
    });
    await configMap('web-cm', tracked(app, 'web-cm'));
    // Another app's object, an ignored one, one with an owner, and two strays.
    await configMap('other-cm', tracked({ namespace: ns, name: 'other' }, 'other-cm'));
    await configMap('ignored-a');
    await configMap('owned', {
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          name: 'web-cm',
          uid: '00000000-0000-0000-0000-000000000001',
        },
      ],
    });
    await configMap('stray-1');
    await configMap('stray-2');
    role = await startDiffer(env, ns);
  });
  afterAll(async () => {
    await role?.stop();
    await nc?.close();
    redis?.disconnect();
    await env?.[Symbol.asyncDispose]();
  });

  it('the differ creates the default project at start', async () => {
    expect((await projects.get(ns, 'default'))?.spec.destinations).toEqual([
      { server: '*', name: '*', namespace: '*' },
    ]);
  });

  it('counts the untracked, unowned, not ignored objects of the destination namespace', async () => {
    await warns('Application has 2 orphaned resources');
  });

  it('follows the namespace as strays go', async () => {
    await removeConfigMap('stray-2');
    await warns('Application has 1 orphaned resource');
    await removeConfigMap('stray-1');
    await warns(undefined);
  });

  it('gives no condition when the project does not warn', async () => {
    await configMap('stray-3');
    await warns('Application has 1 orphaned resource');
    const p = (await projects.get(ns, 'watched'))!;
    await projects.update(ns, {
      ...p,
      spec: { ...p.spec, orphanedResources: { ...p.spec.orphanedResources, warn: false } },
    });
    await warns(undefined);
  });
});
