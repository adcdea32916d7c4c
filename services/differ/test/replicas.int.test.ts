import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus, createPublisher, provisionBus } from '@flotilla/bus';
import { ApplicationClient, installCrds } from '@flotilla/kube';
import { DesiredStore } from '@flotilla/render';
import { createLogger, type RoleHandle } from '@flotilla/runtime';
import { startEnv, waitFor, type TestEnv, roleConfig } from '@flotilla/testing';
import { differRole } from '../src/role.js';
import { seedApp } from './seed.js';

const sum = (ns: readonly number[]) => ns.reduce((a, n) => a + n, 0);

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

  it('share the apps through the work queue: each replica compares some, every app gets its status', async () => {
    const handled = () => roles.map((r) => r.work?.handled ?? 0);
    const before = handled();
    const pub = createPublisher(nc);
    for (const name of names)
      await pub.command({ version: 1, kind: 'diff', app: { namespace: ns, name }, reason: 'test' });
    const apps = new ApplicationClient(env.kube.kc);
    await waitFor(
      'every app compared',
      async () =>
        (await Promise.all(names.map((name) => apps.get({ namespace: ns, name })))).every(
          (a) => a?.status?.sync?.status === 'OutOfSync',
        ),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    // A message is counted once it is acknowledged, just after its status write.
    const done = () => handled().map((n, i) => n - (before[i] ?? 0));
    await waitFor('every command settled', async () => sum(done()) >= names.length, {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    const [first, second] = done();
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(0);
  });
});
