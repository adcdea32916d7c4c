import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_VERSION,
  type Application,
  applicationPath,
  applicationStatusPath,
} from '@flotilla/api';
import { installCrds, rawRequest } from '@flotilla/kube';
import { run, isCommandError } from '@flotilla/runtime';
import { startEnv, type TestEnv } from '@flotilla/testing';

const bin = join(import.meta.dirname, '..', 'bin', 'flotilla.mjs');

describe('flotilla app', () => {
  let env: TestEnv;
  let ns: string;
  const flotilla = (...args: string[]) =>
    run(process.execPath, [bin, 'app', ...args, '--kubeconfig', env.kube.kubeconfigPath, '-n', ns]);

  beforeAll(async () => {
    env = await startEnv({ kube: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    await env.kube.objects.create({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name: 'guestbook', namespace: ns },
      spec: {
        project: 'default',
        source: {
          repoURL: 'https://git.example.com/apps.git',
          targetRevision: 'main',
          path: 'guestbook',
        },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'guestbook' },
      },
    } as Application);
  });
  afterAll(async () => {
    await env[Symbol.asyncDispose]();
  });

  it('lists Applications as a table and as JSON', async () => {
    expect((await flotilla('list')).stdout).toMatch(
      /^NAME\s+SYNC\s+HEALTH\s+REVISION\nguestbook\s+Unknown\s+Unknown/,
    );
    const items = JSON.parse((await flotilla('list', '-o', 'json')).stdout) as Application[];
    expect(items.map((a) => a.metadata?.name)).toEqual(['guestbook']);
  });

  it('requests a sync by writing Application.operation, as Argo CD does', async () => {
    await flotilla('sync', 'guestbook', '--prune', '--resource', 'apps:Deployment:guestbook-ui');
    const app = await rawRequest<Application>(env.kube.kc, {
      method: 'GET',
      path: applicationPath(ns, 'guestbook'),
    });
    expect(app.operation?.sync).toMatchObject({
      prune: true,
      resources: [{ group: 'apps', kind: 'Deployment', name: 'guestbook-ui' }],
    });
    await flotilla('terminate-op', 'guestbook');
    const after = await rawRequest<Application>(env.kube.kc, {
      method: 'GET',
      path: applicationPath(ns, 'guestbook'),
    });
    expect(after.operation).toBeUndefined();
  });

  it('shows the last sync: result, revision, finish time, duration, and why it failed', async () => {
    const create = (name: string) =>
      env.kube.objects.create({
        apiVersion: API_VERSION,
        kind: 'Application',
        metadata: { name, namespace: ns },
        spec: {
          project: 'default',
          source: { repoURL: 'https://git.example.com/apps.git', path: name },
          destination: { server: 'https://kubernetes.default.svc', namespace: name },
        },
      } as Application);
    const setStatus = (name: string, status: Application['status']) =>
      rawRequest(env.kube.kc, {
        method: 'PATCH',
        path: applicationStatusPath(ns, name),
        contentType: 'application/merge-patch+json',
        body: { status },
      });
    const good = 'a'.repeat(40);
    const bad = 'b'.repeat(40);
    await create('failing');
    await setStatus('failing', {
      operationState: {
        operation: { sync: { revision: bad } },
        phase: 'Failed',
        message: 'hook PreSync Job/migrate failed: BackoffLimitExceeded',
        startedAt: '2026-12-02T10:00:00Z',
        finishedAt: '2026-12-02T10:01:05Z',
        syncResult: { revision: bad },
      },
      history: [
        {
          id: 0,
          revision: good,
          deployStartedAt: '2026-12-01T09:00:00Z',
          deployedAt: '2026-12-01T09:00:42Z',
        },
      ],
    });
    const failing = (await flotilla('get', 'failing')).stdout;
    expect(failing).toContain(
      'Last sync:   Failed at bbbbbbb, finished 2026-12-02T10:01:05Z, took 1m05s\n',
    );
    expect(failing).toContain(
      'Reason:      hook-failed: hook PreSync Job/migrate failed: BackoffLimitExceeded\n',
    );

    // After a non-sync operation (or none recorded), the newest history entry.
    await create('synced');
    await setStatus('synced', {
      history: [
        {
          id: 0,
          revision: bad,
          deployStartedAt: '2026-12-01T09:00:00Z',
          deployedAt: '2026-12-01T09:00:42Z',
        },
        {
          id: 1,
          revision: good,
          deployStartedAt: '2026-12-02T09:00:00Z',
          deployedAt: '2026-12-02T09:00:00.850Z',
        },
      ],
    });
    const synced = (await flotilla('get', 'synced')).stdout;
    expect(synced).toContain(
      'Last sync:   Succeeded at aaaaaaa, finished 2026-12-02T09:00:00.850Z, took 850ms\n',
    );
    expect(synced).not.toContain('Reason:');
    expect((await flotilla('get', 'guestbook')).stdout).toContain('Last sync:   never\n');
    const help = (await run(process.execPath, [bin, 'app', 'get', '--help'])).stdout;
    expect(help).toContain('"Last sync" is the last sync operation');
  });

  it('reads an app outside the control namespace by -N or <namespace>/<name>, as argocd does', async () => {
    const other = await env.kube.namespace('team');
    await env.kube.objects.create({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name: 'guestbook', namespace: other },
      spec: {
        project: 'team',
        source: { repoURL: 'https://git.example.com/team.git', path: 'guestbook' },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'team' },
      },
    } as Application);
    const repoOf = (out: string) =>
      (JSON.parse(out) as Application).spec.source?.repoURL ?? 'no source';
    // The same name in the control namespace is another app.
    expect(repoOf((await flotilla('get', 'guestbook', '-o', 'json')).stdout)).toBe(
      'https://git.example.com/apps.git',
    );
    for (const args of [
      ['get', 'guestbook', '-N', other],
      ['get', `${other}/guestbook`],
      ['get', `${other}/guestbook`, '--app-namespace', other],
    ])
      expect(repoOf((await flotilla(...args, '-o', 'json')).stdout), args.join(' ')).toBe(
        'https://git.example.com/team.git',
      );
    const listed = JSON.parse(
      (await flotilla('list', '-N', other, '-o', 'json')).stdout,
    ) as Application[];
    expect(listed.map((a) => `${a.metadata?.namespace}/${a.metadata?.name}`)).toEqual([
      `${other}/guestbook`,
    ]);
    await flotilla('sync', `${other}/guestbook`);
    const app = await rawRequest<Application>(env.kube.kc, {
      method: 'GET',
      path: applicationPath(other, 'guestbook'),
    });
    expect(app.operation?.sync).toEqual({});
    const refused = await flotilla('get', `${other}/guestbook`, '-N', 'elsewhere').catch(
      (e: unknown) => e,
    );
    expect(isCommandError(refused) && refused.stderr).toContain(
      `${other}/guestbook names namespace ${other}, but -N says elsewhere`,
    );
  });

  it('lists the apps of every served namespace with -A, the same name in two of them apart', async () => {
    const teamA = await env.kube.namespace('shop-a');
    const teamB = await env.kube.namespace('shop-b');
    const unserved = await env.kube.namespace('shop-c');
    for (const [where, path] of [
      [ns, 'control'],
      [teamA, 'team-a'],
      [teamB, 'team-b'],
      [unserved, 'unserved'],
    ] as const)
      await env.kube.objects.create({
        apiVersion: API_VERSION,
        kind: 'Application',
        metadata: { name: 'shop', namespace: where },
        spec: {
          project: 'default',
          source: { repoURL: 'https://git.example.com/shop.git', path },
          destination: { server: 'https://kubernetes.default.svc', namespace: path },
        },
      } as Application);
    // As the roles read FLOTILLA_APPLICATION_NAMESPACES: a glob and an exact name.
    const served = `${teamA.replace(/-a-/, '-?-')},${teamB}`;
    const table = await flotilla('list', '-A', '--application-namespaces', served);
    const header = table.stdout.split('\n')[0] ?? '';
    expect(header).toMatch(/^NAMESPACE\s+NAME\s+SYNC\s+HEALTH\s+REVISION$/);
    const shops = table.stdout.split('\n').filter((l) => /^\S+\s+shop\s/.test(l));
    expect(shops.map((l) => l.split(/\s+/)[0])).toEqual([ns, teamA, teamB].sort());
    expect(table.stdout).toMatch(new RegExp(`^${ns}\\s+guestbook\\s+Unknown`, 'm'));
    expect(table.stdout).not.toContain(unserved);
    expect(table.stderr).toMatch(
      /note: \d+ Application\(s\) in namespaces Flotilla does not serve/,
    );
    expect(table.stderr).toContain(unserved);

    const where = (out: string) =>
      (JSON.parse(out) as Application[])
        .filter((a) => a.metadata?.name === 'shop')
        .map((a) => `${a.metadata?.namespace}/${a.spec.source?.path}`);
    const expected = [`${ns}/control`, `${teamA}/team-a`, `${teamB}/team-b`].sort();
    expect(
      where(
        (await flotilla('list', '-A', '--application-namespaces', served, '-o', 'json')).stdout,
      ),
    ).toEqual(expected);
    // The environment variable, as the roles take it; YAML carries the namespace too.
    const yaml = await run(
      process.execPath,
      [bin, 'app', 'list', '-A', '-o', 'yaml', '--kubeconfig', env.kube.kubeconfigPath, '-n', ns],
      { env: { ...process.env, FLOTILLA_APPLICATION_NAMESPACES: served } },
    );
    expect(yaml.stdout).toContain(`namespace: ${teamB}`);
    expect(yaml.stdout).not.toContain(`namespace: ${unserved}`);
    // Without other namespaces -A is the control namespace alone.
    const control = await run(
      process.execPath,
      [bin, 'app', 'list', '-A', '-o', 'json', '--kubeconfig', env.kube.kubeconfigPath, '-n', ns],
      { env: { ...process.env, FLOTILLA_APPLICATION_NAMESPACES: '' } },
    );
    expect(where(control.stdout)).toEqual([`${ns}/control`]);

    for (const [args, message] of [
      [['-A', '-N', teamA], 'use -A or -N, not both'],
      [
        ['-A', '--application-namespaces', 'Team_A'],
        'is neither a namespace glob nor a /regular expression/',
      ],
    ] as const) {
      const err = await flotilla('list', ...args).catch((e: unknown) => e);
      expect(isCommandError(err) && err.exitCode, args.join(' ')).toBe(2);
      expect(isCommandError(err) && err.stderr).toContain(message);
    }
    const help = (await run(process.execPath, [bin, 'app', 'list', '--help'])).stdout;
    expect(help).toContain('-A, --all-namespaces');
    expect(help).toContain('NAMESPACE column');
  });

  it('exits 1 when a wait times out, and names a missing app', async () => {
    const err = await flotilla('wait', 'guestbook', '--sync', '--timeout', '1').catch(
      (e: unknown) => e,
    );
    expect(isCommandError(err) && err.exitCode).toBe(1);
    const missing = await flotilla('get', 'nope').catch((e: unknown) => e);
    expect(isCommandError(missing) && missing.stderr).toContain(`application ${ns}/nope not found`);
  });
});
