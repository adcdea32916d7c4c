// ApplicationSet scale: N Applications from one list generator. Measures
// generating and rendering them in both template dialects (in-process for
// {{param}}, the Go helper for goTemplate), and, given a cluster
// (FLOTILLA_TEST_KUBECONFIG or KUBECONFIG), one reconcile that creates all of
// them in a fresh namespace and a second one that finds nothing to do, next to
// the baseline: one `kubectl apply --server-side` of the same N Applications.
//   npx tsx bench/appset/appset.ts [apps=1000]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { API_VERSION, type Application, type ApplicationSet } from '@flotilla/api';
import { GoTemplateClient, Templates, generate, renderApplications } from '@flotilla/appset';
import { AppSetReconciler } from '@flotilla/appset-controller/reconcile';
import { installCrds, loadKubeConfig, rawRequest } from '@flotilla/kube';
import { run, userCacheDir } from '@flotilla/runtime';
import { provisionGoTemplate, resolveTool } from '@flotilla/toolchain';

const n = Number(process.argv[2] ?? 1000);
const set = (goTemplate: boolean, ns = 'bench'): ApplicationSet => {
  const p = (k: string) => (goTemplate ? `{{ .${k} }}` : `{{${k}}}`);
  return {
    apiVersion: API_VERSION,
    kind: 'ApplicationSet',
    metadata: { name: 'scale', namespace: ns },
    spec: {
      goTemplate,
      generators: [
        {
          list: {
            elements: Array.from({ length: n }, (_, i) => ({
              name: `app-${i}`,
              path: `apps/app-${i}`,
            })),
          },
        },
      ],
      template: {
        metadata: { name: p('name'), labels: { app: p('name') } },
        spec: {
          project: 'default',
          source: {
            repoURL: 'https://git.example.com/mono.git',
            path: p('path'),
            targetRevision: 'HEAD',
          },
          destination: { server: 'https://kubernetes.default.svc', namespace: p('name') },
        },
      },
    },
  } as ApplicationSet;
};

const go = new GoTemplateClient(await provisionGoTemplate({ cacheDir: userCacheDir(process.env) }));
const templates = new Templates(go);
const ctx = (goTemplate: boolean) => ({
  goTemplate,
  goTemplateOptions: [],
  templates,
  maxParams: n,
  clusters: async () => [],
  gitTree: async () => {
    throw new Error('no Git in this bench');
  },
});
let generated: Application[] = [];
for (const goTemplate of [false, true]) {
  const s = set(goTemplate);
  const started = performance.now();
  const out = await generate(s.spec.generators, ctx(goTemplate));
  const rendered = await renderApplications(s, out, templates);
  if (!goTemplate) generated = rendered.flatMap((r) => (r.ok ? [r.app] : []));
  const ms = performance.now() - started;
  const ok = rendered.filter((r) => r.ok).length;
  console.log(
    `${goTemplate ? 'goTemplate' : '{{param}}  '}: ${ok}/${n} apps generated and rendered in ${ms.toFixed(0)} ms`,
  );
}

const kubeconfig = process.env['FLOTILLA_TEST_KUBECONFIG'] ?? process.env['KUBECONFIG'];
if (kubeconfig) {
  const kc = loadKubeConfig(kubeconfig);
  await installCrds(kc);
  const ns = `bench-appset-${Date.now().toString(36)}`;
  await rawRequest(kc, {
    method: 'POST',
    path: '/api/v1/namespaces',
    body: { metadata: { name: ns } },
  });
  const s = set(false, ns);
  await rawRequest(kc, {
    method: 'POST',
    path: `/apis/flotilla.dev/v1alpha1/namespaces/${ns}/applicationsets`,
    body: s,
  });
  const reconciler = new AppSetReconciler({ ...ctx(false), kc, maxApplications: n });
  for (const pass of ['create', 'steady']) {
    const started = performance.now();
    const r = await reconciler.reconcile({ namespace: ns, name: 'scale' });
    console.log(
      `reconcile (${pass}): created ${r?.created}, updated ${r?.updated}, deleted ${r?.deleted} in ${(performance.now() - started).toFixed(0)} ms`,
    );
  }
  // The baseline: the same Applications, written by one kubectl apply.
  const kns = `${ns}-kubectl`;
  await rawRequest(kc, {
    method: 'POST',
    path: '/api/v1/namespaces',
    body: { metadata: { name: kns } },
  });
  const dir = await mkdtemp(join(tmpdir(), 'bench-appset-'));
  const file = join(dir, 'apps.yaml');
  await writeFile(
    file,
    generated
      .map((a) => stringify({ ...a, metadata: { ...a.metadata, namespace: kns } }))
      .join('---\n'),
  );
  const kubectl = await resolveTool('kubectl', { cacheDir: userCacheDir(process.env) });
  const started = performance.now();
  await run(kubectl, ['--kubeconfig', kubeconfig, 'apply', '--server-side', '-f', file], {
    maxOutputBytes: 64 * 1024 * 1024,
  });
  console.log(
    `kubectl apply --server-side of the same ${generated.length} Applications: ${(performance.now() - started).toFixed(0)} ms`,
  );
  await rm(dir, { recursive: true, force: true });
  for (const n of [ns, kns])
    await rawRequest(kc, { method: 'DELETE', path: `/api/v1/namespaces/${n}` });
}
go.close();
