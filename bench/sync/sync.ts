// A sync of 500 resources (ConfigMaps, Secrets, ServiceAccounts, Services and
// Deployments in one namespace) by the applier role, next to `kubectl apply
// --server-side -f <dir>` (+ `kubectl wait`) on the same objects, a re-sync
// with no change by both, a 10-wave app against its single-wave twin, and a
// re-sync of one changed object with and without ApplyOutOfSyncOnly=true.
// Every sync goes to a fresh namespace, deleted (and waited for) afterwards.
// `cmwaves` times the applier's own cost of a wave: 500 ConfigMaps (no health
// check, so no wave waits on the cluster) in one wave and in 10.
// Needs the local control plane: `npx flotilla dev cluster up` (or KUBECONFIG).
//   npx tsx bench/sync/sync.ts [runs=3] [cases=fresh,kubectl,waves,outofsync,cmwaves]
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import {
  API_VERSION,
  APPLICATION,
  APPLY_PATCH_CONTENT_TYPE,
  DIFFER_FIELD_MANAGER,
  GROUP,
  applicationStatusPath,
  differStatusPatch,
  type Application,
} from '@flotilla/api';
import { resourceKeyString, type AppRef, type ResourceKey } from '@flotilla/contracts';
import { createHealthAssessor } from '@flotilla/gitops';
import {
  ApiError,
  ClusterCache,
  ProjectClient,
  installCrds,
  loadKubeConfig,
  rawRequest,
} from '@flotilla/kube';
import { DesiredStore } from '@flotilla/render';
import { compileRuntimeConfig, createLogger, run, userCacheDir } from '@flotilla/runtime';
import { startNatsServer, startRedisServer } from '@flotilla/testing';
import { connectBus } from '@flotilla/bus';
import { resolveTool } from '@flotilla/toolchain';
import { applierRole } from '@flotilla/applier';

const CASES = ['fresh', 'kubectl', 'waves', 'outofsync', 'cmwaves'] as const;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(`usage: npx tsx bench/sync/sync.ts [runs=3] [cases=${CASES.join(',')}]

Cases (each run does every chosen case; the order alternates between runs):
  fresh      500 objects synced into a fresh namespace, then re-synced with no change,
             then re-synced again after a (simulated) comparison found them in sync
  kubectl    kubectl apply --server-side of the same objects, then again with no change
  waves      the 500 objects in one wave and in 10 waves, to all Healthy
  outofsync  one object of 500 changed: ApplyOutOfSyncOnly=true against every object
  cmwaves    500 ConfigMaps in one wave and in 10 waves, to Succeeded: the applier's
             own cost per extra wave (no health check to wait for)

Writes bench/sync/RESULTS.md (keeping its "## Notes" section). KUBECONFIG, else
.flotilla/kubeconfig of this checkout.`);
  process.exit(0);
}
const runs = Number(process.argv[2] ?? 3);
if (!(runs >= 1)) throw new Error('runs must be at least 1');
const cases = new Set((process.argv[3] ?? CASES.join(',')).split(','));
for (const c of cases) {
  if (!(CASES as readonly string[]).includes(c)) throw new Error(`unknown case ${c}`);
}
/** Units of five objects each: ServiceAccount, Secret, ConfigMap, Service, Deployment. */
const UNITS = 100;
const WAVES = 10;
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const ms = (v: number) => `${Math.round(v)} ms`;
const kubeconfig =
  process.env['KUBECONFIG'] ?? resolve(import.meta.dirname, '..', '..', '.flotilla', 'kubeconfig');
const kc = loadKubeConfig(kubeconfig);
const stamp = Date.now().toString(36);
const controlNs = `bench-sync-${stamp}`;
const kubectl = await resolveTool('kubectl', { cacheDir: userCacheDir(process.env) });

type Obj = Record<string, unknown> & { kind: string; metadata: { name: string } };

