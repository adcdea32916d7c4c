// Diff throughput per core with cached live state, next to `kubectl diff
// --server-side` on the same objects, the cache's bytes per object, and the
// latency from a manual edit (a server-side apply by another field manager)
// to the app's OutOfSync status, with the differ role running.
// Needs a cluster: `npx flotilla dev cluster up` (or KUBECONFIG).
//   npx tsx bench/diff/diff.ts [resources=300] [edits=15]
import { resolve } from 'node:path';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { diffApp, trackingId, type DiffObject } from '@flotilla/gitops';
import { ClusterCache, Discovery, applyObject, loadKubeConfig, rawRequest } from '@flotilla/kube';
import { run, userCacheDir } from '@flotilla/runtime';
import { resolveTool } from '@flotilla/toolchain';
import { editToOutOfSync } from './edit-latency.js';

const n = Number(process.argv[2] ?? 300);
const edits = Number(process.argv[3] ?? 15);
const kubeconfig =
  process.env['KUBECONFIG'] ?? resolve(import.meta.dirname, '..', '..', '.flotilla', 'kubeconfig');
const kc = loadKubeConfig(kubeconfig);
const ns = `bench-diff-${Date.now()}`;
const app = { namespace: 'flotilla', name: 'bench' };
await rawRequest(kc, {
  method: 'POST',
  path: '/api/v1/namespaces',
  body: { metadata: { name: ns } },
});

const desired: DiffObject[] = Array.from({ length: n }, (_, i) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: `web-${i}`, namespace: ns, labels: { app: `web-${i}` } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: `web-${i}` } },
    template: {
      metadata: { labels: { app: `web-${i}` } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
    },
  },
}));
const discovery = new Discovery(kc);
const tracked = desired.map((d) => {
  const meta = d['metadata'] as {
    name: string;
    namespace: string;
    annotations?: Record<string, string>;
  };
  return {
    ...d,
    metadata: {
      ...meta,
      annotations: {
        'flotilla.dev/tracking-id': trackingId(app, {
          group: 'apps',
          kind: 'Deployment',
          namespace: ns,
          name: meta.name,
        }),
      },
    },
  };
});
for (let i = 0; i < tracked.length; i += 20) {
  await Promise.all(
    tracked
      .slice(i, i + 20)
      .map((o) => applyObject(kc, discovery, o as never, { fieldManager: 'flotilla' })),
  );
}

const cache = new ClusterCache(kc);
await cache.ensureKind('apps', 'Deployment');

// Let the controllers settle first: they annotate every Deployment with its
// revision, which a dry run made before would not carry.
const settled = () =>
  cache
    .filter((o) => o.metadata?.namespace === ns)
    .filter((o) => o.metadata?.annotations?.['deployment.kubernetes.io/revision'] !== undefined)
    .length >= n;
for (let waited = 0; !settled(); waited += 200) {
  if (waited > 300_000) throw new Error('the Deployments never got their revision annotation');
  await new Promise((r) => setTimeout(r, 200));
}
// Predicted objects (server-side dry runs) computed once, as the differ's cache holds them.
const predicted = new Map<string, DiffObject>();
for (const o of tracked) {
  const p = (await applyObject(kc, discovery, o as never, {
    fieldManager: 'flotilla',
    dryRun: true,
  })) as DiffObject;
  predicted.set(String((o['metadata'] as { name: string }).name), p);
}
const live = cache.filter((o) => o.metadata?.namespace === ns) as DiffObject[];
const stats = cache.stats();
console.log(
  `${n} Deployments; cache holds ${stats.objects} objects, ${Math.round(stats.bytes / stats.objects)} bytes of JSON per object`,
);
const input = {
  app,
  destinationNamespace: ns,
  desired,
  live,
  isNamespaced: (g: string, k: string) => discovery.isNamespaced(g, k),
};
const rounds = 5;
let t = performance.now();
for (let r = 0; r < rounds; r++) {
  const d = await diffApp({
    ...input,
    serverSideDryRun: async (obj) =>
      predicted.get(String((obj['metadata'] as { name: string }).name)),
  });
  if (d.summary.status !== 'Synced')
    throw new Error(
      `expected Synced, got ${d.summary.status}: ${JSON.stringify(d.resources.find((x) => x.status !== 'Synced'))}`,
    );
}
const perSecond = (rounds * n * 1000) / (performance.now() - t);
console.log(
  `flotilla diff (cached live + cached dry runs): ${Math.round(perSecond)} resources/s on one core`,
);

t = performance.now();
await diffApp(input);
console.log(
  `flotilla diff (structural, no dry runs):       ${Math.round((n * 1000) / (performance.now() - t))} resources/s on one core`,
);

const kubectl = await resolveTool('kubectl', { cacheDir: userCacheDir(process.env) });
const dir = await mkdtemp(join(tmpdir(), 'bench-diff-'));
await writeFile(join(dir, 'all.yaml'), tracked.map((o) => stringify(o)).join('---\n'));
t = performance.now();
await run(kubectl, [
  '--kubeconfig',
  kubeconfig,
  'diff',
  '--server-side',
  '--force-conflicts',
  '--field-manager=flotilla',
  '-f',
  join(dir, 'all.yaml'),
]).catch((e: { exitCode?: number }) => {
  if (e.exitCode !== 1) throw e; // 1 means "differences found"
});
console.log(
  `kubectl diff --server-side -f (same ${n} objects):  ${Math.round((n * 1000) / (performance.now() - t))} resources/s`,
);

cache.stop();
await rawRequest(kc, { method: 'DELETE', path: `/api/v1/namespaces/${ns}` });

console.log(await editToOutOfSync(kc, kubeconfig, edits));
