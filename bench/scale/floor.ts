// The apiserver floor: the bench's ConfigMaps written without Flotilla, by a
// plain parallel server-side-apply client and by one `kubectl apply
// --server-side`, plus request counts from the apiserver's /metrics.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { rawRequest, type KubeConfig } from '@flotilla/kube';
import { run } from '@flotilla/runtime';

/**
 * The ConfigMap of app `i`, as its directory in Git holds it; `k` > 0 names
 * the app's further ConfigMaps (`--objects`).
 */
export function configMap(i: number, round = 0, k = 0): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: k === 0 ? `cm-${i}` : `cm-${i}-${k}` },
    data: { app: String(i), round: String(round) },
  };
}

/** Creates a namespace (a fresh name each run). */
export async function createNamespace(kc: KubeConfig, name: string): Promise<void> {
  await rawRequest(kc, {
    method: 'POST',
    path: '/api/v1/namespaces',
    body: { metadata: { name } },
  });
}

/** Runs `fn` on 0..n-1 with at most `limit` at once. */
export async function parallel(
  n: number,
  limit: number,
  fn: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

/** Seconds for `n` forced server-side applies, `concurrency` at a time, into `ns`. */
export async function ssaFloor(
  kc: KubeConfig,
  ns: string,
  n: number,
  concurrency: number,
): Promise<number> {
  await createNamespace(kc, ns);
  const t0 = performance.now();
  await parallel(n, concurrency, async (i) => {
    await rawRequest(kc, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/configmaps/cm-${i}`,
      query: { fieldManager: 'bench-floor', force: 'true' },
      contentType: 'application/apply-patch+yaml',
      body: configMap(i),
    });
  });
  return (performance.now() - t0) / 1000;
}

/**
 * Seconds for the whole job of `n` apps done by a plain client, `concurrency` at a time:
 * per app, `create` (the Application, as the bench creates it), a forced server-side
 * apply of its ConfigMap into `dest`, and one status write (`status`, a merge patch) of
 * what a sync records. The least any engine that keeps Applications must ask of the
 * apiserver for this case.
 */
export async function appFloor(
  kc: KubeConfig,
  dest: string,
  n: number,
  concurrency: number,
  create: (i: number) => Promise<string>,
  status: (i: number) => Record<string, unknown>,
): Promise<number> {
  await createNamespace(kc, dest);
  const t0 = performance.now();
  await parallel(n, concurrency, async (i) => {
    const path = await create(i);
    await rawRequest(kc, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${dest}/configmaps/cm-${i}`,
      query: { fieldManager: 'bench-floor', force: 'true' },
      contentType: 'application/apply-patch+yaml',
      body: configMap(i),
    });
    await rawRequest(kc, {
      method: 'PATCH',
      path: `${path}/status`,
      contentType: 'application/merge-patch+json',
      body: { status: status(i) },
    });
  });
  return (performance.now() - t0) / 1000;
}

/** Seconds for one `kubectl apply --server-side -f` of all `n` ConfigMaps into `ns`. */
export async function kubectlFloor(
  kc: KubeConfig,
  kubectl: string,
  kubeconfig: string,
  ns: string,
  n: number,
  dir: string,
): Promise<number> {
  await createNamespace(kc, ns);
  const file = join(dir, 'all.yaml');
  const docs = Array.from({ length: n }, (_, i) => stringify(configMap(i)));
  await writeFile(file, docs.join('---\n'));
  const t0 = performance.now();
  await run(kubectl, ['--kubeconfig', kubeconfig, '-n', ns, 'apply', '--server-side', '-f', file], {
    maxOutputBytes: 256 * 1024 * 1024,
  });
  return (performance.now() - t0) / 1000;
}

/** `apiserver_request_total` summed by verb and resource (sub-resource and dry run appended). */
export async function apiserverRequests(kc: KubeConfig): Promise<Record<string, number>> {
  const text = await rawRequest<string>(kc, { method: 'GET', path: '/metrics' });
  const out: Record<string, number> = {};
  for (const line of String(text).split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
    const get = (k: string) => new RegExp(`(?:^|,)${k}="([^"]*)"`).exec(labels)?.[1] ?? '';
    const sub = get('subresource');
    const dryRun = get('dry_run') ? ' (dry run)' : '';
    const key = `${get('verb')} ${get('resource')}${sub ? `/${sub}` : ''}${dryRun}`;
    out[key] = (out[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}

/** What changed between two {@link apiserverRequests} readings, largest first, zeros left out. */
export function requestDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const delta = Object.entries(after)
    .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(delta);
}