/** The manifest set; with `waves` > 1, unit i goes to wave floor(i * waves / UNITS). */
function manifests(waves = 1): Obj[] {
  const out: Obj[] = [];
  for (let i = 0; i < UNITS; i++) {
    const name = `svc-${String(i).padStart(3, '0')}`;
    const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'bench' };
    const annotations: Record<string, string> =
      waves > 1 ? { 'argocd.argoproj.io/sync-wave': String(Math.floor((i * waves) / UNITS)) } : {};
    const meta = (n: string) => ({
      name: n,
      labels,
      ...(waves > 1 ? { annotations } : {}),
    });
    out.push(
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(name) },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: meta(`${name}-creds`),
        type: 'Opaque',
        data: {
          username: Buffer.from(`user-${i}`).toString('base64'),
          password: Buffer.from(`not-a-real-password-${i}`).toString('base64'),
        },
      },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: meta(`${name}-config`),
        data: {
          LOG_LEVEL: 'info',
          UPSTREAM: `http://svc-${String((i + 1) % UNITS).padStart(3, '0')}`,
          'app.yaml': `name: ${name}\nworkers: ${1 + (i % 4)}\nfeatures: [a, b, c]\n`,
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta(name),
        spec: {
          selector: { 'app.kubernetes.io/name': name },
          ports: [{ name: 'http', port: 80, targetPort: 8080 }],
        },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta(name),
        spec: {
          replicas: 1,
          selector: { matchLabels: { 'app.kubernetes.io/name': name } },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: name,
              containers: [
                {
                  name: 'app',
                  image: 'registry.example.com/app:1.4.2',
                  ports: [{ containerPort: 8080, name: 'http' }],
                  envFrom: [{ configMapRef: { name: `${name}-config` } }],
                  env: [
                    {
                      name: 'PASSWORD',
                      valueFrom: { secretKeyRef: { name: `${name}-creds`, key: 'password' } },
                    },
                  ],
                  resources: {
                    requests: { cpu: '50m', memory: '64Mi' },
                    limits: { memory: '128Mi' },
                  },
                  readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
                },
              ],
            },
          },
        },
      },
    );
  }
  return out;
}

/** 500 ConfigMaps (no health check: a wave of them is done once applied), in `waves` waves. */
function configMaps(waves = 1): Obj[] {
  const count = UNITS * 5;
  return Array.from({ length: count }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `cm-${String(i).padStart(3, '0')}`,
      labels: { 'app.kubernetes.io/part-of': 'bench' },
      ...(waves > 1
        ? {
            annotations: {
              'argocd.argoproj.io/sync-wave': String(Math.floor((i * waves) / count)),
            },
          }
        : {}),
    },
    data: { LOG_LEVEL: 'info', 'app.yaml': `name: cm-${i}\nworkers: ${1 + (i % 4)}\n` },
  }));
}

const groupOf = (o: Obj) => {
  const v = String(o['apiVersion']);
  return v.includes('/') ? (v.split('/')[0] ?? '') : '';
};
const keysIn = (objs: readonly Obj[], namespace: string): ResourceKey[] =>
  objs.map((o) => ({ group: groupOf(o), kind: o.kind, namespace, name: o.metadata.name }));

// --- servers, applier, and the bench's own watch cache ------------------------

await rawRequest(kc, {
  method: 'POST',
  path: '/api/v1/namespaces',
  body: { metadata: { name: controlNs } },
});
await installCrds(kc);
// The applier waits for the control namespace's `default` project, which the differ would create.
await new ProjectClient(kc).ensureDefault(controlNs);
await using nats = await startNatsServer();
await using redisServer = await startRedisServer();
const redis = new Redis(redisServer.url);
const desired = new DesiredStore(redis);
const config = compileRuntimeConfig(
  {},
  {
    natsUrl: nats.url,
    redisUrl: redisServer.url,
    kubeconfig,
    namespace: controlNs,
    logLevel: 'error',
    cacheDir: userCacheDir(process.env),
  },
);
const applier = await applierRole.start({
  logger: createLogger({ name: 'applier', level: 'error' }),
  signal: new AbortController().signal,
  config,
  env: {},
});

// The bench watches what it measures (never polls): Applications and the five kinds.
const cache = new ClusterCache(kc);
const health = createHealthAssessor();
await cache.ensureKind(GROUP, APPLICATION.kind);
for (const o of manifests().slice(0, 5)) await cache.ensureKind(groupOf(o), o.kind);

/** Resolves with the time at which `check` first holds, re-checked on every cache event. */
function when(check: () => boolean | Promise<boolean>, timeoutMs = 600_000): Promise<number> {
  return new Promise((done, fail) => {
    let busy = false;
    let again = false;
    const timer = setTimeout(() => {
      stop();
      fail(new Error('timed out'));
    }, timeoutMs);
    const look = async () => {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      try {
        do {
          again = false;
          if (await check()) {
            const at = performance.now();
            clearTimeout(timer);
            stop();
            done(at);
            return;
          }
        } while (again);
      } catch (err) {
        clearTimeout(timer);
        stop();
        fail(err as Error);
        return;
      }
      busy = false;
    };
    const stop = cache.subscribe(() => void look());
    void look();
  });
}

