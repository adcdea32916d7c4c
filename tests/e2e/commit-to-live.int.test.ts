import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { API_VERSION, type Application, applicationPath } from '@flotilla/api';
import { connectBus } from '@flotilla/bus';
import { Streams } from '@flotilla/contracts';
import { ApiError, installCrds, rawRequest } from '@flotilla/kube';
import {
  compatDir,
  startEnv,
  startRoles,
  streamMessages,
  waitFor,
  type RunningRoles,
  type TestEnv,
} from '@flotilla/testing';
import { ALL_ROLES, testRoleEnv } from './support/roles.js';

describe('commit to live, prune and self-heal with all five roles', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let nc: NatsConnection;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  let roles: RunningRoles | undefined;

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    dest = `gb-${ns.slice(-8)}`;
    repo = await env.git.repo('apps');
    await repo.commitDir(join(compatDir(), 'guestbook'), 'guestbook');
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    roles = await startRoles(env, ns, ALL_ROLES, testRoleEnv(env));
    await env.kube.objects.create({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name: 'guestbook', namespace: ns },
      spec: {
        project: 'default',
        source: { repoURL: repo.url, targetRevision: 'main', path: 'guestbook' },
        destination: { server: 'https://kubernetes.default.svc', namespace: dest },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions: ['CreateNamespace=true'],
        },
      },
    } as Application);
  });
  afterAll(async () => {
    await roles?.stop();
    await nc?.close();
    await rawRequest(env.kube.kc, { method: 'DELETE', path: `/api/v1/namespaces/${dest}` }).catch(
      () => undefined,
    );
    await env[Symbol.asyncDispose]();
  });

  const status = async () =>
    (
      await rawRequest<Application>(env.kube.kc, {
        method: 'GET',
        path: applicationPath(ns, 'guestbook'),
      })
    ).status ?? {};
  const deployment = () =>
    rawRequest<{ spec: { replicas: number } }>(env.kube.kc, {
      method: 'GET',
      path: `/apis/apps/v1/namespaces/${dest}/deployments/guestbook-ui`,
    });
  const syncedAt = async (revision: string) => {
    const s = await status();
    return (
      s.sync?.status === 'Synced' && s.sync.revision === revision && s.health?.status === 'Healthy'
    );
  };

  it('syncs a new Application to Synced and Healthy', async () => {
    const head = await repo.revParse('main');
    await waitFor('Synced and Healthy', () => syncedAt(head), {
      timeoutMs: 90_000,
      intervalMs: 500,
    });
    expect((await status()).operationState?.phase).toBe('Succeeded');
    expect((await deployment()).spec.replicas).toBe(1);
  });

  it('reverts a manual scale (self-heal), and the drift event names the field', async () => {
    await rawRequest(env.kube.kc, {
      method: 'PATCH',
      path: `/apis/apps/v1/namespaces/${dest}/deployments/guestbook-ui`,
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 4 } },
    });
    await waitFor('reverted', async () => (await deployment()).spec.replicas === 1, {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    const drift = await streamMessages(
      nc,
      Streams.Events,
      `flotilla.events.${ns}.guestbook.app.drift-detected`,
    );
    expect(
      drift.some((e) =>
        e.data.resources.some(
          (r: any) => r.resource.name === 'guestbook-ui' && r.fields.includes('/spec/replicas'),
        ),
      ),
    ).toBe(true);
  });

  it('rolls out a commit, then prunes a removed file', async () => {
    const text = await readFile(
      join(compatDir(), 'guestbook', 'guestbook-ui-deployment.yaml'),
      'utf8',
    );
    const scaled = await repo.commit(
      { 'guestbook/guestbook-ui-deployment.yaml': text.replace('replicas: 1', 'replicas: 2') },
      'scale to 2',
    );
    await waitFor(
      'rolled out',
      async () => (await deployment()).spec.replicas === 2 && (await syncedAt(scaled)),
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    const pruned = await repo.commit(
      { 'guestbook/guestbook-ui-svc.yaml': null },
      'remove the service',
    );
    await waitFor(
      'pruned',
      async () => {
        const gone = await rawRequest(env.kube.kc, {
          method: 'GET',
          path: `/api/v1/namespaces/${dest}/services/guestbook-ui`,
        }).then(
          () => false,
          (e: unknown) => e instanceof ApiError && e.status === 404,
        );
        return gone && (await syncedAt(pruned));
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
  });
});
