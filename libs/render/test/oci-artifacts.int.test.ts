// OCI artifacts holding manifests or a Kustomize tree (Argo CD 3.1's `type:
// oci`), pulled from the real distribution registry and rendered.
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepoCredential } from '@flotilla/git';
import { startEnv, tarGz, writeChart, type ArtifactEntry, type TestEnv } from '@flotilla/testing';
import { ChartClient, Renderer } from '../src/index.js';
import { failure } from './failure.js';
import { realTools } from './tools.js';

let env: TestEnv;
let tools: { helmPath: string; kubectlPath: string };
let creds: RepoCredential[];

function client(over: Partial<ConstructorParameters<typeof ChartClient>[0]> = {}): ChartClient {
  return new ChartClient({
    cacheDir: join(env.tmpDir, `store-${Math.random().toString(36).slice(2)}`),
    credentials: () => creds,
    trustedCerts: () => ({ '127.0.0.1': env.ca.caPem }),
    ...over,
  });
}

const configMap = (name: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data)
    .map(([k, v]) => `  ${k}: "${v}"`)
    .join('\n')}\n`;

const names = (objects: readonly Record<string, unknown>[]) =>
  objects.map((o) => (o['metadata'] as { name: string }).name).sort();

const repoURL = (repo: string) => `oci://${env.registry.host}/${repo}`;

beforeAll(async () => {
  tools = await realTools();
  env = await startEnv({ registry: true });
  creds = [
    // Argo CD 3.1's repository Secret for an OCI artifact: type oci, an oci:// URL.
    {
      urlPrefix: `oci://${env.registry.host}`,
      type: 'oci',
      username: env.registry.auth.username,
      password: env.registry.auth.password,
    },
  ];
  for (const version of ['1.0.0', '1.1.0', '2.0.0']) {
    await env.registry.pushArtifact(
      'manifests/guestbook',
      version,
      await tarGz({
        './': { dir: true },
        './deploy/': { dir: true },
        './deploy/cm.yaml': configMap('guestbook', { version }),
        './base/kustomization.yaml': 'resources:\n  - cm.yaml\n',
        './base/cm.yaml': configMap('base', { version }),
        './overlay/kustomization.yaml': 'resources:\n  - ../base\nnamePrefix: prod-\n',
        // A link inside the tree is kept.
        './linked': { symlink: 'deploy' },
      }),
    );
  }
}, 1_800_000);

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

