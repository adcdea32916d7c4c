// ApplicationSets outside the control namespace (Argo CD's "ApplicationSets in any
// namespace"): the appset role reconciles the sets of the namespaces
// FLOTILLA_APPLICATIONSET_NAMESPACES names, their Applications always land in the
// set's own namespace whatever the template or templatePatch says, a set of a
// namespace whose Applications are not served generates nothing and says why, a set
// of a namespace not named is left alone, and such a set's Git generators read only
// repositories its project allows (a refused one never gets a request).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, APP_PROJECT } from '@flotilla/api';
import { ProjectClient, installCrds } from '@flotilla/kube';
import { startEnv, startRoles, waitFor, type RunningRoles, type TestEnv } from '@flotilla/testing';
import { appsetRole } from '../src/role.js';
import { cond, createSet, dropFinalizers, getSet, listApps, listSet } from './helpers.js';

describe('ApplicationSets in other namespaces', () => {
  // A prefix of this run alone: the role serves the namespaces it starts.
  const prefix = `as${randomBytes(3).toString('hex')}`;
  let env: TestEnv;
  let roles: RunningRoles;
  let control: string;
  /** Sets and Applications served. */
  let teamA: string;
  /** Applications served, sets not. */
  let teamB: string;
  /** Sets served, Applications not. */
  let teamC: string;
  const kc = () => env.kube.kc;
  const names = async (ns: string) => (await listApps(kc(), ns)).map((a) => a.metadata.name);

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    control = await env.kube.namespace('appset-control');
    teamA = await env.kube.namespace(`${prefix}-a`);
    teamB = await env.kube.namespace(`${prefix}-b`);
    teamC = await env.kube.namespace(`${prefix}-c`);
    roles = await startRoles(env, control, [appsetRole], {
      FLOTILLA_APPLICATION_NAMESPACES: `${prefix}-a-*,${prefix}-b-*`,
      FLOTILLA_APPLICATIONSET_NAMESPACES: `${prefix}-a-*,/^${prefix}-c-/`,
      FLOTILLA_ALLOW_LOCAL_REPOS: 'true',
    });
  });
  afterAll(async () => {
    await roles?.stop();
    for (const ns of [control, teamA, teamB, teamC])
      if (env && ns) await dropFinalizers(env.kube.kc, ns);
    await env?.[Symbol.asyncDispose]();
  });

  it('generates the Applications of a set of a served namespace in that namespace, never elsewhere', async () => {
    const set = listSet(teamA, 'shop', [{ cluster: 'dev' }, { cluster: 'prod' }], {
      // Both try to move the apps into the control namespace: neither may.
      templatePatch: `metadata:\n  namespace: ${control}\n`,
    });
    (set.spec.template.metadata as Record<string, unknown>)['namespace'] = control;
    await createSet(kc(), set);
    await waitFor(`two apps in ${teamA}`, async () => (await names(teamA)).length === 2, {
      timeoutMs: 60_000,
    });
    expect(await names(teamA)).toEqual(['dev-shop', 'prod-shop']);
    expect(await names(control)).toEqual([]);
    const stored = await getSet(kc(), teamA, 'shop');
    expect(cond(stored, 'ErrorOccurred')?.status).toBe('False');
    expect(stored.status?.resources?.map((r) => `${r.namespace}/${r.name}`).sort()).toEqual([
      `${teamA}/dev-shop`,
      `${teamA}/prod-shop`,
    ]);
  });

  it('generates nothing for a set of a namespace whose Applications are not served, and says why', async () => {
    await createSet(kc(), listSet(teamC, 'shop', [{ cluster: 'dev' }]));
    let message = '';
    await waitFor(
      `the set of ${teamC} to report its error`,
      async () => {
        const c = cond(await getSet(kc(), teamC, 'shop'), 'ErrorOccurred');
        message = c?.status === 'True' ? (c.message ?? '') : '';
        return message !== '';
      },
      { timeoutMs: 60_000 },
    );
    expect(message).toContain(
      `Applications in namespace '${teamC}' are not served: FLOTILLA_APPLICATION_NAMESPACES does not name it`,
    );
    expect(await names(teamC)).toEqual([]);
  });

  it('leaves a set of a namespace FLOTILLA_APPLICATIONSET_NAMESPACES does not name alone', async () => {
    await createSet(kc(), listSet(teamB, 'shop', [{ cluster: 'dev' }]));
    // A set created after it in a served namespace is reconciled: the role had its chance.
    await createSet(kc(), listSet(teamA, 'later', [{ cluster: 'qa' }]));
    await waitFor(`qa-later in ${teamA}`, async () => (await names(teamA)).includes('qa-later'), {
      timeoutMs: 60_000,
    });
    expect((await getSet(kc(), teamB, 'shop')).status).toBeUndefined();
    expect(await names(teamB)).toEqual([]);
  });

  it('lets a set of another namespace read only the repositories its project allows', async () => {
    const allowed = await env.git.repo('allowed');
    await allowed.commit({ 'addons/logging/cm.yaml': 'kind: ConfigMap' });
    const secret = await env.git.repo('secret');
    await secret.commit({ 'addons/payroll/cm.yaml': 'kind: ConfigMap' });
    await new ProjectClient(kc()).create(control, {
      apiVersion: API_VERSION,
      kind: APP_PROJECT.kind,
      metadata: { name: 'teams', namespace: control },
      spec: {
        sourceRepos: [allowed.url],
        destinations: [{ server: '*', namespace: '*' }],
        sourceNamespaces: [`${prefix}-a-*`],
      },
    });
    const gitSet = (name: string, repoURL: string, project: string) => {
      const set = listSet(teamA, name, [], {
        generators: [{ git: { repoURL, revision: 'main', directories: [{ path: 'addons/*' }] } }],
      });
      set.spec.template.metadata = { name: `${name}-{{path.basename}}` };
      const spec = set.spec.template.spec as Record<string, unknown>;
      spec['project'] = project;
      spec['source'] = { repoURL, path: '{{path}}', targetRevision: 'main' };
      spec['destination'] = { server: 'https://kubernetes.default.svc', namespace: 'addons' };
      return set;
    };
    const error = async (name: string) => {
      let message = '';
      await waitFor(
        `the set ${name} to report its error`,
        async () => {
          const c = cond(await getSet(kc(), teamA, name), 'ErrorOccurred');
          message = c?.status === 'True' ? (c.message ?? '') : '';
          return message !== '';
        },
        { timeoutMs: 60_000 },
      );
      return message;
    };
    await createSet(kc(), gitSet('ok', allowed.url, 'teams'));
    await createSet(kc(), gitSet('leak', secret.url, 'teams'));
    await createSet(kc(), gitSet('unlisted', allowed.url, 'default'));
    await waitFor(
      `ok-logging in ${teamA}`,
      async () => (await names(teamA)).includes('ok-logging'),
      {
        timeoutMs: 60_000,
      },
    );
    expect(await error('leak')).toContain(
      `repository ${secret.url} is not permitted in project 'teams' (sourceRepos)`,
    );
    expect(await error('unlisted')).toContain(
      `Applications in namespace '${teamA}' may not use project 'default' (sourceNamespaces)`,
    );
    // Refused before any Git request.
    expect(env.git.server.requestsByRepo.get('secret') ?? 0).toBe(0);
    expect(env.git.server.requestsByRepo.get('allowed') ?? 0).toBeGreaterThan(0);
    expect((await names(teamA)).filter((n) => /^(leak|unlisted)-/.test(n ?? ''))).toEqual([]);
  });
});
