import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplicationSetGenerator } from '@flotilla/api';
import { installCrds, rawRequest } from '@flotilla/kube';
import {
  startEnv,
  startFakeScm,
  startRoles,
  waitFor,
  type FakePull,
  type FakeScmServer,
  type RunningRoles,
  type TestEnv,
} from '@flotilla/testing';
import { appsetRole } from '../src/role.js';
import { readSecret } from '../src/sources.js';
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

// The appset role with a pullRequest generator in GitHub mode, against the
// fake GitHub API of @flotilla/testing (no real SCM server runs here), a
// token in a Secret of the set's namespace, and the real apiserver.
describe('the pullRequest generator, GitHub mode', () => {
  const TOKEN = 'ghp-int-5b0c2e';
  let env: TestEnv;
  let roles: RunningRoles;
  let scm: FakeScmServer;
  let ns: string;
  const kc = () => env.kube.kc;
  const until = (check: () => Promise<boolean>) =>
    waitFor(check.toString().replace(/\s+/g, ' ').slice(0, 160), check, { timeoutMs: 60_000 });
  /** The names of the live Applications starting with `prefix-`, comma-separated. */
  const appsNamed = async (prefix: string) =>
    (await listApps(kc(), ns))
      .filter((a) => !(a.metadata as Record<string, unknown>)['deletionTimestamp'])
      .map((a) => a.metadata.name ?? '')
      .filter((n) => n.startsWith(`${prefix}-`))
      .join();
  const previews = () => appsNamed('pr');
  /** A set of one Application per pull request, `prefix-<number>`, at its head commit. */
  const pullSet = (name: string, prefix: string, generators: ApplicationSetGenerator[]) => {
    const set = listSet(ns, name, []);
    set.spec.generators = generators;
    set.spec.template.metadata.name = `${prefix}-{{number}}`;
    set.spec.template.metadata.labels = { branch: '{{branch_slug}}' };
    (set.spec.template.spec as Record<string, unknown>)['source'] = {
      repoURL: 'https://git.example.com/app.git',
      path: 'deploy',
      targetRevision: '{{head_sha}}',
    };
    (set.spec.template.spec as Record<string, unknown>)['destination'] = {
      server: 'https://kubernetes.default.svc',
      namespace: `${prefix}-{{number}}`,
    };
    return set;
  };
  const pull = (n: number, state: FakePull['state'] = 'open'): FakePull => ({
    number: n,
    title: `change ${n}`,
    branch: `feature/change_${n}`,
    targetBranch: 'main',
    headSha: String(n).repeat(40),
    state,
  });

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('appset-pr');
    scm = await startFakeScm();
    scm.setAuth({ token: TOKEN });
    await rawRequest(kc(), {
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/secrets`,
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'github-token' },
        stringData: { token: TOKEN },
      },
    });
    roles = await startRoles(env, ns, [appsetRole]);
  });
  afterAll(async () => {
    await roles?.stop();
    if (env && ns) await dropFinalizers(env.kube.kc, ns);
    await scm?.[Symbol.asyncDispose]();
    await env?.[Symbol.asyncDispose]();
  });

  it('creates one Application per open pull request, removes a closed one, and keeps them while the API is down', async () => {
    scm.setPulls('org/app', [pull(1), pull(2), pull(3, 'closed')]);
    const set = pullSet('previews', 'pr', [
      {
        pullRequest: {
          github: {
            owner: 'org',
            repo: 'app',
            api: scm.baseUrl,
            tokenRef: { secretName: 'github-token', key: 'token' },
          },
          requeueAfterSeconds: 2,
        },
      },
    ]);
    await createSet(kc(), set);
    await until(async () => (await previews()) === 'pr-1,pr-2');
    const one = (await getApp(kc(), ns, 'pr-1'))!;
    expect(one.spec.source?.targetRevision).toBe('1'.repeat(40));
    expect(one.metadata.labels).toEqual({ branch: 'feature-change-1' });

    // Pull request 2 is closed: the next run (requeueAfterSeconds) removes its Application.
    scm.setPulls('org/app', [pull(1), pull(2, 'closed'), pull(3, 'closed')]);
    await until(async () => (await previews()) === 'pr-1');

    // The API fails while a new pull request opens: nothing is created or deleted.
    scm.setPulls('org/app', [pull(1), pull(4)]);
    scm.fail({ status: 503, body: { message: 'Service Unavailable' } });
    await until(
      async () => cond(await getSet(kc(), ns, 'previews'), 'ErrorOccurred')?.status === 'True',
    );
    const down = await getSet(kc(), ns, 'previews');
    expect(cond(down, 'ErrorOccurred')).toMatchObject({
      reason: 'ApplicationParamsGenerationError',
      message: expect.stringContaining('failed (503): Service Unavailable') as string,
    });
    expect(cond(down, 'ParametersGenerated')?.status).toBe('False');
    expect(await previews()).toBe('pr-1');

    // Refused credentials: the same, and the token shows nowhere in the status.
    scm.fail(undefined);
    scm.setAuth({ token: 'rotated-elsewhere' });
    await until(async () =>
      (cond(await getSet(kc(), ns, 'previews'), 'ErrorOccurred')?.message ?? '').includes(
        'refused the credentials (401)',
      ),
    );
    expect(JSON.stringify(await getSet(kc(), ns, 'previews'))).not.toContain(TOKEN);
    expect(await previews()).toBe('pr-1');

    // The API answers again: the new pull request gets its Application.
    scm.setAuth({ token: TOKEN });
    await until(async () => (await previews()) === 'pr-1,pr-4');
    await until(
      async () => cond(await getSet(kc(), ns, 'previews'), 'ErrorOccurred')?.status === 'False',
    );
  });

  it('waits out a rate limit: no request until the wait it gave is over, Applications kept', async () => {
    scm.setPulls('other/app', [pull(1)]);
    const set = pullSet('limited', 'rl', [
      {
        pullRequest: {
          github: {
            owner: 'other',
            repo: 'app',
            api: scm.baseUrl,
            tokenRef: { secretName: 'github-token', key: 'token' },
          },
          // Every second, were it not for the rate limit.
          requeueAfterSeconds: 1,
        },
      },
    ]);
    await createSet(kc(), set);
    const limited = () => appsNamed('rl');
    await until(async () => (await limited()) === 'rl-1');
    const asked = () => scm.requests.filter((r) => r.includes('/repos/other/app/')).length;

    scm.setPulls('other/app', [pull(1), pull(5)]);
    scm.fail({ status: 429, headers: { 'retry-after': '20' }, body: { message: 'slow down' } });
    await until(async () =>
      (cond(await getSet(kc(), ns, 'limited'), 'ErrorOccurred')?.message ?? '').includes(
        'rate-limited (429)',
      ),
    );
    const during = asked();
    const status = await getSet(kc(), ns, 'limited');
    expect(cond(status, 'ErrorOccurred')).toMatchObject({
      status: 'True',
      reason: 'ApplicationParamsGenerationError',
      message: expect.stringMatching(
        /is rate-limited \(429\); not asked again for 20 s, until \S+Z: slow down$/,
      ) as string,
    });
    // The API heals at once, and a change to the set runs it again; still,
    // for the wait nothing is asked and the Application stays as it was.
    scm.fail(undefined);
    await patchSet(kc(), ns, 'limited', {
      spec: { template: { metadata: { labels: { poke: '1' } } } },
    });
    await new Promise((r) => setTimeout(r, 8_000));
    expect(asked()).toBe(during);
    expect(await limited()).toBe('rl-1');

    // After the wait the set is run again (without any other trigger) and catches up.
    await until(async () => (await limited()) === 'rl-1,rl-5');
    expect(asked()).toBeGreaterThan(during);
    await until(
      async () => cond(await getSet(kc(), ns, 'limited'), 'ErrorOccurred')?.status === 'False',
    );
  });

  it('runs the Azure DevOps and Bitbucket Cloud modes through the apiserver’s schema', async () => {
    const token = { secretName: 'github-token', key: 'token' };
    scm.setPulls('myorg/proj/app', [pull(7), pull(9, 'closed')]);
    scm.setPulls('team/app', [pull(8)]);
    const set = pullSet('clouds', 'cloud', [
      {
        pullRequest: {
          azuredevops: {
            organization: 'myorg',
            project: 'proj',
            repo: 'app',
            api: scm.baseUrl,
            tokenRef: token,
            labels: [],
          },
        },
      },
      {
        pullRequest: {
          bitbucket: {
            owner: 'team',
            repo: 'app',
            api: scm.baseUrl,
            bearerToken: { tokenRef: token },
          },
        },
      },
    ]);
    await createSet(kc(), set);
    const clouds = () => appsNamed('cloud');
    await until(async () => (await clouds()) === 'cloud-7,cloud-8');
    expect((await getApp(kc(), ns, 'cloud-7'))!.spec.source?.targetRevision).toBe('7'.repeat(40));
    // Bitbucket Cloud's listing gives 12-character hashes.
    expect((await getApp(kc(), ns, 'cloud-8'))!.spec.source?.targetRevision).toBe('8'.repeat(12));
  });

  it('reads a token Secret by name; in strict mode only one labelled scm-creds', async () => {
    const secret = (name: string, labels: Record<string, string> = {}) =>
      rawRequest(kc(), {
        method: 'POST',
        path: `/api/v1/namespaces/${ns}/secrets`,
        body: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name, labels },
          stringData: { token: TOKEN },
        },
      });
    await secret('plain');
    await secret('labelled', { 'argocd.argoproj.io/secret-type': 'scm-creds' });
    expect(await readSecret(kc(), ns, 'plain')).toEqual({ token: TOKEN });
    expect(await readSecret(kc(), ns, 'labelled', true)).toEqual({ token: TOKEN });
    const refused = await readSecret(kc(), ns, 'plain', true).catch((e: Error) => e);
    expect((refused as Error).message).toBe(
      `secret ${ns}/plain is not a valid SCM creds secret: it must have the label argocd.argoproj.io/secret-type=scm-creds`,
    );
    await expect(readSecret(kc(), ns, 'missing')).rejects.toThrow(
      `error fetching secret ${ns}/missing: not found`,
    );
  });
});
