// A push or pull-request webhook sent to the git-poller runs the generators
// of the ApplicationSets that read that repository at once; requeue and
// resync are an hour here, so only the webhook can bring the new apps.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_VERSION,
  APPLICATION_SET,
  applicationPath,
  type Application,
  type ApplicationSet,
} from '@flotilla/api';
import { appsetRole } from '@flotilla/appset-controller';
import { gitPollerRole } from '@flotilla/git-poller';
import { installCrds, rawRequest } from '@flotilla/kube';
import { run } from '@flotilla/runtime';
import { startEnv, startRoles, waitFor, type RunningRoles, type TestEnv } from '@flotilla/testing';
import { createAppSet } from './support/apps.js';
import { testRoleEnv } from './support/roles.js';
import { sendGithubEvent } from './support/webhooks.js';

const SECRET = 'appset-webhook-secret';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });

describe('webhooks trigger ApplicationSet generators', () => {
  let env: TestEnv;
  let ns: string;
  let roles: RunningRoles | undefined;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  let other: Awaited<ReturnType<TestEnv['git']['repo']>>;
  let port: number;
  let head: string;

  const set = (name: string, generator: Record<string, unknown>, appName: string) =>
    ({
      apiVersion: API_VERSION,
      kind: APPLICATION_SET.kind,
      metadata: { name, namespace: ns },
      spec: {
        generators: [generator],
        template: {
          metadata: { name: appName },
          spec: {
            project: 'default',
            source: { repoURL: repo.url, targetRevision: 'main', path: 'apps' },
            destination: { server: 'https://kubernetes.default.svc', namespace: 'x' },
          },
        },
      },
    }) as ApplicationSet;
  const names = async () =>
    (
      await rawRequest<{ items: Application[] }>(env.kube.kc, {
        method: 'GET',
        path: applicationPath(ns),
      })
    ).items
      .map((a) => a.metadata.name ?? '')
      .sort();
  const send = async (event: string, body: object) => {
    const { status, reply } = await sendGithubEvent(port, SECRET, event, body);
    expect(status).toBe(200);
    return reply;
  };
  const prRef = (n: number, sha: string) =>
    run('git', ['--git-dir', repo.bareDir, 'update-ref', `refs/pull/${n}/head`, sha]);

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('appset-hook');
    repo = await env.git.repo('previews');
    other = await env.git.repo('unrelated');
    head = await repo.commit({ 'apps/one/cm.yaml': 'kind: ConfigMap' });
    await other.commit({ 'apps/one/cm.yaml': 'kind: ConfigMap' });
    await prRef(1, head);
    port = await freePort();
    roles = await startRoles(env, ns, [appsetRole, gitPollerRole], {
      ...testRoleEnv(env),
      FLOTILLA_WEBHOOK_ADDR: `127.0.0.1:${port}`,
      FLOTILLA_WEBHOOK_GITHUB_SECRET: SECRET,
      FLOTILLA_POLL_INTERVAL_SECONDS: '3600',
      FLOTILLA_ALLOW_LOCAL_REPOS: 'true',
      FLOTILLA_APPSET_RESYNC_SECONDS: '3600',
    });
    for (const s of [
      set(
        'previews',
        { pullRequest: { gitRefs: { repoURL: repo.url }, requeueAfterSeconds: 3600 } },
        'pr-{{number}}',
      ),
      set(
        'dirs',
        {
          git: {
            repoURL: repo.url,
            revision: 'main',
            directories: [{ path: 'apps/*' }],
            requeueAfterSeconds: 3600,
          },
        },
        'dir-{{path.basename}}',
      ),
      set(
        'elsewhere',
        {
          git: {
            repoURL: other.url,
            revision: 'main',
            directories: [{ path: 'apps/*' }],
            requeueAfterSeconds: 3600,
          },
        },
        'other-{{path.basename}}',
      ),
    ])
      await createAppSet(env.kube.kc, s);
    await waitFor(
      'the first apps',
      async () => (await names()).join() === 'dir-one,other-one,pr-1',
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  });
  afterAll(async () => {
    await roles?.stop();
    await env?.[Symbol.asyncDispose]();
  });

  it('a pull_request event runs the pullRequest generator of the sets reading that repository', async () => {
    await prRef(2, head);
    const reply = await send('pull_request', {
      action: 'opened',
      number: 2,
      repository: { clone_url: repo.url },
    });
    expect(reply).toMatchObject({ provider: 'github', pullRequest: 2 });
    await waitFor('pr-2', async () => (await names()).includes('pr-2'), {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
  });

  it('a push runs the Git generators of the sets reading that repository, and no others', async () => {
    await repo.commit({ 'apps/two/cm.yaml': 'kind: ConfigMap' });
    await other.commit({ 'apps/two/cm.yaml': 'kind: ConfigMap' });
    await send('push', {
      ref: 'refs/heads/main',
      repository: { clone_url: repo.url, default_branch: 'main' },
      commits: [{ added: ['apps/two/cm.yaml'], modified: [], removed: [] }],
    });
    await waitFor('dir-two', async () => (await names()).includes('dir-two'), {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    // The set reading the other repository was not asked: its new directory is not seen.
    expect(await names()).not.toContain('other-two');
  });
});
