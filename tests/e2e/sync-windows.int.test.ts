// A deny window open now holds an automated sync back with a condition naming
// the window; when it closes (by its schedule) the sync runs.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, APP_PROJECT, type Application, applicationPath } from '@flotilla/api';
import { ProjectClient, installCrds, rawRequest } from '@flotilla/kube';
import {
  compatDir,
  startEnv,
  startRoles,
  waitFor,
  type RunningRoles,
  type TestEnv,
} from '@flotilla/testing';
import { ALL_ROLES, testRoleEnv } from './support/roles.js';

describe('sync windows with all five roles', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let roles: RunningRoles | undefined;
  let closesAt: Date;

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    dest = await env.kube.namespace('windowed');
    const repo = await env.git.repo('apps');
    await repo.commitDir(join(compatDir(), 'guestbook'), 'guestbook');
    // A deny window that opened at the start of this minute and stays open five minutes.
    const now = new Date();
    closesAt = new Date(Math.floor(now.getTime() / 60_000) * 60_000 + 5 * 60_000);
    await new ProjectClient(env.kube.kc).create(ns, {
      apiVersion: API_VERSION,
      kind: APP_PROJECT.kind,
      metadata: { name: 'windowed', namespace: ns },
      spec: {
        sourceRepos: ['*'],
        destinations: [{ server: '*', namespace: '*' }],
        syncWindows: [
          {
            kind: 'deny',
            schedule: `${now.getUTCMinutes()} ${now.getUTCHours()} * * *`,
            duration: '5m',
            applications: ['*'],
          },
        ],
      },
    });
    roles = await startRoles(env, ns, ALL_ROLES, testRoleEnv(env));
    await env.kube.objects.create({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name: 'guestbook', namespace: ns },
      spec: {
        project: 'windowed',
        source: { repoURL: repo.url, targetRevision: 'main', path: 'guestbook' },
        destination: { server: 'https://kubernetes.default.svc', namespace: dest },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    } as Application);
  });
  afterAll(async () => {
    await roles?.stop();
    await env[Symbol.asyncDispose]();
  });

  const app = () =>
    rawRequest<Application>(env.kube.kc, {
      method: 'GET',
      path: applicationPath(ns, 'guestbook'),
    });

  it('an open deny window: the automated sync waits with the reason and when it closes', async () => {
    let message = '';
    await waitFor(
      'the window condition',
      async () => {
        const c = (await app()).status?.conditions?.find((x) => x.type === 'SyncWindowWarning');
        message = c?.message ?? '';
        return message !== '';
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    expect(message).toContain('automated sync waits: blocked by deny window');
    expect(message).toContain(`open until ${closesAt.toISOString()}`);
    const a = await app();
    expect(a.status?.sync?.status).toBe('OutOfSync');
    expect(a.operation).toBeUndefined();
    expect(a.status?.operationState).toBeUndefined();
  });

  it('the window closes: the sync runs and the condition goes', async () => {
    await waitFor(
      'synced after the window',
      async () => {
        const s = (await app()).status;
        return s?.sync?.status === 'Synced' && s.operationState?.phase === 'Succeeded';
      },
      { timeoutMs: 480_000, intervalMs: 1_000 },
    );
    const a = await app();
    expect(Date.parse(a.status?.operationState?.startedAt ?? '')).toBeGreaterThanOrEqual(
      closesAt.getTime(),
    );
    expect(a.status?.conditions?.some((c) => c.type === 'SyncWindowWarning') ?? false).toBe(false);
  }, 540_000);
});
