// `flotilla cluster list|get` against the test cluster: the in-cluster destination
// answers, a cluster Secret naming a closed port does not, and one using
// execProviderConfig is named as not supported; apps are counted per cluster,
// and no credential is printed. With a Redis URL, each cluster's cache size
// and last error come from the differ's reports.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, type Application } from '@flotilla/api';
import { installCrds, rawRequest } from '@flotilla/kube';
import { ClusterReports } from '@flotilla/render';
import { freePort } from '@flotilla/runtime';
import { startEnv, type TestEnv } from '@flotilla/testing';
import type { ClusterView } from '../src/commands/cluster.js';
import { flotilla } from './cli.js';

describe('flotilla cluster', () => {
  let env: TestEnv;
  let ns: string;
  let deadServer: string;
  const cli = (...args: string[]) =>
    flotilla(['cluster', ...args, '--kubeconfig', env.kube.kubeconfigPath, '-n', ns]);
  const secret = async (name: string, server: string, config: unknown) => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    await rawRequest(env.kube.kc, {
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/secrets`,
      body: {
        metadata: {
          name: `cluster-${name}`,
          labels: { 'argocd.argoproj.io/secret-type': 'cluster' },
        },
        data: { name: b64(name), server: b64(server), config: b64(JSON.stringify(config)) },
      },
    });
  };
  const app = (name: string, destination: Record<string, string>) =>
    env.kube.objects.create({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name, namespace: ns },
      spec: {
        project: 'default',
        source: { repoURL: 'https://git.example.com/a.git', targetRevision: 'main', path: name },
        destination: { namespace: 'x', ...destination },
      },
    } as Application);

  beforeAll(async () => {
    env = await startEnv({ kube: true, redis: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('clusters');
    deadServer = `https://127.0.0.1:${await freePort()}`;
    await secret('dead', deadServer, { bearerToken: 'dead-token-must-not-show' });
    await secret('exec', 'https://exec.example.com', {
      execProviderConfig: { command: 'aws', args: ['eks', 'get-token'] },
    });
    await app('home', { server: 'https://kubernetes.default.svc' });
    await app('far', { name: 'dead' });
  });
  afterAll(async () => {
    await env?.[Symbol.asyncDispose]();
  });

  it('lists every cluster with version, reachability, apps and the reason it fails', async () => {
    const r = await cli('list', '-o', 'json');
    expect(r.code).toBe(0);
    const items = JSON.parse(r.stdout) as ClusterView[];
    const by = Object.fromEntries(items.map((c) => [c.name, c]));
    expect(by['in-cluster']).toMatchObject({ reachable: true, apps: ['home'] });
    expect(by['in-cluster']?.version).toMatch(/^v1\.\d+/);
    expect(by['dead']).toMatchObject({ server: deadServer, reachable: false, apps: ['far'] });
    expect(by['dead']?.error).toBeTruthy();
    expect(by['exec']).toMatchObject({
      reachable: false,
      error: expect.stringContaining('execProviderConfig is not supported yet') as string,
    });
    expect(r.stdout + (await cli('list')).stdout).not.toContain('dead-token-must-not-show');
  });

  it('shows one cluster by name, exiting 1 when it does not answer', async () => {
    const ok = await cli('get', 'in-cluster');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Status:\s+Reachable/);
    const dead = await cli('get', deadServer);
    expect(dead.code).toBe(1);
    expect(dead.stdout).toMatch(/Status:\s+Unreachable/);
    const none = await cli('get', 'nope');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no cluster nope; known: in-cluster, dead, exec');
  });

  it("shows the differ's cache size and last error per cluster from Redis", async () => {
    const redis = new Redis(env.redis.url);
    try {
      const at = new Date().toISOString();
      const report = { reportedAt: at, intervalMs: 30_000, kinds: 2 };
      await new ClusterReports(redis, ns).write([
        {
          ...report,
          name: 'in-cluster',
          server: 'https://kubernetes.default.svc',
          resources: 12,
          reachable: true,
        },
        {
          ...report,
          name: 'dead',
          server: deadServer,
          resources: 3,
          reachable: false,
          lastError: 'connect ECONNREFUSED',
          lastErrorAt: at,
        },
      ]);
      // A report older than three of its intervals is not believed.
      await new ClusterReports(redis, ns).write([
        {
          reportedAt: new Date(Date.now() - 120_000).toISOString(),
          intervalMs: 30_000,
          kinds: 1,
          name: 'exec',
          server: 'https://exec.example.com',
          resources: 99,
          reachable: true,
        },
      ]);
    } finally {
      redis.disconnect();
    }
    const r = await cli('list', '-o', 'json', '--redis-url', env.redis.url);
    expect(r.code).toBe(0);
    const by = Object.fromEntries((JSON.parse(r.stdout) as ClusterView[]).map((c) => [c.name, c]));
    expect(by['in-cluster']).toMatchObject({ resourcesCached: 12 });
    expect(by['in-cluster']?.lastError).toBeUndefined();
    expect(by['dead']).toMatchObject({ resourcesCached: 3, lastError: 'connect ECONNREFUSED' });
    expect(by['exec']?.resourcesCached).toBeUndefined();
    const table = await cli('list', '--redis-url', env.redis.url);
    expect(table.stdout).toMatch(/NAME\s+SERVER\s+VERSION\s+STATUS\s+APPS\s+CACHED\s+MESSAGE/);
    expect(table.stdout).toMatch(/in-cluster\s+\S+\s+v1\.\S+\s+Reachable\s+1\s+12\s/);
    const get = await cli('get', 'in-cluster', '--redis-url', env.redis.url);
    expect(get.stdout).toMatch(/Resources cached:\s+12/);
    // FLOTILLA_REDIS_URL works as the flag does.
    const fromEnv = await flotilla(
      ['cluster', 'get', 'dead', '-o', 'json', '--kubeconfig', env.kube.kubeconfigPath, '-n', ns],
      { env: { FLOTILLA_REDIS_URL: env.redis.url } },
    );
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({ resourcesCached: 3 });
  });

  it('warns and shows the rest when Redis does not answer', async () => {
    const closed = `redis://:not-shown@127.0.0.1:${await freePort()}`;
    const r = await cli('list', '-o', 'json', '--redis-url', closed);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      "warning: cannot read the differ's cluster reports from Redis at 127.0.0.1:",
    );
    expect(r.stderr).not.toContain('not-shown');
    const items = JSON.parse(r.stdout) as ClusterView[];
    expect(items.find((c) => c.name === 'in-cluster')?.resourcesCached).toBeUndefined();
  });
});
