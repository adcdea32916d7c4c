// The demo `npm start` shows a newcomer, end to end with all five roles: the
// chart in examples/demo with the Application in examples/demo-application.yaml.
// Its hooks and waves run in Argo CD's order, as the operation's results and the
// event stream both tell.
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Application } from '@flotilla/api';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus } from '@flotilla/bus';
import { Streams } from '@flotilla/contracts';
import { installCrds } from '@flotilla/kube';
import { freePort } from '@flotilla/runtime';
import {
  startEnv,
  startRoles,
  streamMessages,
  waitFor,
  type RunningRoles,
  type TestEnv,
} from '@flotilla/testing';
import {
  deleteNamespaces,
  demoApplication,
  describeStatus,
  isSyncedHealthy,
  readApp,
} from './support/apps.js';
import { ALL_ROLES, testRoleEnv } from './support/roles.js';

const examples = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');

describe('the quick-start demo app, end to end', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let roles: RunningRoles | undefined;
  let nc: NatsConnection;
  let app: Application | undefined;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  let webhookPort: number;
  const secret = 'demo-webhook-secret';

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('demo-apps');
    // The app creates its destination namespace (CreateNamespace=true).
    dest = `demo-${ns.slice(-8)}`;
    repo = await env.git.repo('demo');
    await repo.commitDir(join(examples, 'demo'), 'demo');
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    webhookPort = await freePort();
    roles = await startRoles(env, ns, ALL_ROLES, {
      ...testRoleEnv(env),
      // Polling only at start: a later commit arrives through the push webhook or not at all.
      FLOTILLA_POLL_INTERVAL_SECONDS: '3600',
      FLOTILLA_WEBHOOK_ADDR: `127.0.0.1:${webhookPort}`,
      FLOTILLA_WEBHOOK_GENERIC_SECRET: secret,
    });
    await env.kube.objects.create(await demoApplication(ns, repo.url, dest));
    const head = await repo.revParse('main');
    await waitFor(
      'the demo Synced and Healthy',
      async () => {
        app = await readApp(env.kube.kc, ns, 'demo');
        return isSyncedHealthy(app, head) && app?.status?.operationState?.phase === 'Succeeded';
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last status ${describeStatus(app)}`);
    });
  });

  afterAll(async () => {
    await roles?.stop();
    await nc?.close();
    if (env && dest) await deleteNamespaces(env.kube.kc, [dest]);
    await env?.[Symbol.asyncDispose]();
  });

  it('reports PreSync, waves -1, 0, 1 and PostSync in order in the operation result', () => {
    const results = app?.status?.operationState?.syncResult?.resources ?? [];
    const row = (r: (typeof results)[number]) =>
      `${r.syncPhase ?? ''} ${r.hookType ?? '-'} ${r.kind}/${r.name}`;
    const order = ['PreSync', 'Sync', 'PostSync'];
    const sorted = [...results].sort(
      (a, b) => order.indexOf(a.syncPhase ?? '') - order.indexOf(b.syncPhase ?? ''),
    );
    expect(sorted.map(row)).toEqual(results.map(row));
    expect(results.filter((r) => r.hookType).map(row)).toEqual([
      'PreSync PreSync Job/demo-migrate',
      'PostSync PostSync Job/demo-smoke-test',
    ]);
    for (const r of results) {
      expect(r.status === 'Synced' || r.hookPhase === 'Succeeded').toBe(true);
    }
  });

  it('ran the migration before any resource and the smoke test after all of them', async () => {
    const events = await streamMessages(nc, Streams.Events, `flotilla.events.${ns}.demo.>`);
    const steps = events
      .filter((e) => /\.(hook\.started|resource\.applied)\.v1$/.test(String(e['type'])))
      .map((e) => {
        const d = e['data'] as {
          resource?: { kind: string; name: string };
          hook?: { kind: string; name: string };
          wave: number;
        };
        const r = d.resource ?? d.hook;
        return { what: `${r?.kind}/${r?.name}`, hook: d.hook !== undefined, wave: d.wave };
      });
    // CreateNamespace makes the destination namespace first, in PreSync, as in Argo CD.
    expect(steps[0]?.what).toBe(`Namespace/${dest}`);
    expect(steps[1]?.what).toBe('Job/demo-migrate');
    expect(steps.at(-1)?.what).toBe('Job/demo-smoke-test');
    const applied = steps.filter((s) => !s.hook && !s.what.startsWith('Namespace/'));
    expect(applied.map((s) => s.wave)).toEqual(
      [...applied.map((s) => s.wave)].sort((a, b) => a - b),
    );
    expect(new Set(applied.map((s) => s.wave))).toEqual(new Set([-1, 0, 1]));
    expect(applied.find((s) => s.what === 'ConfigMap/demo-config')?.wave).toBe(-1);
    expect(applied.find((s) => s.what === 'Deployment/demo-frontend')?.wave).toBe(1);
  });

  it('deletes the smoke test after it succeeds (HookSucceeded) and keeps the migration Job', async () => {
    await waitFor(
      'the smoke test Job gone',
      async () =>
        !(await env.kube.objects
          .read({
            apiVersion: 'batch/v1',
            kind: 'Job',
            metadata: { name: 'demo-smoke-test', namespace: dest },
          })
          .then(() => true)
          .catch(() => false)),
      { timeoutMs: 60_000 },
    );
    const migrate = await env.kube.objects.read({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'demo-migrate', namespace: dest },
    });
    expect(migrate.metadata?.name).toBe('demo-migrate');
  });

  it('rolls out a commit announced by a push webhook, with polling out of the way', async () => {
    const values = await readFile(join(examples, 'demo', 'values.yaml'), 'utf8');
    const sha = await repo.commit(
      { 'demo/values.yaml': values.replace('frontend: 2', 'frontend: 3') },
      'scale the frontend',
    );
    const body = JSON.stringify({
      repoURL: repo.url,
      ref: 'refs/heads/main',
      changedFiles: ['demo/values.yaml'],
    });
    const res = await fetch(`http://127.0.0.1:${webhookPort}/api/webhook`, {
      method: 'POST',
      headers: {
        'x-flotilla-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      },
      body,
    });
    expect(res.status).toBeLessThan(300);
    await waitFor(
      'the commit live',
      async () => {
        app = await readApp(env.kube.kc, ns, 'demo');
        const frontend = await env.kube.objects
          .read<{
            apiVersion: string;
            kind: string;
            metadata: { name: string; namespace: string };
            spec?: { replicas?: number };
          }>({
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: 'demo-frontend', namespace: dest },
          })
          .catch(() => undefined);
        return isSyncedHealthy(app, sha) && frontend?.spec?.replicas === 3;
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last status ${describeStatus(app)}`);
    });
  });
});
