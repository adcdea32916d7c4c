// `flotilla app diff` with only a kubeconfig: no Redis URL, so the CLI
// renders the app from Git itself, at the commit the differ compared.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, type Application } from '@flotilla/api';
import { trackingId } from '@flotilla/gitops';
import { applyObject, Discovery, installCrds, rawRequest } from '@flotilla/kube';
import { startEnv, startRoles, waitFor, type RunningRoles, type TestEnv } from '@flotilla/testing';
import { differRole } from '@flotilla/differ';
import { gitPollerRole } from '@flotilla/git-poller';
import { rendererRole } from '@flotilla/renderer';
import { flotilla } from './cli.js';

const PASSWORD = 'swordfish-never-shown';

const files = (value: string) => ({
  'web/config.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config}\ndata: {value: "${value}"}\n`,
  'web/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: web-creds}\nstringData: {password: ${PASSWORD}}\n`,
});

describe('flotilla app diff without Redis', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let roles: RunningRoles | undefined;
  let first: string;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  const app = { namespace: '', name: 'web' };
  // No --redis-url, and none in the environment either.
  const diff = (...args: string[]) =>
    flotilla(['app', 'diff', 'web', '--kubeconfig', env.kube.kubeconfigPath, '-n', ns, ...args], {
      env: { FLOTILLA_REDIS_URL: '', FLOTILLA_REPO_CACHE_DIR: `${env.tmpDir}/cli-repos` },
    });
  const status = async () =>
    (
      await rawRequest<Application>(env.kube.kc, {
        method: 'GET',
        path: `/apis/${API_VERSION}/namespaces/${ns}/applications/web`,
      })
    ).status;

  /** Applies the app's objects as the applier would, the ConfigMap's value being `value`. */
  const applyLive = async (value: string) => {
    const discovery = new Discovery(env.kube.kc);
    for (const obj of [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config' }, data: { value } },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'web-creds' },
        stringData: { password: PASSWORD },
      },
    ]) {
      const key = { group: '', kind: obj.kind, namespace: dest, name: obj.metadata.name };
      const annotations = { 'flotilla.dev/tracking-id': trackingId(app, key) };
      await applyObject(
        env.kube.kc,
        discovery,
        { ...obj, metadata: { ...obj.metadata, namespace: dest, annotations } } as never,
        { fieldManager: 'flotilla' },
      );
    }
  };

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    dest = await env.kube.namespace('dest');
    app.namespace = ns;
    repo = await env.git.repo('apps');
    first = await repo.commit(files('1'));
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
  });
  afterAll(async () => {
    await roles?.stop();
    await env[Symbol.asyncDispose]();
  });

  it('renders the branch as it is now before the first comparison, Secrets masked (exit 1)', async () => {
    const r = await diff();
    expect(r.stderr).toContain('the differ has not compared this app yet');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`+++ desired/core/ConfigMap/${dest}/web-config`);
    expect(r.stdout).toContain('+  value: "1"');
    expect(r.stdout).toMatch(/\+ {2}password: \++\n/);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('compares what the differ compared, with the same verdict, after a newer push', async () => {
    roles = await startRoles(env, ns, [gitPollerRole, rendererRole, differRole], {
      FLOTILLA_POLL_INTERVAL_SECONDS: '3600',
    });
    await waitFor(
      'the differ compared web',
      async () => (await status())?.sync?.revision === first,
      {
        timeoutMs: 90_000,
        intervalMs: 500,
      },
    );
    // A push the pipeline has not seen (hourly polling): the diff still renders `first`.
    await repo.commit(files('2'));
    // Live drifts from `first` in the ConfigMap only; the differ sees it through its watch.
    await applyLive('9');
    await waitFor(
      'the differ saw the drift',
      async () => {
        const byName = new Map((await status())?.resources?.map((r) => [r.name, r.status]));
        return byName.get('web-config') === 'OutOfSync' && byName.get('web-creds') === 'Synced';
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const json = await diff('-o', 'json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as {
      revisions: string[];
      status: string;
      resources: { kind: string; name: string; status: string }[];
    };
    expect(report.revisions).toEqual([first]);
    const s = await status();
    expect(report.status).toBe(s?.sync?.status);
    expect(report.resources.map((x) => [x.kind, x.name, x.status]).sort()).toEqual(
      (s?.resources ?? []).map((x) => [x.kind, x.name, x.status]).sort(),
    );
    const text = await diff();
    expect(text.stdout).toContain('-  value: "9"');
    expect(text.stdout).toContain('+  value: "1"'); // `first`, not the newer push's "2"

    // Live made equal to the compared commit: no difference, exit 0.
    await applyLive('1');
    const same = await diff();
    expect(same.stdout).toBe('');
    expect(same.code).toBe(0);
  });
});
