// A push followed at once by a refresh or a manual sync shows and deploys
// that push, whatever the polling interval: both ask Git again. Real Git over
// HTTP, the real apiserver, all five roles, and the `flotilla` command.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, type Application } from '@flotilla/api';
import { installCrds, rawRequest } from '@flotilla/kube';
import { run } from '@flotilla/runtime';
import { startEnv, startRoles, waitFor, type RunningRoles, type TestEnv } from '@flotilla/testing';
import { ALL_ROLES, testRoleEnv } from './support/roles.js';

const CLI = join(import.meta.dirname, '..', '..', 'cli', 'bin', 'flotilla.mjs');

const config = (value: string) => ({
  'web/config.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config}\ndata: {value: "${value}"}\n`,
});

describe('refresh and manual sync after a push', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  let roles: RunningRoles | undefined;
  const flotilla = (...args: string[]) =>
    run(process.execPath, [CLI, 'app', ...args, '--kubeconfig', env.kube.kubeconfigPath, '-n', ns]);
  const app = async () =>
    rawRequest<Application>(env.kube.kc, {
      method: 'GET',
      path: `/apis/${API_VERSION}/namespaces/${ns}/applications/web`,
    });
  const live = async () =>
    (
      await rawRequest<{ data: Record<string, string> }>(env.kube.kc, {
        method: 'GET',
        path: `/api/v1/namespaces/${dest}/configmaps/web-config`,
      }).catch(() => undefined)
    )?.data['value'];

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    dest = await env.kube.namespace('dest');
    repo = await env.git.repo('apps');
    await repo.commit(config('1'));
    // Polling every hour (the default is 120 s): only the refresh or the sync
    // itself can explain a new commit showing up during the test.
    roles = await startRoles(env, ns, ALL_ROLES, {
      ...testRoleEnv(env),
      FLOTILLA_POLL_INTERVAL_SECONDS: '3600',
    });
    await env.kube.objects.create({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name: 'web', namespace: ns },
      spec: {
        project: 'default',
        source: { repoURL: repo.url, targetRevision: 'main', path: 'web' },
        destination: { server: 'https://kubernetes.default.svc', namespace: dest },
      },
    } as Application);
    const first = await repo.revParse('main');
    await waitFor('first comparison', async () => (await app()).status?.sync?.revision === first, {
      timeoutMs: 90_000,
      intervalMs: 500,
    });
  });
  afterAll(async () => {
    await roles?.stop();
    await env[Symbol.asyncDispose]();
  });

  it('app get --refresh right after a push prints the new commit', async () => {
    const pushed = await repo.commit(config('2'), 'value 2');
    const out = await flotilla('get', 'web', '--refresh', '-o', 'json');
    const printed = JSON.parse(out.stdout) as Application;
    expect(printed.status?.sync?.revision).toBe(pushed);
    expect(printed.status?.sync?.status).toBe('OutOfSync');
    // The request was a one-shot: the annotation is gone, the resolved commit recorded.
    const annotations = (await app()).metadata?.annotations ?? {};
    expect(annotations['flotilla.dev/refresh']).toBeUndefined();
    expect(annotations['flotilla.dev/refreshed-revisions']).toBe(pushed);
  });

  it('a manual sync right after a push deploys the new commit, and status follows', async () => {
    const pushed = await repo.commit(config('3'), 'value 3');
    await flotilla('sync', 'web');
    await waitFor('value 3 live', async () => (await live()) === '3', {
      timeoutMs: 90_000,
      intervalMs: 500,
    });
    // The git-poller looked at Git again for the sync, so the status follows too.
    await waitFor(
      'synced at the pushed commit',
      async () => {
        const s = (await app()).status;
        return s?.sync?.status === 'Synced' && s.sync.revision === pushed;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    expect((await app()).status?.operationState?.syncResult?.revision).toBe(pushed);
  });
});
