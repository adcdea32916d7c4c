import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { NatsConnection } from '@nats-io/transport-node';
import { applicationPath, type Application } from '@flotilla/api';
import { connectBus, createPublisher, provisionBus } from '@flotilla/bus';
import { installCrds, rawRequest } from '@flotilla/kube';
import { DesiredStore } from '@flotilla/render';
import { createLogger, freePort, type RoleHandle } from '@flotilla/runtime';
import { startEnv, waitFor, type TestEnv, roleConfig } from '@flotilla/testing';
import { differRole } from '../src/role.js';
import { createClusterSecret, seedApp } from './seed.js';

describe('destinations from cluster Secrets', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let nc: NatsConnection;
  let redis: Redis;
  let role: RoleHandle;
  let server: string;
  let closed: string;

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    dest = await env.kube.namespace('dest');
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    await provisionBus(nc);
    redis = new Redis(env.redis.url);
    // An Argo CD cluster Secret for the test cluster under its own URL and token.
    const cluster = env.kube.kc.getCurrentCluster()!;
    const user = env.kube.kc.user;
    server = cluster.server;
    await createClusterSecret(env, ns, {
      name: 'other',
      server,
      config: {
        bearerToken: user.token,
        tlsClientConfig: { caData: Buffer.from(cluster.ca ?? '').toString('base64') },
      },
      label: 'argocd.argoproj.io',
    });
    // A cluster Secret for a server nothing listens on.
    closed = `https://127.0.0.1:${await freePort()}`;
    await createClusterSecret(env, ns, {
      name: 'closed',
      server: closed,
      config: { bearerToken: 'x', tlsClientConfig: { insecure: true } },
    });
    const desired = new DesiredStore(redis);
    for (const [name, destination] of [
      ['remote', { server, namespace: dest }],
      ['by-name', { name: 'other', namespace: dest }],
      ['nowhere', { server: 'https://10.255.255.1:6443', namespace: dest }],
      ['down', { name: 'closed', namespace: dest }],
    ] as const) {
      await seedApp(env, desired, { namespace: ns, name }, destination, 'e'.repeat(40));
    }
    role = await differRole.start({
      logger: createLogger({ name: 'differ', level: 'silent' }),
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

  const status = async (name: string) =>
    (
      await rawRequest<Application>(env.kube.kc, {
        method: 'GET',
        path: applicationPath(ns, name),
      })
    ).status ?? {};

  it('compares apps on a cluster named by server or by name', async () => {
    const pub = createPublisher(nc);
    for (const name of ['remote', 'by-name'])
      await pub.command({ version: 1, kind: 'diff', app: { namespace: ns, name }, reason: 'test' });
    await waitFor(
      'both compared',
      async () =>
        (await status('remote')).sync?.status === 'OutOfSync' &&
        (await status('by-name')).sync?.status === 'OutOfSync',
      {
        timeoutMs: 30_000,
        intervalMs: 300,
      },
    );
    expect((await status('remote')).resources?.[0]).toMatchObject({
      kind: 'ConfigMap',
      name: 'remote-cm',
      namespace: dest,
    });
  });

  const comparisonError = async (name: string) => {
    await createPublisher(nc).command({
      version: 1,
      kind: 'diff',
      app: { namespace: ns, name },
      reason: 'test',
    });
    await waitFor(
      'error condition',
      async () =>
        (await status(name)).conditions?.some((c) => c.type === 'ComparisonError') === true,
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    return status(name);
  };

  it('marks an app whose cluster is unknown with a ComparisonError, sync Unknown', async () => {
    const s = await comparisonError('nowhere');
    expect(s.sync?.status).toBe('Unknown');
    expect(s.conditions?.[0]?.message).toContain(
      'no cluster Secret for destination https://10.255.255.1:6443',
    );
  });

  it('marks an app whose cluster does not answer with a ComparisonError naming it, sync Unknown', async () => {
    const s = await comparisonError('down');
    expect(s.sync?.status).toBe('Unknown');
    // Nothing was compared, so nothing is listed as Missing (nor would be created or pruned).
    expect(s.resources ?? []).toEqual([]);
    expect(s.conditions?.map((c) => c.message)).toEqual([
      `cluster closed (${closed}) is unreachable: connect ECONNREFUSED ${closed.replace('https://', '')}`,
    ]);
  });
});
