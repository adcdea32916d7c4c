import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialFromSecret, type RepoCredential } from '@flotilla/git';
import { startEnv, writeChart, type TestEnv } from '@flotilla/testing';
import { ChartClient, memoryManifestCache, Renderer } from '../src/index.js';
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

async function tarball(
  entries: { name: string; body?: string; linkname?: string; type?: 'symlink' | 'link' }[],
): Promise<Buffer> {
  const p = pack();
  for (const e of entries) {
    if (e.type) p.entry({ name: e.name, type: e.type, linkname: e.linkname ?? '' });
    else p.entry({ name: e.name }, e.body ?? '');
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

const configMaps = (objects: readonly Record<string, unknown>[]) =>
  Object.fromEntries(
    objects
      .filter((o) => o['kind'] === 'ConfigMap')
      .map((o) => [(o['metadata'] as { name: string }).name, o['data'] as Record<string, string>]),
  );

beforeAll(async () => {
  tools = await realTools();
  env = await startEnv({ registry: true, helmRepo: true });
  const charts = join(env.tmpDir, 'charts');
  for (const version of ['1.0.0', '1.1.0', '2.0.0-rc.1']) {
    await env.registry.push(
      await writeChart(join(charts, `oci-${version}`), { name: 'podinfo', version }),
    );
  }
  for (const version of ['0.1.0', '0.2.0']) {
    await env.helmRepo.publish(
      await writeChart(join(charts, `http-${version}`), {
        name: 'guestbook',
        version,
        values: { greeting: `hi ${version}` },
      }),
    );
  }
  const { username, password } = env.helmRepo.auth!;
  creds = [
    { urlPrefix: env.helmRepo.url, username, password, type: 'helm' },
    // Argo CD's OCI form: a helm repository Secret with enableOCI and no scheme.
    credentialFromSecret({
      metadata: { labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
      stringData: {
        type: 'helm',
        enableOCI: 'true',
        url: `${env.registry.host}/charts`,
        username: env.registry.auth.username,
        password: env.registry.auth.password,
      },
    })!,
  ];
}, 1_800_000);

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

describe('chart sources from a Helm repository', () => {
  it('resolves exact versions and semver constraints against the real index.yaml', async () => {
    const c = client();
    const spec = { repoURL: env.helmRepo.url, chart: 'guestbook' };
    expect(await c.resolve({ ...spec, targetRevision: '0.1.0' })).toBe('0.1.0');
    expect(await c.resolve({ ...spec, targetRevision: '0.*' })).toBe('0.2.0');
    expect(await c.resolve({ ...spec, targetRevision: '>=0.1.0 <0.2.0' })).toBe('0.1.0');
  });

  it('pulls a chart once per digest and renders it with helm', async () => {
    const c = client();
    const spec = { repoURL: env.helmRepo.url, chart: 'guestbook' };
    const before = env.helmRepo.requests.get('/guestbook-0.2.0.tgz') ?? 0;
    const first = await c.pull(spec, '0.2.0');
    const second = await c.pull(spec, '0.2.0');
    expect(second.dir).toBe(first.dir);
    expect(env.helmRepo.requests.get('/guestbook-0.2.0.tgz')).toBe(before + 1);
    // Another client on the same store finds it by the digest the index announces.
    const other = new ChartClient({
      cacheDir: join(first.dir, '..', '..', '..', '..'),
      credentials: () => creds,
      trustedCerts: () => ({ '127.0.0.1': env.ca.caPem }),
    });
    expect((await other.pull(spec, '0.2.0')).dir).toBe(first.dir);
    expect(env.helmRepo.requests.get('/guestbook-0.2.0.tgz')).toBe(before + 1);

    const rendered = await new Renderer(tools).render({
      appName: 'web',
      namespace: 'web',
      source: { ...spec, targetRevision: '0.*' },
      repoDir: first.dir,
      revision: first.digest,
    });
    expect(configMaps(rendered.objects)['web-guestbook']).toMatchObject({
      greeting: 'hi 0.2.0',
      chartVersion: '0.2.0',
    });
  });
});

describe('chart sources from an OCI registry', () => {
  it('resolves oci:// and Argo CD host/path sources, constraints skipping pre-releases', async () => {
    const c = client();
    expect(
      await c.resolve({
        repoURL: `oci://${env.registry.host}/charts`,
        chart: 'podinfo',
        targetRevision: '1.0.0',
      }),
    ).toBe('1.0.0');
    expect(
      await c.resolve({
        repoURL: `${env.registry.host}/charts`,
        chart: 'podinfo',
        targetRevision: '1.x',
      }),
    ).toBe('1.1.0');
    expect(
      await c.resolve({
        repoURL: `${env.registry.host}/charts`,
        chart: 'podinfo',
        targetRevision: '>=2.0.0-0',
      }),
    ).toBe('2.0.0-rc.1');
  });

  it('pulls by version and by manifest digest, both the same archive', async () => {
    const dir = await writeChart(join(env.tmpDir, 'digest'), { name: 'pinned', version: '3.0.0' });
    const pushed = await env.registry.push(dir);
    const c = client();
    const spec = { repoURL: `oci://${env.registry.host}/charts`, chart: 'pinned' };
    const byVersion = await c.pull(spec, '3.0.0');
    const byDigest = await c.pull(
      spec,
      await c.resolve({ ...spec, targetRevision: pushed.digest }),
    );
    expect(byDigest.revision).toBe(pushed.digest);
    expect(byDigest.dir).toBe(byVersion.dir);
    expect(await readFile(join(byDigest.dir, 'Chart.yaml'), 'utf8')).toMatch(/version: 3\.0\.0/);
  });
});

describe('chart dependencies', () => {
  it('fetches https://, oci:// and file:// dependencies, pinned by Chart.lock', async () => {
    const root = join(env.tmpDir, 'deps-repo');
    await writeChart(join(root, 'libs'), {
      name: 'common',
      version: '0.0.1',
      values: { greeting: 'from file' },
    });
    const chartDir = await writeChart(root, {
      name: 'umbrella',
      version: '1.0.0',
      templates: {},
      dependencies: [
        { name: 'guestbook', version: '0.x', repository: env.helmRepo.url },
        { name: 'podinfo', version: '^1.0.0', repository: `oci://${env.registry.host}/charts` },
        { name: 'common', version: '0.0.1', repository: 'file://../libs/common' },
      ],
    });
    await writeFile(
      join(chartDir, 'Chart.lock'),
      `dependencies:\n- name: guestbook\n  repository: ${env.helmRepo.url}\n  version: 0.1.0\n`,
    );
    const renderer = new Renderer({ ...tools, charts: client() });
    const out = await renderer.render({
      appName: 'umb',
      namespace: 'umb',
      source: { repoURL: 'https://git.example/deps', path: 'umbrella' },
      repoDir: root,
      revision: 'c1',
    });
    const cms = configMaps(out.objects);
    expect(cms['umb-guestbook']).toMatchObject({ chartVersion: '0.1.0' }); // the lock wins over 0.x
    expect(cms['umb-podinfo']).toMatchObject({ chartVersion: '1.1.0' });
    expect(cms['umb-common']).toMatchObject({ greeting: 'from file' });
    // The checkout itself is never written.
    await expect(readFile(join(chartDir, 'charts', 'podinfo-1.1.0.tgz'))).rejects.toThrow();
  });

  it('a dependency constraint without Chart.lock: a newly published match misses the manifest cache', async () => {
    const src = join(env.tmpDir, 'dep-lib-src');
    await env.helmRepo.publish(
      await writeChart(join(src, '0.1.0'), { name: 'deplib', version: '0.1.0' }),
    );
    const root = join(env.tmpDir, 'unlocked-repo');
    await writeChart(root, {
      name: 'unlocked',
      version: '1.0.0',
      templates: {},
      dependencies: [{ name: 'deplib', version: '0.x', repository: env.helmRepo.url }],
    });
    const renderer = new Renderer({ ...tools, charts: client(), cache: memoryManifestCache() });
    const request = {
      appName: 'ul',
      namespace: 'ul',
      source: { repoURL: 'https://git.example/unlocked', path: 'unlocked' },
      repoDir: root,
      revision: 'c1',
    };
    const first = await renderer.render(request);
    expect(configMaps(first.objects)['ul-deplib']).toMatchObject({ chartVersion: '0.1.0' });
    expect((await renderer.render(request)).cached).toBe(true);

    await env.helmRepo.publish(
      await writeChart(join(src, '0.2.0'), { name: 'deplib', version: '0.2.0' }),
    );
    const after = await renderer.render(request);
    expect(after.cached).toBe(false);
    expect(configMaps(after.objects)['ul-deplib']).toMatchObject({ chartVersion: '0.2.0' });
  });

  it('a dependency version pushed again with other content misses the manifest cache, OCI even when locked', async () => {
    const src = join(env.tmpDir, 'repushed-src');
    const lib = (where: string, name: string, greeting: string) =>
      writeChart(join(src, where), { name, version: '1.0.0', values: { greeting } });
    await env.registry.push(await lib('oci-first', 'ocidep', 'first'));
    await env.helmRepo.publish(await lib('http-first', 'httpdep', 'first'));
    const root = join(env.tmpDir, 'repushed-repo');
    const chartDir = await writeChart(root, {
      name: 'parent',
      version: '1.0.0',
      templates: {},
      dependencies: [
        { name: 'ocidep', version: '1.0.0', repository: `oci://${env.registry.host}/charts` },
        { name: 'httpdep', version: '1.x', repository: env.helmRepo.url },
      ],
    });
    // The OCI dependency is pinned by the lock; the HTTP one is resolved from its index.
    await writeFile(
      join(chartDir, 'Chart.lock'),
      `dependencies:\n- name: ocidep\n  repository: oci://${env.registry.host}/charts\n  version: 1.0.0\n`,
    );
    const renderer = new Renderer({ ...tools, charts: client(), cache: memoryManifestCache() });
    const request = {
      appName: 'rp',
      namespace: 'rp',
      source: { repoURL: 'https://git.example/repushed', path: 'parent' },
      repoDir: root,
      revision: 'c1',
    };
    const greetings = (objects: readonly Record<string, unknown>[]) => {
      const cms = configMaps(objects);
      return [cms['rp-ocidep']?.['greeting'], cms['rp-httpdep']?.['greeting']];
    };
    expect(greetings((await renderer.render(request)).objects)).toEqual(['first', 'first']);
    expect((await renderer.render(request)).cached).toBe(true);

    await env.registry.push(await lib('oci-second', 'ocidep', 'second'));
    const afterOci = await renderer.render(request);
    expect(afterOci.cached).toBe(false);
    expect(greetings(afterOci.objects)).toEqual(['second', 'first']);

    // `helm repo index` over the re-packaged archive announces its new digest.
    await env.helmRepo.publish(await lib('http-second', 'httpdep', 'second'));
    const afterHttp = await renderer.render(request);
    expect(afterHttp.cached).toBe(false);
    expect(greetings(afterHttp.objects)).toEqual(['second', 'second']);
    expect((await renderer.render(request)).cached).toBe(true);
  });

  it('a chart source at a constraint reads index.yaml once: the pull reuses what the resolve read', async () => {
    const c = client();
    const spec = { repoURL: env.helmRepo.url, chart: 'guestbook' };
    const before = env.helmRepo.requests.get('/index.yaml') ?? 0;
    const version = await c.resolve({ ...spec, targetRevision: '0.*' });
    await c.pull(spec, version);
    expect((env.helmRepo.requests.get('/index.yaml') ?? 0) - before).toBe(1);
  });

  it('a file:// dependency outside the source is PathEscape', async () => {
    const root = join(env.tmpDir, 'escape-repo');
    await writeChart(env.tmpDir, { name: 'outside', version: '0.0.1' });
    await writeChart(root, {
      name: 'app',
      version: '1.0.0',
      dependencies: [{ name: 'outside', version: '0.0.1', repository: 'file://../../outside' }],
    });
    const err = await failure(
      new Renderer({ ...tools, charts: client() }).render({
        appName: 'esc',
        source: { repoURL: 'https://git.example/x', path: 'app' },
        repoDir: root,
        revision: 'c1',
      }),
    );
    expect(err.code).toBe('PathEscape');
  });
});

describe('bad input: each a clear error, credentials never echoed', () => {
  it('wrong credentials: RepositoryAuth without the password, for both kinds', async () => {
    const wrong = 'not-the-password-123';
    const c = client({
      credentials: () => [
        { urlPrefix: env.helmRepo.url, username: 'charts', password: wrong },
        { urlPrefix: `oci://${env.registry.host}`, username: 'flotilla', password: wrong },
      ],
    });
    for (const spec of [
      { repoURL: env.helmRepo.url, chart: 'guestbook', targetRevision: '0.1.0' },
      { repoURL: `oci://${env.registry.host}/charts`, chart: 'podinfo', targetRevision: '1.0.0' },
    ]) {
      const err = await failure(c.resolve(spec));
      expect(err.code).toBe('RepositoryAuth');
      expect(err.message).toMatch(/credentials of the matching repository Secret were refused/);
      expect(err.message).not.toContain(wrong);
    }
  });

  it('a registry Secret whose password changes is asked again: nothing the old one opened is reused', async () => {
    let password = env.registry.auth.password;
    const c = client({
      credentials: () => [
        { urlPrefix: `oci://${env.registry.host}`, username: env.registry.auth.username, password },
      ],
    });
    const spec = { repoURL: `oci://${env.registry.host}/charts`, chart: 'podinfo' };
    expect(await c.resolve({ ...spec, targetRevision: '1.0.0' })).toBe('1.0.0');
    password = 'changed-and-wrong-456';
    expect((await failure(c.resolve({ ...spec, targetRevision: '1.0.0' }))).code).toBe(
      'RepositoryAuth',
    );
    password = env.registry.auth.password;
    expect(await c.resolve({ ...spec, targetRevision: '1.0.0' })).toBe('1.0.0');
  });

  it('credential templates (repo-creds Secrets, a URL prefix) open every chart under them', async () => {
    const template = (url: string, auth: { username: string; password: string }) =>
      credentialFromSecret({
        metadata: { labels: { 'argocd.argoproj.io/secret-type': 'repo-creds' } },
        stringData: { type: 'helm', url, ...auth },
      })!;
    const c = client({
      credentials: () => [
        template(`oci://${env.registry.host}`, env.registry.auth),
        template(env.helmRepo.url, env.helmRepo.auth!),
      ],
    });
    expect(
      await c.resolve({
        repoURL: `oci://${env.registry.host}/charts`,
        chart: 'podinfo',
        targetRevision: '1.x',
      }),
    ).toBe('1.1.0');
    const spec = { repoURL: env.helmRepo.url, chart: 'guestbook' };
    const pulled = await c.pull(spec, await c.resolve({ ...spec, targetRevision: '0.1.0' }));
    expect(await readFile(join(pulled.dir, 'Chart.yaml'), 'utf8')).toMatch(/version: 0\.1\.0/);
    pulled.release();
  });

  it('missing credentials: RepositoryAuth saying no Secret matches', async () => {
    const err = await failure(
      client({ credentials: () => [] }).resolve({
        repoURL: env.helmRepo.url,
        chart: 'guestbook',
        targetRevision: '0.1.0',
      }),
    );
    expect(err.code).toBe('RepositoryAuth');
    expect(err.message).toMatch(/no repository Secret matches/);
    const oci = await failure(
      client({ credentials: () => [] }).resolve({
        repoURL: `oci://${env.registry.host}/charts`,
        chart: 'podinfo',
        targetRevision: '1.0.0',
      }),
    );
    expect(oci.code).toBe('RepositoryAuth');
  });

  it('a version that does not exist and a constraint that matches nothing: ChartNotFound naming what there is', async () => {
    const c = client();
    const missing = await failure(
      c.resolve({ repoURL: env.helmRepo.url, chart: 'guestbook', targetRevision: '9.9.9' }),
    );
    expect(missing.code).toBe('ChartNotFound');
    expect(missing.message).toMatch(/has no version 9\.9\.9 \(it has 0\.2\.0, 0\.1\.0\)/);
    const none = await failure(
      c.resolve({
        repoURL: `oci://${env.registry.host}/charts`,
        chart: 'podinfo',
        targetRevision: '~5.1',
      }),
    );
    expect(none.code).toBe('ChartNotFound');
    expect(none.message).toMatch(/no version matching "~5\.1"/);
  });

  it('a registry that is down: RepositoryUnreachable, retryable', async () => {
    await env.registry.stop();
    try {
      const err = await failure(
        client().resolve({
          repoURL: `oci://${env.registry.host}/charts`,
          chart: 'podinfo',
          targetRevision: '1.0.0',
        }),
      );
      expect(err.code).toBe('RepositoryUnreachable');
      expect(err.retryable).toBe(true);
    } finally {
      await env.registry.restart();
    }
  });
});

describe('bad input in the Helm repository itself', () => {
  let repo: Awaited<ReturnType<typeof startEnv>>;
  let c: ChartClient;
  beforeAll(async () => {
    repo = await startEnv({ helmRepo: { auth: false } });
    c = new ChartClient({
      cacheDir: join(repo.tmpDir, 'store'),
      trustedCerts: () => ({ '127.0.0.1': repo.ca.caPem }),
      maxArchiveBytes: 64 * 1024,
    });
  });
  afterAll(async () => {
    await repo?.[Symbol.asyncDispose]();
  });
  const index = (name: string, file: string) =>
    `apiVersion: v1\nentries:\n  ${name}:\n  - name: ${name}\n    version: 1.0.0\n    urls: [${file}]\n`;

  it('an index.yaml that is not YAML: InvalidRepository', async () => {
    await repo.helmRepo.write('index.yaml', '<html><body>login</body>\n  : : [\n');
    const err = await failure(
      c.resolve({ repoURL: repo.helmRepo.url, chart: 'x', targetRevision: '1.0.0' }),
    );
    expect(err.code).toBe('InvalidRepository');
    expect(err.message).toMatch(/index\.yaml of .* is not (YAML|a Helm repository index)/);
  });

  it('a tarball with ../ paths or a symlink out of the chart: PathEscape, nothing unpacked', async () => {
    await repo.helmRepo.write(
      'dotdot.tgz',
      await tarball([
        { name: 'dotdot/Chart.yaml', body: 'name: dotdot\nversion: 1.0.0\n' },
        { name: 'dotdot/../../evil.txt', body: 'x' },
      ]),
    );
    await repo.helmRepo.write(
      'link.tgz',
      await tarball([
        { name: 'link/Chart.yaml', body: 'name: link\nversion: 1.0.0\n' },
        { name: 'link/templates/secret.yaml', type: 'symlink', linkname: '../../../../etc/passwd' },
      ]),
    );
    for (const [name, file] of [
      ['dotdot', 'dotdot.tgz'],
      ['link', 'link.tgz'],
    ] as const) {
      await repo.helmRepo.write('index.yaml', index(name, file));
      const err = await failure(c.pull({ repoURL: repo.helmRepo.url, chart: name }, '1.0.0'));
      expect(err.code).toBe('PathEscape');
      expect(err.message).toMatch(/out of the chart|leaves the chart/);
    }
  });

  it('a tarball bigger than the limit: TooLarge', async () => {
    const big = await tarball([
      { name: 'big/Chart.yaml', body: 'name: big\nversion: 1.0.0\n' },
      // Random text compresses badly, so the archive itself passes the limit.
      {
        name: 'big/blob.txt',
        body: Array.from({ length: 20000 }, () => Math.random().toString(36)).join(''),
      },
    ]);
    await repo.helmRepo.write('big.tgz', big);
    await repo.helmRepo.write('index.yaml', index('big', 'big.tgz'));
    const err = await failure(c.pull({ repoURL: repo.helmRepo.url, chart: 'big' }, '1.0.0'));
    expect(err.code).toBe('TooLarge');
  });
});

describe('TLS settings from the repository Secret', () => {
  let mtls: TestEnv;
  beforeAll(async () => {
    mtls = await startEnv({ helmRepo: { auth: false, clientCert: true } });
    await mtls.helmRepo.publish(
      await writeChart(mtls.tmpDir, { name: 'secure', version: '1.0.0' }),
    );
  });
  afterAll(async () => {
    await mtls?.[Symbol.asyncDispose]();
  });
  const spec = () => ({ repoURL: mtls.helmRepo.url, chart: 'secure', targetRevision: '1.x' });
  const store = () => join(mtls.tmpDir, `store-${Math.random().toString(36).slice(2)}`);

  it('a client certificate (tlsClientCertData/Key) opens a repository that demands one', async () => {
    const trusted = () => ({ '127.0.0.1': mtls.ca.caPem });
    const without = new ChartClient({ cacheDir: store(), trustedCerts: trusted });
    expect((await failure(without.resolve(spec()))).code).toBe('RepositoryAuth');
    const withCert = new ChartClient({
      cacheDir: store(),
      trustedCerts: trusted,
      credentials: () => [
        {
          urlPrefix: mtls.helmRepo.url,
          tlsClientCertData: mtls.ca.client.cert,
          tlsClientCertKey: mtls.ca.client.key,
        },
      ],
    });
    expect(await withCert.resolve(spec())).toBe('1.0.0');
  });

  it('an untrusted server certificate fails unless the CA is trusted or insecure is set', async () => {
    const cert = { tlsClientCertData: mtls.ca.client.cert, tlsClientCertKey: mtls.ca.client.key };
    const untrusted = new ChartClient({
      cacheDir: store(),
      credentials: () => [{ urlPrefix: mtls.helmRepo.url, ...cert }],
    });
    const err = await failure(untrusted.resolve(spec()));
    expect(err.code).toBe('RepositoryUnreachable');
    expect(err.message).toMatch(/CERT|certificate|SELF_SIGNED/i);
    const insecure = new ChartClient({
      cacheDir: store(),
      credentials: () => [{ urlPrefix: mtls.helmRepo.url, insecure: true, ...cert }],
    });
    expect(await insecure.resolve(spec())).toBe('1.0.0');
  });
});
