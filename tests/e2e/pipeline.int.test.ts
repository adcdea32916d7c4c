import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, type Application, applicationPath } from '@flotilla/api';
import { installCrds, rawRequest } from '@flotilla/kube';
import {
  compatDir,
  startEnv,
  startRoles,
  waitFor,
  type RunningRoles,
  type TestEnv,
} from '@flotilla/testing';
import { gitPollerRole } from '@flotilla/git-poller';
import { rendererRole } from '@flotilla/renderer';
import { differRole } from '@flotilla/differ';
import { testRoleEnv } from './support/roles.js';

const compat = compatDir();

describe('Git to status through git-poller, renderer and differ', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  let roles: RunningRoles | undefined;

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    dest = await env.kube.namespace('guestbook');
    repo = await env.git.repo('examples');
    await repo.commitDir(join(compat, 'helm-guestbook'), 'helm-guestbook');
    roles = await startRoles(env, ns, [differRole, rendererRole, gitPollerRole], testRoleEnv(env));
  });
  afterAll(async () => {
    await roles?.stop();
    await env[Symbol.asyncDispose]();
  });

  const status = async () =>
    (
      await rawRequest<Application>(env.kube.kc, {
        method: 'GET',
        path: applicationPath(ns, 'guestbook'),
      })
    ).status ?? {};

  it('a new Application is rendered from Git and compared: OutOfSync, resources Missing, at the commit', async () => {
    await env.kube.objects.create({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name: 'guestbook', namespace: ns },
      spec: {
        project: 'default',
        source: {
          repoURL: repo.url,
          targetRevision: 'main',
          path: 'helm-guestbook',
          helm: { valueFiles: ['values-production.yaml'] },
        },
        destination: { server: 'https://kubernetes.default.svc', namespace: dest },
      },
    } as Application);
    const head = await repo.revParse('main');
    await waitFor('compared', async () => (await status()).sync?.revision === head, {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    const s = await status();
    expect(s.sync?.status).toBe('OutOfSync');
    expect(
      s.resources?.map((r) => `${r.kind}/${r.name}:${r.status}:${r.health?.status}`).sort(),
    ).toEqual([
      'Deployment/guestbook-helm-guestbook:OutOfSync:Missing',
      'Service/guestbook-helm-guestbook:OutOfSync:Missing',
    ]);
  });

  it('a broken chart committed to Git ends as ComparisonError and keeps the resources', async () => {
    await repo.commit(
      {
        'helm-guestbook/templates/broken.yaml':
          'kind: ConfigMap\nmetadata:\n  name: {{ .Values.nope.missing }}\n',
      },
      'break the chart',
    );
    await waitFor(
      'ComparisonError',
      async () => (await status()).conditions?.some((c) => c.type === 'ComparisonError') === true,
      {
        timeoutMs: 30_000,
        intervalMs: 200,
      },
    );
    const s = await status();
    expect(s.sync?.status).toBe('Unknown');
    expect(s.resources).toHaveLength(2);
  });

  it('fixing the chart clears the error', async () => {
    const fixed = await repo.commit(
      { 'helm-guestbook/templates/broken.yaml': null },
      'fix the chart',
    );
    await waitFor(
      'recovered',
      async () => {
        const s = await status();
        return (
          s.sync?.revision === fixed && !s.conditions?.some((c) => c.type === 'ComparisonError')
        );
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  });
});