/** Resolves with the time at which every key is Healthy (or has no health check). */
function allHealthy(keys: readonly ResourceKey[], timeoutMs?: number): Promise<number> {
  const pending = new Set(keys.map(resourceKeyString));
  return when(async () => {
    for (const k of keys) {
      const id = resourceKeyString(k);
      if (!pending.has(id)) continue;
      const live = cache.get(k);
      if (!live) return false;
      const h = await health.assess(live as Parameters<typeof health.assess>[0]);
      if (h && h.status !== 'Healthy') return false;
      pending.delete(id);
    }
    return true;
  }, timeoutMs);
}

async function freshNamespace(label: string): Promise<string> {
  const name = `${controlNs}-${label}`;
  await rawRequest(kc, {
    method: 'POST',
    path: '/api/v1/namespaces',
    body: { metadata: { name } },
  });
  return name;
}

/** Deletes a namespace and waits until it is gone, so its teardown does not load the next run. */
async function dropNamespace(name: string): Promise<void> {
  await rawRequest(kc, { method: 'DELETE', path: `/api/v1/namespaces/${name}` }).catch(
    () => undefined,
  );
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    try {
      await rawRequest(kc, { method: 'GET', path: `/api/v1/namespaces/${name}` });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return;
      throw err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  console.warn(`namespace ${name} still terminating after 5 min; going on`);
}

// --- one Flotilla sync ----------------------------------------------------------

const appPath = (name: string) =>
  `/apis/${API_VERSION}/namespaces/${controlNs}/${APPLICATION.plural}/${name}`;

async function createApp(name: string, dest: string, objects: readonly Obj[]): Promise<AppRef> {
  const ref = { namespace: controlNs, name };
  await desired.setRendered(ref, {
    revisions: ['0'.repeat(40)],
    hash: `sha256:${name}`,
    objects: objects.map((o) => structuredClone(o)),
    warnings: [],
    renderedAt: new Date().toISOString(),
  });
  await rawRequest(kc, {
    method: 'POST',
    path: `/apis/${API_VERSION}/namespaces/${controlNs}/${APPLICATION.plural}`,
    body: {
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name, namespace: controlNs },
      spec: {
        project: 'default',
        source: { repoURL: 'https://git.example.com/bench.git', targetRevision: 'main', path: '.' },
        destination: { server: 'https://kubernetes.default.svc', namespace: dest },
      },
    } satisfies Application,
  });
  await cache.want([{ group: GROUP, kind: APPLICATION.kind, namespace: controlNs, name }]);
  return ref;
}

interface Timing {
  /** Until the tool said it was done (operation Succeeded; kubectl apply exited). */
  readonly done: number;
  /** Until that and every resource Healthy (kubectl: apply, then kubectl wait). */
  readonly healthy: number;
}

// Where the applier's time goes, from the events it publishes (arrival times).
const nc = await connectBus({ servers: nats.url, name: 'bench' });
const events: { app: string; name: string; at: number }[] = [];
const sub = nc.subscribe(`flotilla.events.${controlNs}.>`);
void (async () => {
  for await (const m of sub) {
    const [, , , app = '', ...name] = m.subject.split('.');
    events.push({ app, name: name.join('.'), at: performance.now() });
  }
})();
interface Profile {
  /** Operation written → operation.started (informer, command, lease, reads). */
  readonly pickup: number;
  /** → first resource.applied (planning, dry run of every object, first kind batch). */
  readonly toFirstApply: number;
  /** First → last resource.applied. */
  readonly applying: number;
  /** Last resource.applied → Succeeded seen (final status write). */
  readonly finishing: number;
  /** Gaps between operation.wave-completed events. */
  readonly waveGaps: number[];
}
const profiles = {
  fresh: [] as Profile[],
  resync: [] as Profile[],
  resyncCompared: [] as Profile[],
  tenWaves: [] as Profile[],
  cmTenWaves: [] as Profile[],
};
function profileOf(app: string, t0: number, end: number): Profile {
  const mine = events.filter((e) => e.app === app && e.at >= t0 && e.at <= end);
  const at = (n: string) => mine.filter((e) => e.name === n).map((e) => e.at - t0);
  const applied = at('resource.applied');
  const first = Math.min(...applied);
  const last = Math.max(...applied);
  const waves = at('operation.wave-completed');
  return {
    pickup: at('operation.started')[0] ?? NaN,
    toFirstApply: first,
    applying: last - first,
    finishing: end - t0 - last,
    waveGaps: waves.slice(1).map((w, i) => w - (waves[i] as number)),
  };
}

let syncs = 0;
let lastProfile: Profile | undefined;
/**
 * Writes a sync operation as `flotilla app sync` does; times it to Succeeded
 * and (unless `health` is false) to every resource Healthy.
 */
