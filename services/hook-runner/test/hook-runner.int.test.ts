import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus, createPublisher, provisionBus } from '@flotilla/bus';
import { Streams, type HookCommand } from '@flotilla/contracts';
import { rawRequest } from '@flotilla/kube';
import { createLogger, type RoleHandle } from '@flotilla/runtime';
import { HookStore } from '@flotilla/sync-exec';
import { startEnv, streamMessages, waitFor, type TestEnv, roleConfig } from '@flotilla/testing';
import { hookRunnerRole } from '../src/role.js';

describe('the hook-runner role', () => {
  let env: TestEnv;
  let nc: NatsConnection;
  let redis: Redis;
  let store: HookStore;
  let role: RoleHandle;
  let ns: string;

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true });
    ns = await env.kube.namespace('hooks');
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    await provisionBus(nc);
    redis = new Redis(env.redis.url);
    store = new HookStore(redis);
    role = await hookRunnerRole.start({
      logger: createLogger({ name: 'hook-runner', level: 'warn' }),
      signal: new AbortController().signal,
      config: roleConfig(env, ns),
      env: {},
    });
  });
  afterAll(async () => {
    await role?.stop();
    await nc?.close();
    redis?.disconnect();
    await env[Symbol.asyncDispose]();
  });

  it('a redelivered hook command finds the Job it already made and reports once', async () => {
    const app = { namespace: ns, name: 'app' };
    const key = { group: 'batch', kind: 'Job', namespace: ns, name: 'migrate-abc' };
    await store.putSpecs('op-1', [
      {
        key,
        hookType: 'PreSync',
        wave: 0,
        timeoutMs: 300_000,
        object: {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name: 'migrate-abc', namespace: ns },
          spec: {
            backoffLimit: 0,
            template: {
              spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'alpine' }] },
            },
          },
        },
      },
    ]);
    const cmd: HookCommand = {
      version: 1,
      kind: 'hook',
      app,
      reason: 'test',
      operationId: 'op-1',
      phase: 'PreSync',
      wave: 0,
      hooks: [key],
    };
    const bus = createPublisher(nc);
    await bus.command(cmd, { msgId: 'first' });
    await waitFor('a verdict', async () => (await store.verdict('op-1', key)) !== undefined, {
      timeoutMs: 60_000,
    });
    const uid = async () =>
      (
        await rawRequest<{ metadata: { uid: string } }>(env.kube.kc, {
          method: 'GET',
          path: `/apis/batch/v1/namespaces/${ns}/jobs/migrate-abc`,
        })
      ).metadata.uid;
    const before = await uid();
    expect((await store.verdict('op-1', key))?.phase).toBe('Succeeded');

    await bus.command(cmd, { msgId: 'second' });
    await waitFor(
      'the second command to be handled',
      async () => {
        const pending = await streamMessages(nc, Streams.Work, `flotilla.work.hook.${ns}.app`);
        return pending.length === 0;
      },
      { timeoutMs: 30_000 },
    );
    expect(await uid()).toBe(before);
    const started = await streamMessages(
      nc,
      Streams.Events,
      `flotilla.events.${ns}.app.hook.started`,
    );
    const succeeded = await streamMessages(
      nc,
      Streams.Events,
      `flotilla.events.${ns}.app.hook.succeeded`,
    );
    expect(started).toHaveLength(1);
    expect(succeeded).toHaveLength(1);
  });
});