describe('OCI artifacts (type: oci)', () => {
  it('resolves tags, constraints and digests to manifest digests', async () => {
    const c = client();
    const spec = { repoURL: repoURL('manifests/guestbook') };
    const exact = await c.resolveArtifact({ ...spec, targetRevision: '1.0.0' });
    expect(exact).toMatch(/^sha256:[0-9a-f]{64}$/);
    const ranged = await c.resolveArtifact({ ...spec, targetRevision: '1.x' });
    expect(ranged).not.toBe(exact);
    expect(await c.resolveArtifact({ ...spec, targetRevision: '>=1.0.0 <1.1.0' })).toBe(exact);
    expect(await c.resolveArtifact({ ...spec, targetRevision: exact })).toBe(exact);
    expect(c.pickArtifactTag(['1.0.0', '1.1.0', '2.0.0'], { ...spec, targetRevision: '' })).toBe(
      '2.0.0',
    );
    expect(c.artifactListing(spec).key).toBe(`oci://${env.registry.host}/manifests/guestbook`);
  });

  it('pulls once per digest and renders a path as plain manifests or Kustomize', async () => {
    const c = client();
    const spec = { repoURL: repoURL('manifests/guestbook'), targetRevision: '1.1.0' };
    const digest = await c.resolveArtifact(spec);
    const pulled = await c.pullArtifact(spec, digest);
    expect(pulled.revision).toBe(digest);
    expect((await c.pullArtifact(spec, digest)).dir).toBe(pulled.dir);
    expect(await readlink(join(pulled.dir, 'linked'))).toBe('deploy');
    expect((await lstat(join(pulled.dir, 'deploy', 'cm.yaml'))).isFile()).toBe(true);

    const renderer = new Renderer(tools);
    const plain = await renderer.render({
      appName: 'web',
      namespace: 'web',
      source: { ...spec, path: 'deploy' },
      repoDir: pulled.dir,
      revision: pulled.digest,
    });
    expect(plain.sourceType).toBe('Directory');
    expect(plain.objects[0]).toMatchObject({ data: { version: '1.1.0' } });
    const kustomized = await renderer.render({
      appName: 'web',
      namespace: 'web',
      source: { ...spec, path: 'overlay' },
      repoDir: pulled.dir,
      revision: pulled.digest,
    });
    expect(kustomized.sourceType).toBe('Kustomize');
    expect(names(kustomized.objects)).toEqual(['prod-base']);
  });

  it('an artifact whose layer is a Helm chart renders as a chart at path .', async () => {
    const pushed = await env.registry.push(
      await writeChart(join(env.tmpDir, 'chart-src'), { name: 'site', version: '0.3.0' }),
      'packaged',
    );
    const c = client();
    const spec = { repoURL: pushed.ref, targetRevision: '0.x' };
    const digest = await c.resolveArtifact(spec);
    expect(digest).toBe(pushed.digest);
    const pulled = await c.pullArtifact(spec, digest);
    const out = await new Renderer(tools).render({
      appName: 'site',
      namespace: 'site',
      source: { ...spec, path: '.' },
      repoDir: pulled.dir,
      revision: pulled.digest,
    });
    expect(out.sourceType).toBe('Helm');
    expect(out.objects[0]).toMatchObject({ data: { chartVersion: '0.3.0' } });
  });

  it('an image index (a multi-platform build) is followed to the one content its platforms share', async () => {
    const repo = 'manifests/multi';
    const tree = await tarGz({ 'cm.yaml': configMap('multi', { from: 'index' }) });
    // One manifest per platform, each pushed under its own tag first, all holding one layer.
    const amd = await env.registry.pushArtifact(repo, 'amd64', tree);
    const arm = await env.registry.pushArtifact(repo, 'arm64', tree);
    const attestation = await env.registry.pushArtifact(repo, 'att', Buffer.from('{}'), {
      mediaType: 'application/vnd.in-toto+json',
    });
    const index = await env.registry.pushIndex(repo, '1.0.0', [
      { ...amd, platform: { os: 'linux', architecture: 'amd64' } },
      { ...arm, platform: { os: 'linux', architecture: 'arm64' } },
      {
        ...attestation,
        platform: { os: 'unknown', architecture: 'unknown' },
        annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
      },
    ]);
    const c = client();
    const spec = { repoURL: repoURL(repo), targetRevision: '1.x' };
    // The revision is what the tag names: the index.
    const digest = await c.resolveArtifact(spec);
    expect(digest).toBe(index);
    const pulled = await c.pullArtifact(spec, digest);
    expect(pulled.revision).toBe(index);
    expect(pulled.digest).toBe(amd.layer);
    const out = await new Renderer(tools)
      .render({
        appName: 'multi',
        source: { ...spec, path: '.' },
        repoDir: pulled.dir,
        revision: pulled.digest,
      })
      .finally(pulled.release);
    expect(out.objects[0]).toMatchObject({ data: { from: 'index' } });
  });

  it('an image index whose platforms hold different content is InvalidRepository; a manifest digest works', async () => {
    const repo = 'manifests/split';
    const one = await env.registry.pushArtifact(
      repo,
      'one',
      await tarGz({ 'cm.yaml': configMap('split', { n: '1' }) }),
    );
    const two = await env.registry.pushArtifact(
      repo,
      'two',
      await tarGz({ 'cm.yaml': configMap('split', { n: '2' }) }),
    );
    await env.registry.pushIndex(repo, '1.0.0', [one, two]);
    const c = client();
    const spec = { repoURL: repoURL(repo), targetRevision: '1.0.0' };
    const err = await failure(c.resolveArtifact(spec).then((d) => c.pullArtifact(spec, d)));
    expect(err.code).toBe('InvalidRepository');
    expect(err.message).toMatch(/image index whose manifests hold different content/);
    const pinned = await c.pullArtifact({ ...spec, targetRevision: two.digest }, two.digest);
    expect(pinned.digest).toBe(two.layer);
    pinned.release();
  });

  it('a re-pushed tag resolves to its new digest', async () => {
    const c = client();
    const spec = { repoURL: repoURL('manifests/moving'), targetRevision: 'latest' };
    await env.registry.pushArtifact(
      'manifests/moving',
      'latest',
      await tarGz({ 'cm.yaml': configMap('moving', { count: '1' }) }),
    );
    const first = await c.resolveArtifact(spec);
    const pushed = await env.registry.pushArtifact(
      'manifests/moving',
      'latest',
      await tarGz({ 'cm.yaml': configMap('moving', { count: '2' }) }),
    );
    const second = await c.resolveArtifact(spec);
    expect(second).toBe(pushed.digest);
    expect(second).not.toBe(first);
    const pulled = await c.pullArtifact(spec, second);
    const out = await new Renderer(tools).render({
      appName: 'm',
      source: { ...spec, path: '.' },
      repoDir: pulled.dir,
      revision: pulled.digest,
    });
    expect(out.objects[0]).toMatchObject({ data: { count: '2' } });
  });
});

