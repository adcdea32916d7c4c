import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { NatsConnection } from '@nats-io/transport-node';
import { API_VERSION, type Application, applicationPath } from '@flotilla/api';
import { connectBus, createPublisher, provisionBus } from '@flotilla/bus';
import { trackingId } from '@flotilla/gitops';
import { applyObject, Discovery, installCrds, rawRequest } from '@flotilla/kube';
import { DesiredStore } from '@flotilla/render';
import { createLogger, type RoleHandle } from '@flotilla/runtime';
import { roleConfig, startEnv, waitFor, type TestEnv } from '@flotilla/testing';
import { differRole } from '@flotilla/differ';
import { flotilla } from './cli.js';

const PASSWORD = 'hunter2-do-not-print';
const ROTATED = 'correct-horse-battery';

describe('flotilla app diff', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let redis: Redis;
  let nc: NatsConnection;
  let differ: RoleHandle | undefined;
  const app = { namespace: '', name: 'web' };

  const configMap = (value = '1') => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'web-config' },
    data: { greeting: 'hello', value },
  });
  const secret = (password = PASSWORD) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'web-creds' },
    type: 'Opaque',
    stringData: { password },
  });
  const diff = (...args: string[]) =>
    flotilla([
      'app',
      'diff',
      ...args,
      '--kubeconfig',
      env.kube.kubeconfigPath,
      '-n',
      ns,
      '--redis-url',
      env.redis.url,
    ]);
  const applyLive = async (obj: Record<string, unknown>) => {
    const kind = String(obj['kind']);
    const meta = obj['metadata'] as Record<string, unknown>;
    const key = { group: '', kind, namespace: dest, name: String(meta['name']) };
    const live = {
      ...obj,
      metadata: {
        ...meta,
        namespace: dest,
        annotations: { 'flotilla.dev/tracking-id': trackingId(app, key) },
      },
    };
    await applyObject(env.kube.kc, new Discovery(env.kube.kc), live as never, {
      fieldManager: 'flotilla',
    });
  };

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    dest = await env.kube.namespace('dest');
    app.namespace = ns;
    redis = new Redis(env.redis.url);
    for (const name of ['web', 'unrendered']) {
      await env.kube.objects.create({
        apiVersion: API_VERSION,
        kind: 'Application',
        metadata: { name, namespace: ns },
        spec: {
          project: 'default',
          source: {
            repoURL: 'https://git.example.com/apps.git',
            targetRevision: 'main',
            path: name,
          },
          destination: { server: 'https://kubernetes.default.svc', namespace: dest },
        },
      } as Application);
    }
    await new DesiredStore(redis).setRendered(app, {
      revisions: ['a'.repeat(40)],
      hash: 'sha256:web',
      objects: [configMap(), secret()],
      warnings: [],
      renderedAt: new Date().toISOString(),
    });
  });
  afterAll(async () => {
    await differ?.stop();
    await nc?.close();
    redis?.disconnect();
    await env[Symbol.asyncDispose]();
  });

  it('says clearly when an app was never rendered or does not exist (exit code 2)', async () => {
    const unrendered = await diff('unrendered');
    expect(unrendered.code).toBe(2);
    expect(unrendered.stderr).toContain(`application ${ns}/unrendered has never been rendered`);
    const missing = await diff('nope');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`application ${ns}/nope not found`);
  });

  it('shows missing resources as added, with Secret values masked (exit code 1)', async () => {
    const r = await diff('web');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`+++ desired/core/ConfigMap/${dest}/web-config`);
    expect(r.stdout).toContain('+  greeting: hello');
    expect(r.stdout).toContain(`+++ desired/core/Secret/${dest}/web-creds`);
    expect(r.stdout).toMatch(/\+ {2}password: \++\n/);
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toContain(PASSWORD);
      expect(out).not.toContain(Buffer.from(PASSWORD).toString('base64'));
    }
    // Not a terminal: no colour unless asked for.
    expect(r.stdout).not.toContain('\u001b[');
    const coloured = await diff('web', '--color');
    expect(coloured.stdout).toContain('\u001b[32m+  greeting: hello\u001b[0m');
  });

  it('exits 0 with no output when live matches desired', async () => {
    await applyLive(configMap());
    await applyLive(secret());
    const r = await diff('web');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
  });

  it('shows drift field by field and decides as the differ does', async () => {
    await applyLive(configMap('2'));
    await applyLive(secret(ROTATED));
    const r = await diff('web');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('-  value: "2"');
    expect(r.stdout).toContain('+  value: "1"');
    // A changed Secret value shows as two masks of different lengths, never the values.
    const masks = [...r.stdout.matchAll(/^([-+]) {2}password: (\++)$/gm)].map((m) => m[2]);
    expect(masks).toHaveLength(2);
    expect(masks[0]).not.toBe(masks[1]);
    for (const v of [PASSWORD, ROTATED]) {
      expect(r.stdout + r.stderr).not.toContain(v);
      expect(r.stdout + r.stderr).not.toContain(Buffer.from(v).toString('base64'));
    }

    const json = await diff('web', '-o', 'json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as {
      status: string;
      resources: { kind: string; name: string; status: string; changedPaths: string[] }[];
    };
    expect(report.status).toBe('OutOfSync');

    // The differ, comparing the same state, reaches the same verdict per resource.
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    await provisionBus(nc);
    differ = await differRole.start({
      logger: createLogger({ name: 'differ', level: 'warn' }),
      signal: new AbortController().signal,
      config: roleConfig(env, ns),
      env: { FLOTILLA_RESYNC_SECONDS: '3600' },
    });
    await createPublisher(nc).command({ version: 1, kind: 'diff', app, reason: 'test' });
    const status = async () =>
      (
        await rawRequest<Application>(env.kube.kc, {
          method: 'GET',
          path: applicationPath(ns, 'web'),
        })
      ).status;
    await waitFor(
      'the differ compared web',
      async () =>
        (await status())?.sync?.status !== undefined &&
        (await status())?.sync?.status !== 'Unknown',
      {
        timeoutMs: 60_000,
        intervalMs: 500,
      },
    );
    const s = await status();
    expect(s?.sync?.status).toBe(report.status);
    expect((s?.resources ?? []).map((x) => [x.kind, x.name, x.status]).sort()).toEqual(
      report.resources.map((x) => [x.kind, x.name, x.status]).sort(),
    );
  });
});
