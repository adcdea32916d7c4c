// `flotilla install` / `uninstall` against the test cluster: the namespace gets the
// restricted Pod Security Standard, the release its ServiceAccounts, values given
// with --set are honoured, and uninstall removes the release but keeps the CRDs.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, installCrds, rawRequest } from '@flotilla/kube';
import { startEnv, type TestEnv } from '@flotilla/testing';
import { flotilla } from './cli.js';

describe('flotilla install and uninstall', () => {
  let env: TestEnv;
  const ns = `flotilla-cli-${randomBytes(4).toString('hex')}`;
  const release = 'fl';
  const cli = (...args: string[]) =>
    flotilla([...args, '--kubeconfig', env.kube.kubeconfigPath, '-n', ns, '--release', release]);
  const get = <T>(path: string) => rawRequest<T>(env.kube.kc, { method: 'GET', path });

  beforeAll(async () => {
    env = await startEnv({ kube: true });
    // The CRDs are shared by every test of the cluster: Helm skips the ones that exist.
    await installCrds(env.kube.kc);
  });
  afterAll(async () => {
    await rawRequest(env.kube.kc, { method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(
      () => undefined,
    );
    await env?.[Symbol.asyncDispose]();
  });

  it('installs the chart all-in-one into a restricted namespace, saying what it does', async () => {
    const r = await cli('install', '--set', 'mode=all-in-one', '--set', 'nats.storage.size=');
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    expect(r.stderr).toContain(`› namespace ${ns} (restricted Pod Security Standard)`);
    expect(r.stderr).toContain(`› release ${release} revision 1 in namespace ${ns}`);
    const namespace = await get<{ metadata: { labels: Record<string, string> } }>(
      `/api/v1/namespaces/${ns}`,
    );
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const sas = await get<{ items: { metadata: { name: string } }[] }>(
      `/api/v1/namespaces/${ns}/serviceaccounts?labelSelector=app.kubernetes.io/instance=${release}`,
    );
    expect(sas.items.map((s) => s.metadata.name)).toEqual([`${release}-flotilla`]);
    // Run again: an upgrade, revision 2.
    const again = await cli('install', '--set', 'mode=all-in-one', '--set', 'nats.storage.size=');
    expect(again.stderr).toContain(`› release ${release} revision 2 in namespace ${ns}`);
  });

  it('fails with helm’s own reason for a bad value, exit code 1', async () => {
    const r = await cli('install', '--set', 'mode=sideways');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: installing release ${release} failed:`);
    expect(r.stderr).toContain('mode must be split or all-in-one, not "sideways"');
  });

  it('uninstalls the release and keeps the CRDs', async () => {
    const r = await cli('uninstall', '--wait');
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    const gone = await get(`/api/v1/namespaces/${ns}/serviceaccounts/${release}-flotilla`).then(
      () => false,
      (e: unknown) => e instanceof ApiError && e.status === 404,
    );
    expect(gone).toBe(true);
    await get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/applications.flotilla.dev');
  });

  it('says which cluster it cannot reach', async () => {
    const r = await flotilla(['install', '--kubeconfig', '/nonexistent/kubeconfig']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: cannot reach the cluster .* of \/nonexistent\/kubeconfig/);
  });
});
