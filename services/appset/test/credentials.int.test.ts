import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds, rawRequest } from '@flotilla/kube';
import { startEnv, startRoles, waitFor, type RunningRoles, type TestEnv } from '@flotilla/testing';
import { appsetRole } from '../src/role.js';
import { cond, createSet, dropFinalizers, getSet, listApps, listSet } from './helpers.js';

// A Git generator over a repository that demands basic auth: the appset role
// reads it with the repository Secret of its namespace, as the renderer does.
describe('the appset role with a private repository', () => {
  const auth = { username: 'reader', password: 's3cret-appset' };
  let env: TestEnv;
  let roles: RunningRoles;
  let ns: string;
  let repoUrl: string;
  const kc = () => env.kube.kc;

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: { auth } });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('appset-creds');
    const repo = await env.git.repo('private');
    await repo.commit({ 'addons/one/cm.yaml': 'kind: ConfigMap' });
    repoUrl = repo.url;
    // Resync hourly: only the watch on repository Secrets can explain the recovery.
    roles = await startRoles(env, ns, [appsetRole], { FLOTILLA_APPSET_RESYNC_SECONDS: '3600' });
  });
  afterAll(async () => {
    await roles?.stop();
    if (env && ns) await dropFinalizers(env.kube.kc, ns);
    await env?.[Symbol.asyncDispose]();
  });

  const gitSet = (name: string) => {
    const set = listSet(ns, name, []);
    set.spec.generators = [
      { git: { repoURL: repoUrl, revision: 'main', directories: [{ path: 'addons/*' }] } },
    ];
    set.spec.template.metadata.name = `${name}-{{path.basename}}`;
    set.spec.template.metadata.labels = { addon: '{{path.basename}}' };
    return set;
  };

  it('fails without a Secret, naming no password, then reads the repository once one exists', async () => {
    await createSet(kc(), gitSet('before'));
    await waitFor(
      'the set without credentials to fail',
      async () => cond(await getSet(kc(), ns, 'before'), 'ParametersGenerated')?.status === 'False',
      { timeoutMs: 60_000 },
    );
    const failed = cond(await getSet(kc(), ns, 'before'), 'ErrorOccurred')!;
    expect(failed.message).not.toContain(auth.password);

    await rawRequest(kc(), {
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/secrets`,
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: 'private-repo',
          labels: { 'argocd.argoproj.io/secret-type': 'repository' },
        },
        stringData: { type: 'git', url: repoUrl, ...auth },
      },
    });
    // The Secret is seen by the watch, and every set is generated again at once.
    await waitFor(
      'an Application from the private repository',
      async () => (await listApps(kc(), ns)).some((a) => a.metadata.name === 'before-one'),
      { timeoutMs: 90_000 },
    );
    const secretFree = JSON.stringify(await getSet(kc(), ns, 'before'));
    expect(secretFree).not.toContain(auth.password);
  });
});
