import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { NatsConnection } from '@nats-io/transport-node';
import { applicationPath, type Application } from '@flotilla/api';
import { connectBus, createPublisher, provisionBus } from '@flotilla/bus';
import { installCrds, rawRequest } from '@flotilla/kube';
import { DesiredStore } from '@flotilla/render';
import { createLogger, metrics, type RoleHandle } from '@flotilla/runtime';
import { startEnv, waitFor, type TestEnv, roleConfig } from '@flotilla/testing';
import { differRole } from '../src/role.js';
import { seedApp } from './seed.js';

describe('two differ replicas', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let nc: NatsConnection;
  let redis: Redis;
  const roles: RoleHandle[] = [];
  const names = Array.from({ length: 12 }, (_, i) => `app-${i}`);

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    dest = await env.kube.namespace('dest');
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    await provisionBus(nc);
    redis = new Redis(env.redis.url);
    const desired = new DesiredStore(redis);
    for (const name of names) {
      await seedApp(
        env,
        desired,
        { namespace: ns, name },
        { server: 'https://kubernetes.default.svc', namespace: dest },
        'd'.repeat(40),
      );
    }
    const config = roleConfig(env, ns);
    for (let i = 0; i < 2; i++) {
      roles.push(
        await differRole.start({
          logger: createLogger({ name: `differ-${i}`, level: 'warn' }),
          signal: new AbortController().signal,
          config,
          env: { FLOTILLA_RESYNC_SECONDS: '3600', FLOTILLA_DIFF_CONCURRENCY: '1' },
        }),
      );
    }
  });
  afterAll(async () => {
    for (const r of roles) await r.stop();
    await nc?.close();
    redis?.disconnect();
    await env[Symbol.asyncDispose]();
  });

  it('share the apps through the work queue; every app gets its status', async () => {
    const before = (await metrics.work.get()).values
      .filter((v) => v.labels['kind'] === 'diff')
      .reduce((a, v) => a + v.value, 0);
    const pub = createPublisher(nc);
    for (const name of names)
      await pub.command({ version: 1, kind: 'diff', app: { namespace: ns, name }, reason: 'test' });
    const statusOf = async (name: string) =>
      (
        await rawRequest<Application>(env.kube.kc, {
          method: 'GET',
          path: applicationPath(ns, name),
        })
      ).status;
    await waitFor(
      'every app compared',
      async () =>
        (await Promise.all(names.map(statusOf))).every((s) => s?.sync?.status === 'OutOfSync'),
      {
        timeoutMs: 60_000,
        intervalMs: 500,
      },
    );
    const after = (await metrics.work.get()).values
      .filter((v) => v.labels['kind'] === 'diff')
      .reduce((a, v) => a + v.value, 0);
    expect(after - before).toBeGreaterThanOrEqual(names.length);
  });
});
