import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicationPath, type Application } from '@flotilla/api';
import { installCrds, rawRequest } from '@flotilla/kube';
import { run } from '@flotilla/runtime';
import { startEnv, startRoles, waitFor, type RunningRoles, type TestEnv } from '@flotilla/testing';
import { appsetRole } from '../src/role.js';
import {
  cond,
  createSet,
  dropFinalizers,
  getApp,
  getSet,
  listApps,
  listSet,
  patchSet,
} from './helpers.js';

// The appset role against the real apiserver: sets in, Applications out.
describe('the appset role', () => {
  let env: TestEnv;
  let roles: RunningRoles;
  let ns: string;
  let repoUrl: string;
  let bareDir: string;
  let headSha: string;
  const kc = () => env.kube.kc;
  // The message names the check that timed out.
  const until = (check: () => Promise<boolean>) =>
    waitFor(check.toString().replace(/\s+/g, ' ').slice(0, 160), check, { timeoutMs: 60_000 });
  // Applications not being deleted: no applier runs here, so one deleted with the
  // resources finalizer stays, terminating, and counts as gone.
  const names = async () =>
    (await listApps(kc(), ns))
      .filter((a) => !(a.metadata as Record<string, unknown>)['deletionTimestamp'])
      .map((a) => a.metadata.name);

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('appset');
    const repo = await env.git.repo('addons');
    headSha = await repo.commit({
      'addons/monitoring/cm.yaml': 'kind: ConfigMap',
      'addons/logging/cm.yaml': 'kind: ConfigMap',
      'clusters/dev.json': '{"cluster": "dev", "size": 1}',
    });
    repoUrl = repo.url;
    bareDir = repo.bareDir;
    roles = await startRoles(env, ns, [appsetRole], {
      FLOTILLA_ALLOW_LOCAL_REPOS: 'true',
      FLOTILLA_APPSET_MAX_APPLICATIONS: '6',
    });
  });
  afterAll(async () => {
    await roles?.stop();
    if (env && ns) await dropFinalizers(env.kube.kc, ns);
    await env?.[Symbol.asyncDispose]();
  });

  it('creates one owned Application per element, then updates and deletes them as the set changes', async () => {
    const set = await createSet(
      kc(),
      listSet(ns, 'web', [{ cluster: 'dev' }, { cluster: 'prod' }]),
    );
    await until(async () => (await names()).length === 2);
    const dev = (await getApp(kc(), ns, 'dev-web'))!;
    expect(dev.spec.destination).toEqual({
      server: 'https://kubernetes.default.svc',
      namespace: 'dev-guestbook',
    });
    expect(dev.metadata.labels).toEqual({ env: 'dev' });
    expect(dev.metadata.finalizers).toEqual(['resources-finalizer.flotilla.dev']);
    const owner = (dev.metadata as Record<string, unknown>)['ownerReferences'] as Record<
      string,
      unknown
    >[];
    expect(owner).toEqual([
      expect.objectContaining({
        kind: 'ApplicationSet',
        name: 'web',
        uid: (set.metadata as Record<string, unknown>)['uid'],
        controller: true,
      }),
    ]);
    await until(
      async () => cond(await getSet(kc(), ns, 'web'), 'ResourcesUpToDate')?.status === 'True',
    );
    const status = (await getSet(kc(), ns, 'web')).status!;
    expect(cond({ status } as never, 'ParametersGenerated')?.status).toBe('True');
    expect(cond({ status } as never, 'ErrorOccurred')?.status).toBe('False');
    expect(status.resources?.map((r) => r.name)).toEqual(['dev-web', 'prod-web']);

    await patchSet(kc(), ns, 'web', {
      spec: {
        generators: [{ list: { elements: [{ cluster: 'dev' }] } }],
        template: { spec: { source: { targetRevision: 'v2' } } },
      },
    });
    await until(async () => (await names()).join() === 'dev-web');
    await until(
      async () => (await getApp(kc(), ns, 'dev-web'))?.spec.source?.targetRevision === 'v2',
    );
  });

  it('puts back an owned Application a user deleted', async () => {
    await createSet(
      kc(),
      listSet(ns, 'heal', [{ cluster: 'one' }], {
        syncPolicy: { preserveResourcesOnDeletion: true },
      }),
    );
    await until(async () => !!(await getApp(kc(), ns, 'one-heal')));
    expect((await getApp(kc(), ns, 'one-heal'))!.metadata.finalizers).toBeUndefined();
    await rawRequest(kc(), { method: 'DELETE', path: applicationPath(ns, 'one-heal') });
    await until(async () => !!(await getApp(kc(), ns, 'one-heal')));
  });

  it('leaves an Application it does not own alone and reports the collision', async () => {
    const mine: Application = {
      ...listSet(ns, 'x', []).spec.template,
      apiVersion: 'flotilla.dev/v1alpha1',
      kind: 'Application',
      metadata: { name: 'taken-clash', namespace: ns },
      spec: {
        project: 'default',
        source: { repoURL: 'https://git.example.com/mine.git', path: 'mine' },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'mine' },
      },
    } as Application;
    await rawRequest(kc(), { method: 'POST', path: applicationPath(ns), body: mine });
    await createSet(kc(), listSet(ns, 'clash', [{ cluster: 'taken' }, { cluster: 'free' }]));
    await until(
      async () => cond(await getSet(kc(), ns, 'clash'), 'ErrorOccurred')?.status === 'True',
    );
    const err = cond(await getSet(kc(), ns, 'clash'), 'ErrorOccurred')!;
    expect(err.reason).toBe('ApplicationNameCollisionError');
    expect(err.message).toContain('taken-clash exists and is not owned by this ApplicationSet');
    expect((await getApp(kc(), ns, 'taken-clash'))!.spec.source?.repoURL).toBe(
      'https://git.example.com/mine.git',
    );
    expect(await getApp(kc(), ns, 'free-clash')).toBeDefined();
  });

  it('generates from Git directories and keeps the last Applications when the generator fails', async () => {
    const set = listSet(ns, 'addons', []);
    set.spec.generators = [
      { git: { repoURL: repoUrl, revision: 'main', directories: [{ path: 'addons/*' }] } },
    ];
    set.spec.template.metadata.name = 'addon-{{path.basename}}';
    // The list set's label names {{cluster}}, which the Git generator does not give.
    set.spec.template.metadata.labels = { addon: '{{path.basename}}' };
    (set.spec.template.spec as Record<string, unknown>)['destination'] = {
      server: 'https://kubernetes.default.svc',
      namespace: '{{path.basename}}',
    };
    await createSet(kc(), set);
    await until(async () => (await names()).filter((n) => n?.startsWith('addon-')).length === 2);
    await patchSet(kc(), ns, 'addons', {
      spec: {
        generators: [
          {
            git: {
              repoURL: repoUrl,
              revision: 'no-such-branch',
              directories: [{ path: 'addons/*' }],
            },
          },
        ],
      },
    });
    await until(
      async () => cond(await getSet(kc(), ns, 'addons'), 'ParametersGenerated')?.status === 'False',
    );
    const failed = await getSet(kc(), ns, 'addons');
    expect(cond(failed, 'ParametersGenerated')?.reason).toBe('ApplicationParamsGenerationError');
    expect(cond(failed, 'ErrorOccurred')?.message).toMatch(/no-such-branch/);
    expect((await names()).filter((n) => n?.startsWith('addon-'))).toEqual([
      'addon-logging',
      'addon-monitoring',
    ]);
  });

  it('keeps the live value of a field its jqPathExpressions select while it updates the rest', async () => {
    await createSet(
      kc(),
      listSet(ns, 'jq', [{ cluster: 'j' }], {
        ignoreApplicationDifferences: [
          {
            jqPathExpressions: [
              '.spec.source | select(.path == "guestbook" or .path == "other") | .targetRevision',
            ],
          },
        ],
      }),
    );
    await until(async () => !!(await getApp(kc(), ns, 'j-jq')));
    await rawRequest(kc(), {
      method: 'PATCH',
      path: applicationPath(ns, 'j-jq'),
      contentType: 'application/merge-patch+json',
      body: { spec: { source: { targetRevision: 'pinned-by-hand' } } },
    });
    await patchSet(kc(), ns, 'jq', {
      spec: { template: { spec: { source: { path: 'other', targetRevision: 'v2' } } } },
    });
    await until(async () => (await getApp(kc(), ns, 'j-jq'))?.spec.source?.path === 'other');
    expect((await getApp(kc(), ns, 'j-jq'))!.spec.source?.targetRevision).toBe('pinned-by-hand');
  });

  it('refuses a Git file path that escapes the repository, creating nothing', async () => {
    const set = listSet(ns, 'escape', []);
    set.spec.generators = [{ git: { repoURL: repoUrl, files: [{ path: '../../etc/*' }] } }];
    await createSet(kc(), set);
    await until(
      async () => cond(await getSet(kc(), ns, 'escape'), 'ParametersGenerated')?.status === 'False',
    );
    expect(cond(await getSet(kc(), ns, 'escape'), 'ErrorOccurred')?.message).toMatch(
      /escapes the repository/,
    );
  });

  it('refuses a matrix over the configured maximum, creating nothing', async () => {
    const elements = (key: string) =>
      Array.from({ length: 3 }, (_, i) => ({ [key]: `${key}${i}` }));
    const set = listSet(ns, 'big', []);
    set.spec.generators = [
      {
        matrix: {
          generators: [
            { list: { elements: elements('a') } },
            { list: { elements: elements('b') } },
          ],
        },
      },
    ];
    set.spec.template.metadata.name = 'big-{{a}}-{{b}}';
    await createSet(kc(), set);
    await until(
      async () => cond(await getSet(kc(), ns, 'big'), 'ErrorOccurred')?.status === 'True',
    );
    expect(cond(await getSet(kc(), ns, 'big'), 'ErrorOccurred')).toMatchObject({
      reason: 'TooManyApplicationsError',
      message: expect.stringContaining('more than the maximum of 6'),
    });
    expect((await names()).filter((n) => n?.startsWith('big-'))).toEqual([]);
  });

  it('reports an invalid rendered Application and never deletes while one is invalid', async () => {
    await createSet(
      kc(),
      listSet(ns, 'bad', [{ cluster: 'ok' }, { cluster: 'Not_Valid' }], {
        syncPolicy: { applicationsSync: 'sync' },
      }),
    );
    await until(
      async () => cond(await getSet(kc(), ns, 'bad'), 'ErrorOccurred')?.status === 'True',
    );
    expect(await getApp(kc(), ns, 'ok-bad')).toBeDefined();
    expect(cond(await getSet(kc(), ns, 'bad'), 'ErrorOccurred')?.message).toMatch(/Not_Valid-bad/);
  });

  it('with create-only, creates but never updates', async () => {
    await createSet(
      kc(),
      listSet(ns, 'once', [{ cluster: 'c' }], { syncPolicy: { applicationsSync: 'create-only' } }),
    );
    await until(async () => !!(await getApp(kc(), ns, 'c-once')));
    await patchSet(kc(), ns, 'once', {
      spec: { template: { spec: { source: { targetRevision: 'v9' } } } },
    });
    await until(async () => (await getSet(kc(), ns, 'once')).status?.observedGeneration === 2);
    expect((await getApp(kc(), ns, 'c-once'))!.spec.source?.targetRevision).toBe('HEAD');
  });

  it('previews open pull requests from refs/pull/*/head, with no API token, and removes closed ones', async () => {
    const pr = (n: number, sha?: string) =>
      run('git', [
        '--git-dir',
        bareDir,
        'update-ref',
        ...(sha ? [`refs/pull/${n}/head`, sha] : ['-d', `refs/pull/${n}/head`]),
      ]);
    await pr(1, headSha);
    await pr(2, headSha);
    const set = listSet(ns, 'preview', []);
    set.spec.generators = [
      { pullRequest: { gitRefs: { repoURL: repoUrl }, requeueAfterSeconds: 2 } },
    ];
    set.spec.template.metadata.name = 'pr-{{number}}';
    set.spec.template.metadata.labels = { pr: '{{number}}' };
    (set.spec.template.spec as Record<string, unknown>)['source'] = {
      repoURL: repoUrl,
      path: 'addons/monitoring',
      targetRevision: '{{head_sha}}',
    };
    await createSet(kc(), set);
    await until(
      async () => (await names()).filter((n) => n?.startsWith('pr-')).join() === 'pr-1,pr-2',
    );
    expect((await getApp(kc(), ns, 'pr-1'))!.spec.source?.targetRevision).toBe(headSha);
    await pr(2);
    // requeueAfterSeconds runs the generator again: the closed one goes.
    await until(async () => (await names()).filter((n) => n?.startsWith('pr-')).join() === 'pr-1');
  });
});
