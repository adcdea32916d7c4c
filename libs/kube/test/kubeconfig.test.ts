import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { impersonating } from '../src/clusters.js';
import { loadKubeConnectionFromFile, loadKubeConnectionInCluster } from '../src/kubeconfig.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('kubeconfig files without client-node', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubeconfig-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const write = async (config: unknown) => {
    const path = join(dir, 'config');
    await writeFile(path, stringify(config));
    return path;
  };
  const options = async (kc: { applyToHTTPSOptions(o: RequestOptions): Promise<void> }) => {
    const o: RequestOptions = { headers: { Accept: 'application/json' } };
    await kc.applyToHTTPSOptions(o);
    return o;
  };

  it('reads the current context: inline CA and client certificate, a token', async () => {
    const path = await write({
      'current-context': 'b',
      contexts: [
        { name: 'a', context: { cluster: 'one', user: 'u1' } },
        { name: 'b', context: { cluster: 'two', user: 'u2', namespace: 'team' } },
      ],
      clusters: [
        { name: 'one', cluster: { server: 'https://one:6443' } },
        {
          name: 'two',
          cluster: {
            server: 'https://two:6443',
            'certificate-authority-data': b64('CA2'),
            'tls-server-name': 'api.two',
          },
        },
      ],
      users: [
        { name: 'u1', user: { token: 'wrong' } },
        {
          name: 'u2',
          user: {
            'client-certificate-data': b64('CERT'),
            'client-key-data': b64('KEY'),
            token: 'tok',
          },
        },
      ],
    });
    const kc = loadKubeConnectionFromFile(path);
    expect(kc.getCurrentCluster().server).toBe('https://two:6443');
    expect(kc.namespace).toBe('team');
    expect(await options(kc)).toEqual({
      headers: { Accept: 'application/json', Authorization: 'Bearer tok' },
      ca: 'CA2',
      cert: 'CERT',
      key: 'KEY',
      servername: 'api.two',
    });
  });

  it('reads files relative to the kubeconfig, skips verification, sends basic auth and impersonation', async () => {
    await writeFile(join(dir, 'ca.crt'), 'CA-FROM-FILE');
    const path = await write({
      'current-context': 'c',
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
      clusters: [
        {
          name: 'k',
          cluster: {
            server: 'https://k:6443',
            'certificate-authority': 'ca.crt',
            'insecure-skip-tls-verify': true,
          },
        },
      ],
      users: [
        {
          name: 'u',
          user: { username: 'admin', password: 'pw', as: 'jane', 'as-groups': ['ops', 'dev'] },
        },
      ],
    });
    const o = await options(loadKubeConnectionFromFile(path));
    expect(o).toMatchObject({ ca: 'CA-FROM-FILE', rejectUnauthorized: false });
    expect(o.headers).toEqual({
      Accept: 'application/json',
      Authorization: `Basic ${b64('admin:pw')}`,
      'Impersonate-User': 'jane',
      'Impersonate-Group': ['ops', 'dev'],
    });
  });

  it('impersonates on top of the credentials', async () => {
    const path = await write({
      'current-context': 'c',
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
      clusters: [{ name: 'k', cluster: { server: 'https://k:6443' } }],
      users: [{ name: 'u', user: { token: 'tok' } }],
    });
    const kc = loadKubeConnectionFromFile(path);
    const as = impersonating(kc, 'system:serviceaccount:a:b');
    expect(impersonating(kc, 'system:serviceaccount:a:b')).toBe(as);
    expect((await options(as)).headers).toEqual({
      Accept: 'application/json',
      Authorization: 'Bearer tok',
      'Impersonate-User': 'system:serviceaccount:a:b',
    });
    expect((await options(kc)).headers).not.toHaveProperty('Impersonate-User');
  });

  it('reads the service account of a pod', async () => {
    await writeFile(join(dir, 'ca.crt'), 'POD-CA');
    await writeFile(join(dir, 'token'), 'pod-token\n');
    await writeFile(join(dir, 'namespace'), 'flotilla');
    const env = { ...process.env };
    process.env['KUBERNETES_SERVICE_HOST'] = 'fd00::1';
    process.env['KUBERNETES_SERVICE_PORT'] = '443';
    try {
      const kc = loadKubeConnectionInCluster(dir);
      expect(kc.getCurrentCluster().server).toBe('https://[fd00::1]:443');
      expect(kc.namespace).toBe('flotilla');
      expect(await options(kc)).toMatchObject({
        ca: 'POD-CA',
        headers: { Authorization: 'Bearer pod-token' },
      });
    } finally {
      process.env = env;
    }
  });

  it('leaves exec credentials to client-node, loaded when a request needs them', async () => {
    const credential = JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      status: { token: 'from-plugin' },
    });
    const path = await write({
      'current-context': 'c',
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
      clusters: [{ name: 'k', cluster: { server: 'https://k:6443' } }],
      users: [
        {
          name: 'u',
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1beta1',
              command: 'sh',
              args: ['-c', `printf '%s' '${credential}'`],
            },
          },
        },
      ],
    });
    const o = await options(loadKubeConnectionFromFile(path));
    expect(o.headers).toMatchObject({ Authorization: 'Bearer from-plugin' });
  });

  it('says which context is missing', async () => {
    const path = await write({ 'current-context': 'gone', contexts: [] });
    expect(() => loadKubeConnectionFromFile(path)).toThrow(/no context gone/);
  });
});
