// AppProjects from Git to status: a repository outside sourceRepos never
// reaches Git, a refused destination or a missing project is an
// InvalidSpecError with sync Unknown, and a project edit counts at once.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_VERSION,
  APP_PROJECT,
  applicationPath,
  type Application,
  type AppProjectSpec,
} from '@flotilla/api';
import { ProjectClient, installCrds, rawRequest } from '@flotilla/kube';
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

const IN_CLUSTER = 'https://kubernetes.default.svc';

describe('AppProjects through git-poller, renderer and differ', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let allowed: Awaited<ReturnType<TestEnv['git']['repo']>>;
  let secret: Awaited<ReturnType<TestEnv['git']['repo']>>;
  let roles: RunningRoles | undefined;
  let projects: ProjectClient;

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    dest = await env.kube.namespace('team-a');
    allowed = await env.git.repo('allowed');
    await allowed.commitDir(join(compatDir(), 'guestbook'), 'guestbook');
    secret = await env.git.repo('secret');
    await secret.commitDir(join(compatDir(), 'guestbook'), 'guestbook');
    projects = new ProjectClient(env.kube.kc);
    const spec: AppProjectSpec = {
      sourceRepos: [allowed.url],
      destinations: [{ server: IN_CLUSTER, namespace: dest }],
    };
    await projects.create(ns, {
      apiVersion: API_VERSION,
      kind: APP_PROJECT.kind,
      metadata: { name: 'team-a', namespace: ns },
      spec,
    });
    roles = await startRoles(env, ns, [differRole, rendererRole, gitPollerRole], testRoleEnv(env));
  });
  afterAll(async () => {
    await roles?.stop();
    await env[Symbol.asyncDispose]();
  });

  const createApp = (name: string, repoURL: string, project: string, namespace = dest) =>
    env.kube.objects.create({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name, namespace: ns },
      spec: {
        project,
        source: { repoURL, targetRevision: 'main', path: 'guestbook' },
        destination: { server: IN_CLUSTER, namespace },
      },
    } as Application);
  const status = async (name: string) =>
    (await rawRequest<Application>(env.kube.kc, { method: 'GET', path: applicationPath(ns, name) }))
      .status ?? {};
  const invalidSpec = async (name: string) => {
    let message = '';
    await waitFor(
      `${name} to get an InvalidSpecError`,
      async () => {
        const s = await status(name);
        message = s.conditions?.find((c) => c.type === 'InvalidSpecError')?.message ?? '';
        return message !== '';
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect((await status(name)).sync?.status).toBe('Unknown');
    return message;
  };

  it('the default project is created at start and allows everything', async () => {
    const def = await projects.get(ns, 'default');
    expect(def?.spec.sourceRepos).toEqual(['*']);
    expect(def?.spec.clusterResourceWhitelist).toEqual([{ group: '*', kind: '*' }]);
  });

  it('a repository outside sourceRepos never reaches Git: InvalidSpecError, zero requests', async () => {
    await createApp('ok', allowed.url, 'team-a');
    await createApp('sneaky', secret.url, 'team-a');
    const head = await allowed.revParse('main');
    // The allowed app was resolved, rendered and compared: the poller and renderer ran.
    await waitFor('ok compared', async () => (await status('ok')).sync?.revision === head, {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    const message = await invalidSpec('sneaky');
    expect(message).toContain('sourceRepos');
    expect(message).toContain(secret.url);
    expect(env.git.server.requestsByRepo.get('allowed') ?? 0).toBeGreaterThan(0);
    expect(env.git.server.requestsByRepo.get('secret') ?? 0).toBe(0);
  });

  it('a destination outside the project and a missing project are InvalidSpecErrors', async () => {
    const elsewhere = await env.kube.namespace('elsewhere');
    await createApp('astray', allowed.url, 'team-a', elsewhere);
    await createApp('orphan', allowed.url, 'no-such-project');
    expect(await invalidSpec('astray')).toContain('destinations');
    expect(await invalidSpec('orphan')).toContain("project 'no-such-project' does not exist");
  });

  it('a project edit takes effect at once: the refused repository is now polled and compared', async () => {
    const current = await projects.get(ns, 'team-a');
    if (!current) throw new Error('team-a is gone');
    await projects.update(ns, {
      ...current,
      spec: { ...current.spec, sourceRepos: [allowed.url, secret.url] },
    });
    const head = await secret.revParse('main');
    await waitFor('sneaky compared', async () => (await status('sneaky')).sync?.revision === head, {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    const s = await status('sneaky');
    expect(s.sync?.status).toBe('OutOfSync');
    expect(s.conditions?.some((c) => c.type === 'InvalidSpecError') ?? false).toBe(false);
  });
});
