import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, type Application, type Operation } from '@flotilla/api';
import { planRollback } from '@flotilla/gitops';
import { installCrds, rawRequest } from '@flotilla/kube';
import {
  addRegistryAccess,
  runOperation,
  startEnv,
  startRoles,
  waitFor,
  writeChart,
  type RunningRoles,
  type TestEnv,
} from '@flotilla/testing';
import { IN_CLUSTER, readApp } from './support/apps.js';
import { ALL_ROLES, testRoleEnv } from './support/roles.js';

// A multi-source app (the chart in an OCI registry at `1.x`, its values in Git)
// synced by hand twice, then rolled back: the rollback must restore both
// sources' revisions at once, the chart version and the values commit, and
// history must say so. All five roles run.
describe('rollback of a chart from a registry with values from Git restores every source', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let roles: RunningRoles | undefined;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  let charts: string;
  const commits: string[] = [];

  const chart = (version: string) =>
    writeChart(join(charts, version), { name: 'webapp', version, values: { greeting: 'default' } });
  const app = (): Application =>
    ({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name: 'web', namespace: ns },
      spec: {
        project: 'default',
        sources: [
          {
            repoURL: `oci://${env.registry.host}/charts`,
            chart: 'webapp',
            targetRevision: '1.x',
            helm: { releaseName: 'web', valueFiles: ['$values/values.yaml'] },
          },
          { repoURL: repo.url, targetRevision: 'main', ref: 'values' },
        ],
        destination: { server: IN_CLUSTER, namespace: dest },
      },
    }) as Application;
  const current = async () => (await readApp(env.kube.kc, ns, 'web'))!;
  const live = async () =>
    (
      await rawRequest<{ data: Record<string, string> }>(env.kube.kc, {
        method: 'GET',
        path: `/api/v1/namespaces/${dest}/configmaps/web-webapp`,
      }).catch(() => undefined)
    )?.data;
  const run = (operation: Operation) => runOperation(env.kube.kc, ns, 'web', operation);
  const comparedAt = (revisions: string[]) =>
    waitFor(
      `compared at ${revisions.join(', ')}`,
      async () =>
        JSON.stringify((await current()).status?.sync?.revisions) === JSON.stringify(revisions),
      { timeoutMs: 120_000, intervalMs: 500 },
    );

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true, registry: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    dest = await env.kube.namespace('web');
    charts = join(env.tmpDir, 'charts');
    await env.registry.push(await chart('1.0.0'));
    repo = await env.git.repo('web-values');
    commits.push(await repo.commit({ 'values.yaml': 'greeting: first\n' }, 'first values'));
    await addRegistryAccess(env.kube.objects, ns, env.registry, env.ca);
    roles = await startRoles(env, ns, ALL_ROLES, testRoleEnv(env));
    await env.kube.objects.create(app());
  }, 1_800_000);
  afterAll(async () => {
    await roles?.stop();
    await env?.[Symbol.asyncDispose]();
  });

  it('a sync records chart 1.0.0 and the first values commit', async () => {
    await comparedAt(['1.0.0', commits[0]!]);
    const a = await run({ sync: { prune: true } });
    expect(a.status?.operationState?.phase, a.status?.operationState?.message).toBe('Succeeded');
    expect(a.status?.operationState?.syncResult?.revisions).toEqual(['1.0.0', commits[0]]);
    expect(await live()).toEqual({ greeting: 'first', chartVersion: '1.0.0' });
    expect(a.status?.history?.map((h) => h.revisions)).toEqual([['1.0.0', commits[0]]]);
  });

  it('chart 1.1.0 and a second values commit: the next sync records both', async () => {
    await env.registry.push(await chart('1.1.0'));
    commits.push(await repo.commit({ 'values.yaml': 'greeting: second\n' }, 'second values'));
    await comparedAt(['1.1.0', commits[1]!]);
    expect((await current()).status?.sync?.status).toBe('OutOfSync');
    const a = await run({ sync: { prune: true } });
    expect(a.status?.operationState?.phase, a.status?.operationState?.message).toBe('Succeeded');
    expect(await live()).toEqual({ greeting: 'second', chartVersion: '1.1.0' });
    expect(a.status?.history?.map((h) => h.revisions)).toEqual([
      ['1.0.0', commits[0]],
      ['1.1.0', commits[1]],
    ]);
  });

  it('rolling back to the first entry restores the chart version and the values commit together', async () => {
    const before = await current();
    const decision = planRollback(before.spec!, before.status?.history, 0, { prune: true });
    if (!decision.ok) throw new Error(decision.reason);
    expect(decision.operation.sync?.revisions).toEqual(['1.0.0', commits[0]]);
    const a = await run(decision.operation);
    const state = a.status?.operationState;
    expect(state?.phase, state?.message).toBe('Succeeded');
    expect(state?.syncResult?.revisions).toEqual(['1.0.0', commits[0]]);
    expect(await live()).toEqual({ greeting: 'first', chartVersion: '1.0.0' });
    const last = a.status?.history?.at(-1);
    expect(a.status?.history).toHaveLength(3);
    expect(last?.revisions).toEqual(['1.0.0', commits[0]]);
    expect(last?.sources?.map((s) => s.repoURL)).toEqual(
      app().spec!.sources!.map((s) => s.repoURL),
    );
    // The target is still 1.x and main: the app compares there, and is OutOfSync.
    await comparedAt(['1.1.0', commits[1]!]);
    await waitFor(
      'OutOfSync after the rollback',
      async () => (await current()).status?.sync?.status === 'OutOfSync',
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  });
});