async function flotillaSync(
  ref: AppRef,
  keys: readonly ResourceKey[],
  { health = true, timeoutMs = 600_000, syncOptions = [] as string[] } = {},
): Promise<Timing> {
  const by = `bench-${++syncs}`;
  const appKey = { group: GROUP, kind: APPLICATION.kind, namespace: ref.namespace, name: ref.name };
  const succeeded = when(() => {
    const state = (cache.get(appKey) as Application | undefined)?.status?.operationState;
    if (state?.operation?.initiatedBy?.username !== by) return false;
    if (state.phase === 'Running') return false;
    if (state.phase !== 'Succeeded') throw new Error(`sync ended ${state.phase}: ${state.message}`);
    return true;
  }, timeoutMs);
  const healthy = health ? allHealthy(keys, timeoutMs) : succeeded;
  // Both are awaited below; an early failure of one must not leave the other unhandled.
  succeeded.catch(() => undefined);
  healthy.catch(() => undefined);
  const t0 = performance.now();
  await rawRequest(kc, {
    method: 'PATCH',
    path: appPath(ref.name),
    contentType: 'application/merge-patch+json',
    // The rendered commit: a sync of the branch would resolve it again through a renderer.
    body: {
      operation: {
        sync: { revision: '0'.repeat(40), syncOptions },
        initiatedBy: { username: by },
      },
    },
  });
  try {
    const [s, h] = await Promise.all([succeeded, healthy]);
    await new Promise((r) => setTimeout(r, 200)); // the last events arrive
    lastProfile = profileOf(ref.name, t0, s);
    return { done: s - t0, healthy: Math.max(s, h) - t0 };
  } catch (err) {
    // Withdraw the operation (terminate) so the applier lets go of it.
    await rawRequest(kc, {
      method: 'PATCH',
      path: appPath(ref.name),
      contentType: 'application/merge-patch+json',
      body: { operation: null },
    }).catch(() => undefined);
    throw err;
  }
}

// --- one kubectl sync -----------------------------------------------------------

const manifestDir = await mkdtemp(join(tmpdir(), 'bench-sync-'));
{
  const objs = manifests();
  for (let i = 0; i < UNITS; i++) {
    const unit = objs.slice(i * 5, i * 5 + 5);
    await writeFile(
      join(manifestDir, `unit-${i}.yaml`),
      unit.map((o) => stringify(o)).join('---\n'),
    );
  }
}

/**
 * `kubectl apply --server-side -f <dir>`, then `kubectl wait` for every
 * Deployment Available. All Healthy is timed by the bench's watch, as for
 * Flotilla; `kubectl wait` is undefined when it did not finish in time.
 */
async function kubectlSync(
  ns: string,
  keys: readonly ResourceKey[],
  { wait = true, timeoutMs = 600_000 } = {},
): Promise<Timing & { readonly kubectlWait?: number }> {
  const base = ['--kubeconfig', kubeconfig, '-n', ns];
  const healthy = wait ? allHealthy(keys, timeoutMs) : Promise.resolve(0);
  healthy.catch(() => undefined);
  const t0 = performance.now();
  await run(kubectl, [
    ...base,
    'apply',
    '--server-side',
    '--field-manager=bench-kubectl',
    '-f',
    manifestDir,
  ]);
  const applied = performance.now();
  if (!wait) return { done: applied - t0, healthy: applied - t0 };
  const left = Math.max(1, Math.round((timeoutMs - (applied - t0)) / 1000));
  const kubectlWait = await run(kubectl, [
    ...base,
    'wait',
    '--for=condition=Available',
    'deployment',
    '--all',
    `--timeout=${left}s`,
  ]).then(
    () => performance.now() - t0,
    () => undefined,
  );
  const h = await healthy;
  return { done: applied - t0, healthy: h - t0, ...(kubectlWait ? { kubectlWait } : {}) };
}

// --- the node heartbeat ------------------------------------------------------------

// KWOK's node in a dev cluster started without a node Lease misses its
// heartbeat about once a minute: the node lifecycle controller then records a
// NodeNotReady event and marks every pod on the node NotReady for good (KWOK readies a pod only once), so
// a Deployment that was not Available yet never becomes so. A timed sync
// therefore starts right after such a flap (or after a quiet minute, on a
// cluster that does not flap), must end within one heartbeat window, and is
// run again if it does not.
const flapCount = async () =>
  (
    await rawRequest<{ items: { count?: number }[] }>(kc, {
      method: 'GET',
      path: '/api/v1/events',
      query: { fieldSelector: 'reason=NodeNotReady,involvedObject.kind=Node' },
    })
  ).items.reduce((n, e) => n + (e.count ?? 1), 0);
const firstFlaps = await flapCount();
let flaps = 0;
/** Window within which a timed sync must end. */
const WINDOW_MS = 50_000;

