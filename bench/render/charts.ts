// Rendering a chart source: from a Helm repository (index.yaml over HTTPS,
// basic auth) and from an OCI registry (distribution, TLS, htpasswd), both
// the test servers of libs/testing. Per source: raw `helm pull && helm
// template` (a private Helm home, logged in once), Flotilla cold (an empty
// content-addressed store: resolve, download, unpack, render) and Flotilla
// warm (the store already holds the digest: resolve, store hit, render),
// all in the same run. The manifest cache is off, so every Flotilla case
// runs helm template. Then an OCI artifact (Argo CD's `type: oci`) holding
// the compat kustomize-guestbook tree, cold and warm (no raw tool to compare).
//   npx tsx bench/render/charts.ts [iterations=10]
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChartClient, Renderer, type ChartSpec } from '@flotilla/render';
import { userCacheDir } from '@flotilla/runtime';
import { compatDir, startEnv, tarGz, testHelm } from '@flotilla/testing';
import { resolveTool } from '@flotilla/toolchain';

const iterations = Number(process.argv[2] ?? 10);
const cacheDir = userCacheDir(process.env);
const helmPath = await resolveTool('helm', { cacheDir });
const kubectlPath = await resolveTool('kubectl', { cacheDir });
await using env = await startEnv({ registry: true, helmRepo: true });
const work = await mkdtemp(join(tmpdir(), 'flotilla-bench-charts-'));

// The compat helm-guestbook chart, published to both servers at 0.1.0.
const chartDir = join(work, 'helm-guestbook');
await cp(join(compatDir(), 'helm-guestbook'), chartDir, { recursive: true });
await env.helmRepo.publish(chartDir);
const pushed = await env.registry.push(chartDir);
const version = pushed.version;
const helm = await testHelm(join(work, 'helm-home'));
const { username, password } = env.registry.auth;
await helm([
  'registry',
  'login',
  env.registry.host,
  `--username=${username}`,
  `--password=${password}`,
  `--ca-file=${env.ca.caFile}`,
]);

const credentials = [
  { urlPrefix: env.helmRepo.url, ...env.helmRepo.auth!, type: 'helm' as const },
  { urlPrefix: `oci://${env.registry.host}`, username, password, type: 'helm' as const },
];
const store = (name: string) =>
  new ChartClient({
    cacheDir: join(work, name),
    credentials: () => credentials,
    trustedCerts: () => ({ '127.0.0.1': env.ca.caPem }),
  });
const renderer = new Renderer({ helmPath, kubectlPath });

async function time(name: string, fn: (i: number) => Promise<unknown>) {
  await fn(-1); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await fn(i);
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)] ?? 0;
  const p90 = samples[Math.floor(samples.length * 0.9)] ?? 0;
  console.log(
    `${name.padEnd(58)} median ${median.toFixed(2).padStart(8)} ms   p90 ${p90.toFixed(2).padStart(8)} ms`,
  );
  return median;
}

async function flotilla(client: ChartClient, spec: ChartSpec) {
  const revision = await client.resolve(spec);
  const pulled = await client.pull(spec, revision);
  return renderer
    .render({
      appName: 'guestbook',
      namespace: 'guestbook',
      source: { ...spec, helm: { valueFiles: ['values-production.yaml'] } },
      repoDir: pulled.dir,
      revision: pulled.digest,
      immutable: true,
    })
    .finally(pulled.release);
}

async function raw(pullArgs: string[], tgz: string, i: number) {
  const dest = join(work, `raw-${i}`);
  await mkdir(dest, { recursive: true });
  await helm(['pull', ...pullArgs, '--version', version, '--ca-file', env.ca.caFile, '-d', dest]);
  await helm([
    'template',
    'guestbook',
    join(dest, tgz),
    '--namespace',
    'guestbook',
    '--values',
    join(chartDir, 'values-production.yaml'),
  ]);
  await rm(dest, { recursive: true, force: true });
}

console.log(`helm-guestbook ${version} with values-production.yaml, ${iterations} iterations each`);
const sources: [string, ChartSpec, string[]][] = [
  [
    'Helm repository',
    { repoURL: env.helmRepo.url, chart: 'helm-guestbook', targetRevision: '0.x' },
    [
      'helm-guestbook',
      '--repo',
      env.helmRepo.url,
      `--username=${env.helmRepo.auth!.username}`,
      `--password=${env.helmRepo.auth!.password}`,
    ],
  ],
  [
    'OCI registry',
    {
      repoURL: `oci://${env.registry.host}/charts`,
      chart: 'helm-guestbook',
      targetRevision: '0.x',
    },
    [`oci://${env.registry.host}/charts/helm-guestbook`],
  ],
];
const tgz = `helm-guestbook-${version}.tgz`;
for (const [kind, spec, pullArgs] of sources) {
  const rawMs = await time(`${kind}: raw helm pull && helm template`, (i) => raw(pullArgs, tgz, i));
  const cold = await time(`${kind}: flotilla cold (empty store: pull + render)`, (i) =>
    flotilla(store(`cold-${kind}-${i}`), spec),
  );
  const client = store(`warm-${kind}`);
  const warm = await time(`${kind}: flotilla warm (store hit + render)`, () =>
    flotilla(client, spec),
  );
  console.log(
    `${kind}: cold / raw ${(cold / rawMs).toFixed(2)}x   warm / raw ${(warm / rawMs).toFixed(2)}x`,
  );
}

// An OCI artifact: the kustomize-guestbook tree as one tar+gzip layer, resolved by tag.
const treeDir = join(compatDir(), 'kustomize-guestbook');
const entries: Record<string, string> = {};
for (const f of await readdir(treeDir, { recursive: true, withFileTypes: true })) {
  if (!f.isFile()) continue;
  const full = join(f.parentPath, f.name);
  entries[full.slice(treeDir.length + 1)] = await readFile(full, 'utf8');
}
await env.registry.pushArtifact('manifests/guestbook', '0.1.0', await tarGz(entries));
const artifact = {
  repoURL: `oci://${env.registry.host}/manifests/guestbook`,
  targetRevision: '0.x',
};
async function fromArtifact(client: ChartClient) {
  const digest = await client.resolveArtifact(artifact);
  const pulled = await client.pullArtifact(artifact, digest);
  return renderer
    .render({
      appName: 'guestbook',
      namespace: 'guestbook',
      source: { ...artifact, path: '.' },
      repoDir: pulled.dir,
      revision: pulled.digest,
      immutable: true,
    })
    .finally(pulled.release);
}
const artifactCold = await time('OCI artifact (kustomize): flotilla cold (pull + render)', (i) =>
  fromArtifact(store(`cold-artifact-${i}`)),
);
const artifactClient = store('warm-artifact');
const artifactWarm = await time(
  'OCI artifact (kustomize): flotilla warm (store hit + render)',
  () => fromArtifact(artifactClient),
);
console.log(`OCI artifact: warm / cold ${(artifactWarm / artifactCold).toFixed(2)}x`);
await rm(work, { recursive: true, force: true });