describe('bad artifacts: each a clear error, credentials never echoed', () => {
  const bad = async (
    repo: string,
    entries: Parameters<typeof tarGz>[0],
    over?: Parameters<typeof client>[0],
  ) => {
    await env.registry.pushArtifact(repo, '1.0.0', await tarGz(entries));
    const c = client(over);
    const spec = { repoURL: repoURL(repo), targetRevision: '1.0.0' };
    return failure(c.resolveArtifact(spec).then((d) => c.pullArtifact(spec, d)));
  };

  it('a ../ name or an absolute name is PathEscape', async () => {
    for (const name of ['../evil.yaml', 'a/../../evil.yaml', '/etc/evil.yaml']) {
      const err = await bad(`bad/escape${name.length}`, { 'ok.yaml': 'x: 1\n', [name]: 'x: 1\n' });
      expect(err.code).toBe('PathEscape');
      expect(err.message).toContain(JSON.stringify(name));
    }
  });

  it('a symlink out of the tree is PathEscape, also through another link', async () => {
    const cases: Record<string, ArtifactEntry>[] = [
      { 'a.yaml': 'x: 1\n', out: { symlink: '../../etc' } },
      { 'a.yaml': 'x: 1\n', abs: { symlink: '/etc/passwd' } },
      { 'a.yaml': 'x: 1\n', d: { symlink: '.' }, 'sub/x': { symlink: '../d/..' } },
    ];
    for (const [i, entries] of cases.entries()) {
      const err = await bad(`bad/link${i}`, entries);
      expect(err.code).toBe('PathEscape');
      expect(err.message).toMatch(/out of the artifact/);
    }
  });

  it('a hard link is refused', async () => {
    const err = await bad('bad/hard', { 'a.yaml': 'x: 1\n', b: { hardlink: 'a.yaml' } });
    expect(err.code).toBe('InvalidRepository');
  });

  it('an artifact over the limits is TooLarge, compressed or unpacked', async () => {
    const big = { 'big.yaml': `x: "${'a'.repeat(300_000)}"\n` };
    expect((await bad('bad/big', big, { maxArchiveBytes: 100 })).code).toBe('TooLarge');
    const err = await bad('bad/big', big, { maxChartBytes: 100_000 });
    expect(err.code).toBe('TooLarge');
    expect(err.message).toMatch(/more than the limit of 100000 bytes/);
  });

  it('a missing tag or repository is ChartNotFound naming the tag', async () => {
    const c = client();
    const err = await failure(
      c.resolveArtifact({ repoURL: repoURL('manifests/guestbook'), targetRevision: '9.9.9' }),
    );
    expect(err.code).toBe('ChartNotFound');
    expect(err.message).toContain('has no tag "9.9.9"');
    const none = await failure(
      c.resolveArtifact({ repoURL: repoURL('manifests/guestbook'), targetRevision: '3.x' }),
    );
    expect(none.code).toBe('ChartNotFound');
    expect(none.message).toMatch(/no version matching "3.x"/);
  });

  it('wrong or missing credentials are RepositoryAuth without the password', async () => {
    const wrong = 'not-the-password-456';
    for (const over of [
      {
        credentials: () => [
          { urlPrefix: `oci://${env.registry.host}`, username: 'flotilla', password: wrong },
        ],
      },
      { credentials: () => [] },
    ]) {
      const err = await failure(
        client(over).resolveArtifact({
          repoURL: repoURL('manifests/guestbook'),
          targetRevision: '1.0.0',
        }),
      );
      expect(err.code).toBe('RepositoryAuth');
      expect(err.message).not.toContain(wrong);
    }
  });

  it('a manifest with no tree layer, or two, is InvalidRepository', async () => {
    await env.registry.pushArtifact('bad/type', '1.0.0', await tarGz({ 'a.yaml': 'x: 1\n' }), {
      mediaType: 'application/octet-stream',
    });
    await env.registry.pushArtifact('bad/two', '1.0.0', await tarGz({ 'a.yaml': 'x: 1\n' }), {
      layers: 2,
    });
    const c = client();
    for (const repo of ['bad/type', 'bad/two']) {
      const spec = { repoURL: repoURL(repo), targetRevision: '1.0.0' };
      const err = await failure(c.resolveArtifact(spec).then((d) => c.pullArtifact(spec, d)));
      expect(err.code).toBe('InvalidRepository');
      expect(err.message).toMatch(/layer/);
    }
  });
});