async function afterHeartbeat(): Promise<void> {
  const seen = await flapCount();
  const deadline = Date.now() + 65_000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await flapCount();
    flaps = now - firstFlaps;
    if (now > seen) return;
  }
}

/** Runs `attempt` (given its try number) until it succeeds, three tries at most; then skips it. */
async function retried(label: string, attempt: (n: number) => Promise<void>): Promise<void> {
  for (let n = 1; n <= 3; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      console.error(`${label}: ${(err as Error).message} (node flaps so far: ${flaps})`);
    }
  }
  skipped.push(label);
}
const skipped: string[] = [];

// --- the runs -------------------------------------------------------------------

const results = {
  flotilla: [] as Timing[],
  flotillaResync: [] as Timing[],
  flotillaResyncCompared: [] as Timing[],
  kubectl: [] as Timing[],
  kubectlResync: [] as Timing[],
  kubectlWait: [] as number[],
  oneWave: [] as Timing[],
  tenWaves: [] as Timing[],
  outOfSyncOnly: [] as Timing[],
  allApplied: [] as Timing[],
  cmOneWave: [] as Timing[],
  cmTenWaves: [] as Timing[],
};
const log = (label: string, t: Timing) =>
  console.error(`${label}: done ${sec(t.done)}, healthy ${sec(t.healthy)}`);

async function flotillaRound(
  label: string,
  objects: Obj[],
  into: Timing[],
  { resync, profile }: { resync?: Timing[]; profile?: Profile[] } = {},
) {
  await retried(label, async (n) => {
    const ns = await freshNamespace(`${label}-${n}`);
    const ref = await createApp(`${label}-${n}`, ns, objects);
    const keys = keysIn(objects, ns);
    await cache.want(keys);
    try {
      await afterHeartbeat();
      const t = await flotillaSync(ref, keys, { timeoutMs: WINDOW_MS });
      log(label, t);
      into.push(t);
      if (profile && lastProfile) profile.push(lastProfile);
      if (resync) {
        const r = await flotillaSync(ref, keys, { health: false });
        log(`${label} re-sync`, r);
        resync.push(r);
        if (lastProfile) profiles.resync.push(lastProfile);
        // As in a running system: the differ has compared since and found everything in sync.
        await new Promise((done) => setTimeout(done, 1_100));
        await compared(ref, keys, '');
        const c = await flotillaSync(ref, keys, { health: false });
        log(`${label} re-sync after a comparison`, c);
        results.flotillaResyncCompared.push(c);
        if (lastProfile) profiles.resyncCompared.push(lastProfile);
      }
    } finally {
      cache.unwant(keys);
      await rawRequest(kc, { method: 'DELETE', path: appPath(ref.name) }).catch(() => undefined);
      await dropNamespace(ns);
    }
  });
}

/**
 * The differ's verdict after a comparison: every object Synced except
 * `changed`, compared now (after the render), as `status.resources` says it.
 */
async function compared(ref: AppRef, keys: readonly ResourceKey[], changed: string) {
  const app = await rawRequest<Application>(kc, { method: 'GET', path: appPath(ref.name) });
  await rawRequest(kc, {
    method: 'PATCH',
    path: applicationStatusPath(ref.namespace, ref.name),
    query: { fieldManager: DIFFER_FIELD_MANAGER, force: 'true' },
    contentType: APPLY_PATCH_CONTENT_TYPE,
    body: differStatusPatch(app, {
      sync: { status: 'OutOfSync', revision: '0'.repeat(40) },
      resources: keys.map((k) => ({
        group: k.group,
        version: 'v1',
        kind: k.kind,
        namespace: k.namespace,
        name: k.name,
        status: k.name === changed ? 'OutOfSync' : 'Synced',
      })),
      reconciledAt: new Date().toISOString(),
    }),
  });
}

/**
 * One object of 500 changed in Git, then re-synced with ApplyOutOfSyncOnly=true
 * after a comparison that found only that one out of sync (only it is applied),
 * and with no comparison to go by (every object is applied, as before Flotilla
 * used the comparison). Odd rounds go the other way round.
 */
