// What one apiserver request of each kind Flotilla makes per app costs the
// apiserver (and etcd) in CPU, with W watchers of Applications open, so the
// scale bench's per-app request counts can be weighed. The control plane must
// run on this machine (its CPU is read from /proc).
// Run `npx tsx bench/scale/requests.ts --help`.
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import {
  API_VERSION,
  APPLICATION,
  APPLY_PATCH_CONTENT_TYPE,
  DIFFER_FIELD_MANAGER,
  GROUP,
  VERSION,
  applicationPath,
  applicationStatusPath,
  differStatusPatch,
  type Application,
} from '@flotilla/api';
import { customResourceInformer, installCrds, loadKubeConfig, rawRequest } from '@flotilla/kube';
import { configMap, createNamespace, parallel } from './floor.js';
import { controlPlanePids, sample } from './procs.js';

const HELP = `Usage: npx tsx bench/scale/requests.ts [options]
  --apps N         Applications to write (default 300)
  --watchers W     open watches of Applications while writing (default 6)
  --concurrency C  parallel requests (default 16)
  -h, --help`;
const { values: o } = parseArgs({
  options: {
    apps: { type: 'string', default: '300' },
    watchers: { type: 'string', default: '6' },
    concurrency: { type: 'string', default: '16' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (o.help) {
  console.log(HELP);
  process.exit(0);
}
const N = Number(o.apps);
const W = Number(o.watchers);
const C = Number(o.concurrency);
const ROOT = resolve(import.meta.dirname, '..', '..');
const kc = loadKubeConfig(process.env['KUBECONFIG'] ?? join(ROOT, '.flotilla', 'kubeconfig'));
const stamp = Date.now().toString(36);
const ns = `bench-req-${stamp}`;
const dest = `bench-req-dest-${stamp}`;
await installCrds(kc);
await createNamespace(kc, ns);
await createNamespace(kc, dest);
await using _cleanup = {
  [Symbol.asyncDispose]: async () => {
    for (const n of [ns, dest])
      await rawRequest(kc, { method: 'DELETE', path: `/api/v1/namespaces/${n}` }).catch(
        () => undefined,
      );
  },
};
const pids = await controlPlanePids(kc.getCurrentCluster()?.server);
if (!pids['kube-apiserver']) throw new Error('no kube-apiserver process on this machine');
const cpu = async () => {
  const out: Record<string, number> = {};
  for (const [k, pid] of Object.entries(pids)) out[k] = (await sample(pid)).cpuSeconds;
  return out;
};

const watchers = Array.from({ length: W }, () =>
  customResourceInformer<Application>(
    kc,
    { group: GROUP, version: VERSION, plural: APPLICATION.plural },
    ns,
  ),
);
for (const w of watchers) await w.start();

const name = (i: number) => `app-${i}`;
const cm = (i: number, round: number) => {
  const c = configMap(i, round) as { metadata: { name: string } };
  return { ...c, metadata: { ...c.metadata, namespace: dest } };
};
const status = (i: number, round: number) => ({
  sync: {
    status: round % 2 ? ('Synced' as const) : ('OutOfSync' as const),
    revision: 'a'.repeat(40),
  },
  health: { status: 'Healthy' as const, lastTransitionTime: new Date().toISOString() },
  resources: [
    {
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
      namespace: dest,
      name: `cm-${i}`,
      status: round % 2 ? ('Synced' as const) : ('OutOfSync' as const),
    },
  ],
  conditions: [],
  reconciledAt: new Date().toISOString(),
});

const cases: [string, (i: number, round: number) => Promise<unknown>][] = [
  [
    'create Application',
    (i) =>
      rawRequest(kc, {
        method: 'POST',
        path: `/apis/${API_VERSION}/namespaces/${ns}/${APPLICATION.plural}`,
        body: {
          apiVersion: API_VERSION,
          kind: APPLICATION.kind,
          metadata: { name: name(i), namespace: ns },
          spec: {
            project: 'default',
            source: { repoURL: 'https://git.example/fleet.git', path: name(i) },
            destination: { server: 'https://kubernetes.default.svc', namespace: dest },
            syncPolicy: { automated: { prune: true, selfHeal: true } },
          },
        },
      }),
  ],
  ['GET Application', (i) => rawRequest(kc, { method: 'GET', path: applicationPath(ns, name(i)) })],
  [
    'status: server-side apply (as the differ)',
    (i, r) =>
      rawRequest(kc, {
        method: 'PATCH',
        path: applicationStatusPath(ns, name(i)),
        query: { fieldManager: DIFFER_FIELD_MANAGER, force: 'true' },
        contentType: APPLY_PATCH_CONTENT_TYPE,
        body: differStatusPatch({ metadata: { name: name(i), namespace: ns } }, status(i, r)),
      }),
  ],
  [
    'status: merge patch',
    (i, r) =>
      rawRequest(kc, {
        method: 'PATCH',
        path: applicationStatusPath(ns, name(i)),
        contentType: 'application/merge-patch+json',
        body: { status: status(i, r) },
      }),
  ],
  [
    'operation: merge patch',
    (i) =>
      rawRequest(kc, {
        method: 'PATCH',
        path: applicationPath(ns, name(i)),
        contentType: 'application/merge-patch+json',
        body: {
          operation: { sync: { revision: 'a'.repeat(40) }, initiatedBy: { automated: true } },
        },
      }),
  ],
  [
    'operation: clear (JSON patch)',
    (i) =>
      rawRequest(kc, {
        method: 'PATCH',
        path: applicationPath(ns, name(i)),
        contentType: 'application/json-patch+json',
        body: [{ op: 'remove', path: '/operation' }],
      }),
  ],
  [
    'ConfigMap: server-side apply',
    (i) =>
      rawRequest(kc, {
        method: 'PATCH',
        path: `/api/v1/namespaces/${dest}/configmaps/cm-${i}`,
        query: { fieldManager: 'bench', force: 'true' },
        contentType: APPLY_PATCH_CONTENT_TYPE,
        body: cm(i, 0),
      }),
  ],
  [
    'ConfigMap: server-side apply dry run',
    (i) =>
      rawRequest(kc, {
        method: 'PATCH',
        path: `/api/v1/namespaces/${dest}/configmaps/cm-${i}`,
        query: { fieldManager: 'bench', force: 'true', dryRun: 'All' },
        contentType: APPLY_PATCH_CONTENT_TYPE,
        body: cm(i, 1),
      }),
  ],
];

console.log(
  `${N} apps, ${W} watchers, ${C} in parallel; load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log('| request | per s | apiserver CPU ms | etcd CPU ms |');
console.log('| --- | --- | --- | --- |');
const results: Record<string, unknown> = {};
let round = 0;
for (const [label, run] of cases) {
  round++;
  const a = await cpu();
  const t0 = performance.now();
  await parallel(N, C, async (i) => void (await run(i, round)));
  const seconds = (performance.now() - t0) / 1000;
  const b = await cpu();
  const per = (k: string) => (((b[k] ?? 0) - (a[k] ?? 0)) / N) * 1000;
  results[label] = {
    perSecond: N / seconds,
    apiserverMs: per('kube-apiserver'),
    etcdMs: per('etcd'),
  };
  console.log(
    `| ${label} | ${(N / seconds).toFixed(0)} | ${per('kube-apiserver').toFixed(2)} | ${per('etcd').toFixed(2)} |`,
  );
}
for (const w of watchers) await w.stop();
console.log(JSON.stringify(results));
