// A registry that speaks plain HTTP, reached only when its repository Secret
// says `insecureOCIForceHttp: "true"` (Argo CD 3.5's spelling): the chart,
// an OCI artifact and a chart dependency, with the real registry and helm.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialFromSecret, type RepoCredential } from '@flotilla/git';
import { startEnv, tarGz, writeChart, type TestEnv } from '@flotilla/testing';
import { ChartClient, Renderer } from '../src/index.js';
import { failure } from './failure.js';
import { realTools } from './tools.js';

let env: TestEnv;
let tools: { helmPath: string; kubectlPath: string };

// The repository Secret a user writes, parsed as the roles parse it.
const secret = (extra: Record<string, string>): RepoCredential =>
  credentialFromSecret({
    metadata: { labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
    stringData: {
      type: 'oci',
      url: `oci://${env.registry.host}`,
      username: env.registry.auth.username,
      password: env.registry.auth.password,
      ...extra,
    },
  })!;
const client = (cred: RepoCredential) =>
  new ChartClient({
    cacheDir: join(env.tmpDir, `store-${Math.random().toString(36).slice(2)}`),
    credentials: () => [cred],
  });
const chart = () => ({
  repoURL: `oci://${env.registry.host}/charts`,
  chart: 'plain',
  targetRevision: '1.x',
});

beforeAll(async () => {
  tools = await realTools();
  env = await startEnv({ registry: { plainHttp: true } });
  await env.registry.push(
    await writeChart(join(env.tmpDir, 'chart'), {
      name: 'plain',
      version: '1.0.0',
      values: { greeting: 'over http' },
    }),
  );
  await env.registry.pushArtifact(
    'manifests/plain',
    '1.0.0',
    await tarGz({
      'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-artifact\n',
    }),
  );
}, 1_800_000);

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

describe('insecureOCIForceHttp', () => {
  it('pulls and renders a chart from a plain-HTTP registry when the Secret says so', async () => {
    const c = client(secret({ insecureOCIForceHttp: 'true' }));
    const version = await c.resolve(chart());
    expect(version).toBe('1.0.0');
    const pulled = await c.pull(chart(), version);
    try {
      const rendered = await new Renderer(tools).render({
        appName: 'web',
        namespace: 'web',
        source: chart(),
        repoDir: pulled.dir,
        revision: pulled.digest,
      });
      expect(rendered.objects[0]?.['data']).toEqual({
        greeting: 'over http',
        chartVersion: '1.0.0',
      });
    } finally {
      pulled.release();
    }
  });

  it('without it, TLS is spoken and the registry is unreachable; the password is never shown', async () => {
    const err = await failure(client(secret({})).resolve(chart()));
    expect(err.code).toBe('RepositoryUnreachable');
    expect(err.message).toContain(`https://${env.registry.host}/`);
    expect(err.message).not.toContain(env.registry.auth.password);
  });

  it('the same Secret serves an OCI artifact (type: oci) and a chart dependency', async () => {
    const c = client(secret({ insecureOCIForceHttp: 'true' }));
    const artifact = {
      repoURL: `oci://${env.registry.host}/manifests/plain`,
      targetRevision: '1.x',
    };
    const digest = await c.resolveArtifact(artifact);
    const tree = await c.pullArtifact(artifact, digest);
    const renderer = new Renderer({ ...tools, charts: c });
    const fromArtifact = await renderer
      .render({
        appName: 'web',
        source: { ...artifact, path: '.' },
        repoDir: tree.dir,
        revision: digest,
      })
      .finally(tree.release);
    expect(fromArtifact.objects.map((o) => o['metadata'])).toEqual([{ name: 'from-artifact' }]);

    const umbrella = await writeChart(join(env.tmpDir, 'umbrella'), {
      name: 'umbrella',
      version: '0.1.0',
      templates: {},
      dependencies: [
        { name: 'plain', version: '1.x', repository: `oci://${env.registry.host}/charts` },
      ],
    });
    const withDependency = await renderer.render({
      appName: 'web',
      namespace: 'web',
      source: { repoURL: 'https://git.example/umbrella', path: '.' },
      repoDir: umbrella,
      revision: 'test',
    });
    expect(withDependency.objects[0]?.['data']).toEqual({
      greeting: 'over http',
      chartVersion: '1.0.0',
    });
  });
});