async function outOfSyncRound(label: string, flip: boolean) {
  await retried(label, async (n) => {
    const ns = await freshNamespace(`${label}-${n}`);
    const objects = manifests();
    const ref = await createApp(`${label}-${n}`, ns, objects);
    const keys = keysIn(objects, ns);
    await cache.want(keys);
    try {
      await flotillaSync(ref, keys, { health: false });
      const cases = [
        { options: ['ApplyOutOfSyncOnly=true'], compare: true, into: results.outOfSyncOnly },
        { options: [], compare: false, into: results.allApplied },
      ];
      for (const [i, c] of (flip ? cases.reverse() : cases).entries()) {
        // Managed-field times have whole seconds: the comparison comes a second after the writes.
        await new Promise((r) => setTimeout(r, 1_100));
        const changed = objects.map((o) => structuredClone(o));
        const cm = changed.find((o) => o.kind === 'ConfigMap') as Obj & { data: object };
        cm.data = { ...cm.data, CHANGE: String(i) };
        await desired.setRendered(ref, {
          revisions: ['0'.repeat(40)],
          hash: `sha256:${ref.name}-${i}`,
          objects: changed,
          warnings: [],
          renderedAt: new Date().toISOString(),
        });
        if (c.compare) await compared(ref, keys, cm.metadata.name);
        const t = await flotillaSync(ref, keys, { health: false, syncOptions: c.options });
        log(`${label} one change${c.compare ? ', ApplyOutOfSyncOnly' : ', every object'}`, t);
        c.into.push(t);
      }
    } finally {
      cache.unwant(keys);
      await rawRequest(kc, { method: 'DELETE', path: appPath(ref.name) }).catch(() => undefined);
      await dropNamespace(ns);
    }
  });
}

/**
 * 500 ConfigMaps into a fresh namespace in one wave and in ten, timed to
 * Succeeded: no wave waits on the cluster's controllers, so the difference is
 * the applier's own cost of the extra waves. Each round syncs one, ten, ten,
 * one (odd rounds ten, one, one, ten), so a machine getting busier or quieter
 * weighs on both alike.
 */
async function configMapWaveRound(label: string, flip: boolean) {
  const one: { waves: number; into: Timing[]; profile?: Profile[] } = {
    waves: 1,
    into: results.cmOneWave,
  };
  const ten = { waves: WAVES, into: results.cmTenWaves, profile: profiles.cmTenWaves };
  const order = flip ? [ten, one, one, ten] : [one, ten, ten, one];
  for (const [i, c] of order.entries()) {
    await retried(`${label}-${i}`, async (n) => {
      const name = `${label}-${i}-${c.waves}-${n}`;
      const ns = await freshNamespace(name);
      const objects = configMaps(c.waves);
      const ref = await createApp(name, ns, objects);
      const keys = keysIn(objects, ns);
      await cache.want(keys);
      try {
        // No Deployment waits on the node's heartbeat here: no window to end in.
        const t = await flotillaSync(ref, keys, { health: false });
        log(`${label} ${c.waves} wave(s) of ConfigMaps`, t);
        c.into.push(t);
        if (c.profile && lastProfile) c.profile.push(lastProfile);
      } finally {
        cache.unwant(keys);
        await rawRequest(kc, { method: 'DELETE', path: appPath(ref.name) }).catch(() => undefined);
        await dropNamespace(ns);
      }
    });
  }
}

async function kubectlRound(label: string) {
  await retried(label, async (n) => {
    const ns = await freshNamespace(`${label}-${n}`);
    const keys = keysIn(manifests(), ns);
    // kubectl's objects carry no tracking annotation: the bench's watch is told to keep them.
    await cache.want(keys);
    try {
      await afterHeartbeat();
      const t = await kubectlSync(ns, keys, { timeoutMs: WINDOW_MS });
      log(label, t);
      if (t.kubectlWait) results.kubectlWait.push(t.kubectlWait);
      results.kubectl.push(t);
      const r = await kubectlSync(ns, keys, { wait: false });
      log(`${label} re-sync`, r);
      results.kubectlResync.push(r);
    } finally {
      cache.unwant(keys);
      await dropNamespace(ns);
    }
  });
}

const started = new Date();
const load = loadavg();
// A warm-up of each path (discovery caches, watches, JIT), not counted.
{
  const warm: Timing[] = [];
  await flotillaRound('warm', manifests().slice(0, 25), warm);
  const ns = await freshNamespace('warm-kubectl');
  await run(kubectl, ['--kubeconfig', kubeconfig, '-n', ns, 'api-resources', '-o', 'name']);
  await dropNamespace(ns);
}
for (let r = 0; r < runs; r++) {
  const fresh = () =>
    flotillaRound(`f${r}`, manifests(), results.flotilla, {
      resync: results.flotillaResync,
      profile: profiles.fresh,
    });
  const viaKubectl = () => kubectlRound(`k${r}`);
  const oneWave = () => flotillaRound(`w1-${r}`, manifests(1), results.oneWave);
  const tenWaves = () =>
    flotillaRound(`w10-${r}`, manifests(WAVES), results.tenWaves, {
      profile: profiles.tenWaves,
    });
  // Alternate which goes first, so neither always meets a busier cluster.
  const outOfSync = () => outOfSyncRound(`o${r}`, r % 2 === 1);
  const cmWaves = () => configMapWaveRound(`c${r}`, r % 2 === 1);
  const chosen: [string, () => Promise<void>][] = [
    ['fresh', fresh],
    ['kubectl', viaKubectl],
    ['waves', oneWave],
    ['waves', tenWaves],
    ['outofsync', outOfSync],
    ['cmwaves', cmWaves],
  ];
  const order = chosen.filter(([c]) => cases.has(c)).map(([, step]) => step);
  if (r % 2 === 1) order.reverse();
  for (const step of order) await step();
  console.error(`run ${r + 1}/${runs} done`);
}

