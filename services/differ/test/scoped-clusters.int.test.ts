// permitOnlyProjectScopedClusters: a project that sets it accepts only
// destinations whose cluster Secret names it (`project` key); others, and the
// in-cluster destination (no Secret), get InvalidSpecError.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { API_VERSION, APP_PROJECT, type Application, applicationPath } from '@flotilla/api';
import { connectBus, createPublisher, provisionBus } from '@flotilla/bus';
import { ProjectClient, installCrds, rawRequest } from '@flotilla/kube';
import { DesiredStore } from '@flotilla/render';
import type { RoleHandle } from '@flotilla/runtime';
import { startEnv, waitFor, type TestEnv } from '@flotilla/testing';
import { createClusterSecret, seedApp, startDiffer } from './seed.js';

describe('permitOnlyProjectScopedClusters', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let nc: NatsConnection;
  let redis: Redis;
  let role: RoleHandle;

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    dest = await env.kube.namespace('dest');
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    await provisionBus(nc);
    redis = new Redis(env.redis.url);
    const cluster = env.kube.kc.getCurrentCluster()!;
    const user = env.kube.kc.user;
    const config = {
      bearerToken: user.token,
      tlsClientConfig: { caData: Buffer.from(cluster.ca ?? '').toString('base64') },
    };
    // Two Secrets for the test cluster: one scoped to the project, one to another.
    await createClusterSecret(env, ns, {
      name: 'team',
      server: cluster.server,
      config,
      project: 'scoped',
    });
    await createClusterSecret(env, ns, {
      name: 'theirs',
      server: `${cluster.server}/`,
      config,
      project: 'someone-else',
    });
    await new ProjectClient(env.kube.kc).create(ns, {
      apiVersion: API_VERSION,
      kind: APP_PROJECT.kind,
      metadata: { name: 'scoped', namespace: ns },
      spec: {
        sourceRepos: ['*'],
        destinations: [{ server: '*', name: '*', namespace: '*' }],
        permitOnlyProjectScopedClusters: true,
      },
    });
    const desired = new DesiredStore(redis);
    for (const [name, destination] of [
      ['on-team', { name: 'team', namespace: dest }],
      ['on-theirs', { name: 'theirs', namespace: dest }],
      ['in-cluster', { server: 'https://kubernetes.default.svc', namespace: dest }],
    ] as const) {
      await seedApp(env, desired, { namespace: ns, name }, destination, 'f'.repeat(40));
      await rawRequest(env.kube.kc, {
        method: 'PATCH',
        path: applicationPath(ns, name),
        contentType: 'application/merge-patch+json',
        body: { spec: { project: 'scoped' } },
      });
    }
    role = await startDiffer(env, ns);
  });
  afterAll(async () => {
    await role?.stop();
    await nc?.close();
    redis?.disconnect();
    await env?.[Symbol.asyncDispose]();
  });

  const conditions = async (name: string) =>
    (
      await rawRequest<Application>(env.kube.kc, {
        method: 'GET',
        path: applicationPath(ns, name),
      })
    ).status?.conditions ?? [];
  const compared = (name: string) =>
    waitFor(
      `${name} compared`,
      async () => {
        await createPublisher(nc).command({
          version: 1,
          kind: 'diff',
          app: { namespace: ns, name },
          reason: 'test',
        });
        const a = await rawRequest<Application>(env.kube.kc, {
          method: 'GET',
          path: applicationPath(ns, name),
        });
        return a.status?.sync?.status !== undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );

  it('accepts a cluster whose Secret names the project', async () => {
    await compared('on-team');
    expect((await conditions('on-team')).map((c) => c.type)).not.toContain('InvalidSpecError');
  });

  it("refuses another project's cluster and the in-cluster destination", async () => {
    for (const name of ['on-theirs', 'in-cluster']) {
      await compared(name);
      const invalid = (await conditions(name)).find((c) => c.type === 'InvalidSpecError');
      expect(invalid?.message).toContain('permitOnlyProjectScopedClusters');
    }
  });
});
