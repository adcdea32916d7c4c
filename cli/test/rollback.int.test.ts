// `flotilla app rollback` as a user runs it: a child process against the
// control plane, with the renderer, applier and hook runner running here.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, type Application, type OperationState, applicationPath } from '@flotilla/api';
import { installCrds, rawRequest } from '@flotilla/kube';
import { isCommandError, run } from '@flotilla/runtime';
import { startEnv, startRoles, waitFor, type RunningRoles, type TestEnv } from '@flotilla/testing';
import { applierRole } from '@flotilla/applier';
import { hookRunnerRole } from '@flotilla/hook-runner';
import { rendererRole } from '@flotilla/renderer';

const bin = join(import.meta.dirname, '..', 'bin', 'flotilla.mjs');
const settings = (value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: ${value}\n`;

describe('flotilla app rollback', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let first: string;
  let second: string;
  let roles: RunningRoles | undefined;
  const flotilla = (...args: string[]) =>
    run(process.execPath, [bin, 'app', ...args, '--kubeconfig', env.kube.kubeconfigPath, '-n', ns]);
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => ({ exitCode: 0, stderr: '' }),
      (e: unknown) => {
        if (!isCommandError(e)) throw e;
        return { exitCode: e.exitCode, stderr: e.stderr };
      },
    );
  const appPath = () => applicationPath(ns, 'web');
  const app = () => rawRequest<Application>(env.kube.kc, { method: 'GET', path: appPath() });
  const patch = (body: Record<string, unknown>) =>
    rawRequest(env.kube.kc, {
      method: 'PATCH',
      path: appPath(),
      contentType: 'application/merge-patch+json',
      body,
    });
  const value = async () =>
    (
      await rawRequest<{ data: Record<string, string> }>(env.kube.kc, {
        method: 'GET',
        path: `/api/v1/namespaces/${dest}/configmaps/settings`,
      })
    ).data['value'];
  const historyLength = async (n: number) => {
    await waitFor(`${n} history entries`, async () => (await app()).status?.history?.length === n, {
      timeoutMs: 120_000,
      intervalMs: 250,
    });
  };

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    dest = await env.kube.namespace('dest');
    const repo = await env.git.repo('web');
    first = await repo.commit({ 'web/settings.yaml': settings('first') });
    second = await repo.commit({ 'web/settings.yaml': settings('second') });
    roles = await startRoles(env, ns, [hookRunnerRole, rendererRole, applierRole]);
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
    // History: the first commit (id 0), then the second (id 1).
    await patch({ operation: { sync: { revision: first } } });
    await historyLength(1);
    await patch({ operation: { sync: { revision: second } } });
    await historyLength(2);
    expect(await value()).toBe('second');
  });
  afterAll(async () => {
    await roles?.stop();
    await env[Symbol.asyncDispose]();
  });

  it('documents its arguments and exit codes', async () => {
    const { stdout } = await run(process.execPath, [bin, 'app', 'rollback', '--help']);
    expect(stdout).toContain('Usage: flotilla app rollback [options] <name> <id>');
    expect(stdout).toMatch(/--prune/);
    expect(stdout).toMatch(/Exit codes:\n\s+0\s+rolled back/);
  });

  it('rolls back, showing progress, and prints the result as JSON', async () => {
    const { stdout, stderr } = await flotilla('rollback', 'web', '0', '-o', 'json');
    const state = JSON.parse(stdout) as OperationState;
    expect(state.phase).toBe('Succeeded');
    expect(state.syncResult?.revision).toBe(first);
    expect(state.operation.sync).toMatchObject({ revision: first, syncStrategy: { apply: {} } });
    expect(stderr).toContain(`› rollback of ${ns}/web to history entry 0 (${first.slice(0, 7)})`);
    expect(stderr).toMatch(/› ConfigMap\/\S+\/settings: Synced/);
    expect(stderr).toContain(`› rolled back: ${ns}/web`);
    expect(await value()).toBe('first');
  });

  it('runs a dry run: a table of results, nothing changed, no history entry', async () => {
    const { stdout, stderr } = await flotilla('rollback', 'web', '1', '--dry-run');
    expect(stdout).toMatch(/^Phase:\s+Succeeded/);
    expect(stdout).toContain(`Revision:  ${second}`);
    expect(stdout).toMatch(
      /KIND\s+NAMESPACE\s+NAME\s+STATUS\s+MESSAGE\nConfigMap\s+\S+\s+settings\s+Synced/,
    );
    expect(stderr).toContain('› dry run succeeded');
    expect(await value()).toBe('first');
    expect((await app()).status?.history).toHaveLength(3);
  });

  it('exits 2 for an ID the history does not have, or one that is no number', async () => {
    const missing = await failure(flotilla('rollback', 'web', '7'));
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('does not have deployment with id 7');
    const bad = await failure(flotilla('rollback', 'web', 'latest'));
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('the ID of a history entry');
    expect((await app()).operation).toBeUndefined();
  });

  it('exits 1 and writes nothing while automated sync is on', async () => {
    await patch({ spec: { syncPolicy: { automated: {} } } });
    const refused = await failure(flotilla('rollback', 'web', '1'));
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('rollback cannot be initiated when auto-sync is enabled');
    expect((await app()).operation).toBeUndefined();
  });
});