// --- report ---------------------------------------------------------------------

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => {
  const s = sorted(xs);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const stats = (xs: number[]) =>
  xs.length === 0
    ? 'n/a | n/a | n/a'
    : `${sec(median(xs))} | ${sec(Math.min(...xs))} | ${sec(Math.max(...xs))}`;
const col = (ts: Timing[], k: keyof Timing) => ts.map((t) => t[k]);
const ratio = (k: number[], f: number[]) => `${(median(k) / median(f)).toFixed(2)}x`;

const rows: [string, number[]][] = [
  ['Flotilla applier: operation written → Succeeded', col(results.flotilla, 'done')],
  ['`kubectl apply --server-side -f <dir>`', col(results.kubectl, 'done')],
  ['Flotilla: operation written → Succeeded and all Healthy', col(results.flotilla, 'healthy')],
  ['kubectl: apply started → all Healthy', col(results.kubectl, 'healthy')],
  ['kubectl: apply + `kubectl wait --for=condition=Available` exited', results.kubectlWait],
  [
    'Flotilla re-sync, no change, nothing compared since (→ Succeeded)',
    col(results.flotillaResync, 'done'),
  ],
  [
    'Flotilla re-sync, no change, the differ having compared (→ Succeeded)',
    col(results.flotillaResyncCompared, 'done'),
  ],
  ['`kubectl apply --server-side` again, no change', col(results.kubectlResync, 'done')],
  ['Flotilla, single-wave app (→ Succeeded and all Healthy)', col(results.oneWave, 'healthy')],
  [
    `Flotilla, the same objects in ${WAVES} waves (→ Succeeded and all Healthy)`,
    col(results.tenWaves, 'healthy'),
  ],
  [
    'Flotilla re-sync, 1 of 500 changed, `ApplyOutOfSyncOnly=true` (→ Succeeded)',
    col(results.outOfSyncOnly, 'done'),
  ],
  [
    'Flotilla re-sync, 1 of 500 changed, no comparison to go by: every object applied',
    col(results.allApplied, 'done'),
  ],
  ['Flotilla, 500 ConfigMaps in one wave (→ Succeeded)', col(results.cmOneWave, 'done')],
  [
    `Flotilla, the same ConfigMaps in ${WAVES} waves (→ Succeeded)`,
    col(results.cmTenWaves, 'done'),
  ],
];
const perWave =
  (median(col(results.tenWaves, 'healthy')) - median(col(results.oneWave, 'healthy'))) /
  (WAVES - 1);
const cmPerWave =
  (median(col(results.cmTenWaves, 'done')) - median(col(results.cmOneWave, 'done'))) / (WAVES - 1);
const ratios: [string, string][] = [
  [
    'fresh sync, applied (kubectl / Flotilla)',
    ratio(col(results.kubectl, 'done'), col(results.flotilla, 'done')),
  ],
  [
    'fresh sync, applied and all Healthy (kubectl / Flotilla)',
    ratio(col(results.kubectl, 'healthy'), col(results.flotilla, 'healthy')),
  ],
  [
    're-sync, no change, nothing compared since (kubectl / Flotilla)',
    ratio(col(results.kubectlResync, 'done'), col(results.flotillaResync, 'done')),
  ],
  [
    're-sync, no change, after a comparison (kubectl / Flotilla)',
    ratio(col(results.kubectlResync, 'done'), col(results.flotillaResyncCompared, 'done')),
  ],
  [
    're-sync of one change: every object / ApplyOutOfSyncOnly',
    ratio(col(results.allApplied, 'done'), col(results.outOfSyncOnly, 'done')),
  ],
  [
    `${WAVES} waves / single wave`,
    ratio(col(results.tenWaves, 'healthy'), col(results.oneWave, 'healthy')),
  ],
  [
    `ConfigMaps: ${WAVES} waves / one wave`,
    ratio(col(results.cmTenWaves, 'done'), col(results.cmOneWave, 'done')),
  ],
];

const server = await rawRequest<{ gitVersion: string }>(kc, { method: 'GET', path: '/version' });
const { stdout: kubectlVersion } = await run(kubectl, ['version', '--client', '-o', 'json']);
const facts = [
  `- date: ${started.toISOString()}, ${runs} runs (after one uncounted warm-up)`,
  `- machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}`,
  `- load average at start: ${load.map((l) => l.toFixed(2)).join(', ')} (the machine runs other work too)`,
  ...(skipped.length ? [`- skipped after three tries (no sample): ${skipped.join(', ')}`] : []),
  `- load average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}; node heartbeat flaps seen: ${flaps}`,
  `- Node ${process.version}; kube-apiserver ${server.gitVersion} (local control plane with KWOK); kubectl ${(JSON.parse(kubectlVersion) as { clientVersion: { gitVersion: string } }).clientVersion.gitVersion}`,
  `- ${UNITS * 5} objects per sync: ${UNITS} each of ServiceAccount, Secret, ConfigMap, Service, Deployment (1 replica)`,
];
const table = [
  '| case | median | min | max | samples |',
  '| --- | --- | --- | --- | --- |',
  ...rows.map(([name, xs]) => `| ${name} | ${stats(xs)} | ${xs.length} |`),
];
const ratioTable = [
  '| ratio (medians) | value |',
  '| --- | --- |',
  ...ratios.map(([n, v]) => `| ${n} | ${v} |`),
];
const prof = (ps: Profile[], k: Exclude<keyof Profile, 'waveGaps'>) => {
  // A sync that applied nothing (every resource unchanged) publishes no resource.applied.
  const xs = ps.map((p) => p[k]).filter(Number.isFinite);
  return xs.length ? sec(median(xs)) : 'n/a';
};
const profileTable = [
  "| where the applier's time goes (medians) | fresh sync | re-sync | re-sync after a comparison |",
  '| --- | --- | --- | --- |',
  ...(
    [
      ['operation written → operation.started (informer, command, lease, reads)', 'pickup'],
      ['→ first resource.applied (plan, dry run of all objects, first kind batch)', 'toFirstApply'],
      ['first → last resource.applied (applies, per-kind batches)', 'applying'],
      ['last resource.applied → Succeeded seen (final status write)', 'finishing'],
    ] as const
  ).map(
    ([n, k]) =>
      `| ${n} | ${prof(profiles.fresh, k)} | ${prof(profiles.resync, k)} | ${prof(profiles.resyncCompared, k)} |`,
  ),
];
const gaps = profiles.tenWaves.flatMap((p) => p.waveGaps);
const cmGaps = profiles.cmTenWaves.flatMap((p) => p.waveGaps);
const report = [
  ...facts,
  '',
  ...table,
  '',
  ...ratioTable,
  '',
  results.tenWaves.length && results.oneWave.length
    ? `Per-wave overhead ((10-wave − single-wave) / ${WAVES - 1}): ${sec(perWave)}`
    : '',
  gaps.length
    ? `Time between consecutive operation.wave-completed events in the ${WAVES}-wave app: median ${sec(median(gaps))}, min ${sec(Math.min(...gaps))}, max ${sec(Math.max(...gaps))}`
    : '',
  ...(results.cmTenWaves.length && results.cmOneWave.length
    ? [
        '',
        `Per-wave overhead of the applier, ConfigMaps ((${WAVES} waves − one wave) / ${WAVES - 1}): ${ms(cmPerWave)}`,
        `Time between consecutive operation.wave-completed events, ${WAVES} waves of 50 ConfigMaps: median ${ms(median(cmGaps))}, min ${ms(Math.min(...cmGaps))}, max ${ms(Math.max(...cmGaps))}`,
      ]
    : []),
  '',
  ...profileTable,
].join('\n');
console.log(report);
// Hand-written notes at the end of RESULTS.md (from "## Notes" on) survive a rerun.
const resultsFile = resolve(import.meta.dirname, 'RESULTS.md');
const previous = await readFile(resultsFile, 'utf8').catch(() => '');
const notes = previous.includes('\n## Notes') ? previous.slice(previous.indexOf('\n## Notes')) : '';
await writeFile(
  resultsFile,
  [
    '# Sync benchmark results',
    '',
    '```sh',
    `npx flotilla dev cluster up && npx tsx bench/sync/sync.ts ${process.argv.slice(2).join(' ') || runs}`,
    '```',
    '',
    report,
  ].join('\n') + `\n${notes}`,
);

sub.unsubscribe();
await nc.close();
await applier.stop();
cache.stop();
await health.close();
redis.disconnect();
await rm(manifestDir, { recursive: true, force: true });
await rawRequest(kc, { method: 'DELETE', path: `/api/v1/namespaces/${controlNs}` }).catch(
  () => undefined,
);
