// Scale: N Applications (automated sync), one ConfigMap each from its own
// directory of Git, created at once and timed until all are Synced/Healthy,
// next to the apiserver floor: the whole job by a plain parallel client (each
// Application created, its ConfigMap applied, one status write), and the same
// ConfigMaps alone by a plain server-side-apply client and by one
// `kubectl apply --server-side`.
// Run `npx tsx bench/scale/scale.ts --help`.
import { createHmac } from 'node:crypto';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { jetstreamManager } from '@nats-io/jetstream';
import { API_VERSION, APPLICATION, GROUP, VERSION, type Application } from '@flotilla/api';
import { connectBus } from '@flotilla/bus';
import { clusterDown, clusterUp } from '@flotilla/devcluster';
import { customResourceInformer, installCrds, loadKubeConfig, rawRequest } from '@flotilla/kube';
import { freePort, userCacheDir } from '@flotilla/runtime';
import {
  createGitFixtureRepo,
  startGitHttpServer,
  startNatsServer,
  startRedisServer,
} from '@flotilla/testing';
import { resolveTool } from '@flotilla/toolchain';
import {
  apiserverRequests,
  appFloor,
  configMap,
  createNamespace,
  kubectlFloor,
  parallel,
  requestDelta,
  ssaFloor,
} from './floor.js';
import {
  busPids,
  controlPlanePids,
  counters,
  memoryBreakdown,
  sample,
  sampleAll,
  startRole,
  stopRole,
  type RoleProc,
} from './procs.js';
import { formatHeap, summarizeHeap } from './heap.js';
import { apiserverProf, topFrames } from './profile.js';
import { StageClock, percentiles } from './stages.js';

const HELP = `Usage: npx tsx bench/scale/scale.ts [options]

  --apps N              Applications, one ConfigMap each (default 150)
  --objects K           K ConfigMaps per app instead of one (the floor still writes one)
  --repos R             spread the apps over R repositories (default 1: a monorepo)
  --commit-all          then commit a change to every app's file, announce each repository's
                        push with a webhook, and time all Synced again
  --poll-interval S     the git-poller's poll interval (default 180, Flotilla's default;
                        runs before December 2026 used 3)
  --idle S              then leave the synced apps idle for S seconds and count what happens
  --processes P         P processes each of renderer, differ and applier (default 1)
  --floor-concurrency C parallel server-side applies of the floor client
                        (default: the applier's sync concurrency x P)
  --create-concurrency  parallel Application creates (default 16)
  --cpu-prof            write V8 CPU profiles of the role processes; print the top frames
  --prof-dir DIR        keep the profiles and heap snapshots in DIR/<role>/ (default: a
                        temporary directory removed at the end); read one with
                        npx tsx bench/scale/profile.ts FILE [FRAME]
  --heap-snapshot       at the end, write a V8 heap snapshot of each differ and applier
                        and print what their heaps hold (bench/scale/heap.ts)
  --apiserver-prof S    take an S-second CPU profile of kube-apiserver (its /debug/pprof)
                        once the creates start; print its top functions with go tool pprof
  --role-env K=V        extra environment for every role process (repeatable)
  --memory-limit R=MIB  run role R's processes in a memory cgroup of MIB MiB, as a container
                        limit would (node sizes its heap from it); repeatable. The chart's
                        defaults: --memory-limit differ=1024 --memory-limit renderer=1024
                        --memory-limit applier=768 --memory-limit git-poller=512
                        --memory-limit hook-runner=512
  --timeout S           give up waiting after S seconds (default 600 + N / 5)
  --no-floor            skip the floor measurements
  --fresh-apiserver     restart the local control plane (its data kept) before Flotilla's round
                        and before the floor: an apiserver that served earlier runs spends
                        about 30 % more CPU on the same work, so rounds compare only when
                        each starts on a fresh one
  --label L             name of the results file (default: a description of the case)
  --logs DIR            write each role's log to DIR/<role>.log (with --role-env
                        FLOTILLA_LOG_LEVEL=debug for more than warnings)
  -h, --help

Needs the local control plane (npx flotilla dev cluster up) or KUBECONFIG.
Results go to bench/scale/results/<label>.json.`;

const { values: o } = parseArgs({
  options: {
    apps: { type: 'string', default: '150' },
    objects: { type: 'string', default: '1' },
    repos: { type: 'string', default: '1' },
    'commit-all': { type: 'boolean', default: false },
    'poll-interval': { type: 'string', default: '180' },
    idle: { type: 'string', default: '0' },
    processes: { type: 'string', default: '1' },
    'floor-concurrency': { type: 'string' },
    'create-concurrency': { type: 'string', default: '16' },
    'cpu-prof': { type: 'boolean', default: false },
    'heap-snapshot': { type: 'boolean', default: false },
    'prof-dir': { type: 'string' },
    'apiserver-prof': { type: 'string', default: '0' },
    'role-env': { type: 'string', multiple: true, default: [] },
    'memory-limit': { type: 'string', multiple: true, default: [] },
    logs: { type: 'string' },
    timeout: { type: 'string' },
    'no-floor': { type: 'boolean', default: false },
    'fresh-apiserver': { type: 'boolean', default: false },
    label: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (o.help) {
  console.log(HELP);
  process.exit(0);
}
const N = Number(o.apps);
const OBJECTS = Number(o.objects);
const REPOS = Number(o.repos);
const P = Number(o.processes);
const IDLE_S = Number(o.idle);
const POLL_S = Number(o['poll-interval']);
const APISERVER_PROF_S = Number(o['apiserver-prof']);
if (
  ![N, REPOS, P, OBJECTS].every((x) => Number.isInteger(x) && x >= 1) ||
  !(IDLE_S >= 0) ||
  !(POLL_S >= 1) ||
  !(APISERVER_PROF_S >= 0)
) {
  console.error(`bad option values\n\n${HELP}`);
  process.exit(2);
}
const extraEnv = Object.fromEntries(
  o['role-env'].map((kv) => {
    const i = kv.indexOf('=');
    if (i < 1) throw new Error(`--role-env wants KEY=VALUE, got ${kv}`);
    return [kv.slice(0, i), kv.slice(i + 1)];
  }),
);
const memoryLimits = Object.fromEntries(
  o['memory-limit'].map((kv) => {
    const [role, mib] = kv.split('=');
    if (!role || !mib || !(Number(mib) > 0))
      throw new Error(`--memory-limit wants ROLE=MIB, got ${kv}`);
    return [role, Number(mib) * 2 ** 20];
  }),
);
const syncConcurrency = Number(extraEnv['FLOTILLA_SYNC_CONCURRENCY'] ?? defaultConcurrency());
const floorConcurrency = Number(o['floor-concurrency'] ?? syncConcurrency * P);
const timeoutMs = Number(o.timeout ?? 600 + N / 5) * 1000;
const label =
  o.label ??
  `apps${N}${OBJECTS > 1 ? `-objects${OBJECTS}` : ''}-repos${REPOS}-p${P}${o['commit-all'] ? '-commit' : ''}${IDLE_S ? `-idle${IDLE_S}` : ''}`;

/** The applier's default sync concurrency (see services/applier/src/options.ts). */
function defaultConcurrency(): number {
  return 8 * availableParallelism();
}

const ROOT = resolve(import.meta.dirname, '..', '..');
const kubeconfig = process.env['KUBECONFIG'] ?? join(ROOT, '.flotilla', 'kubeconfig');
const kc = loadKubeConfig(kubeconfig);
const stamp = Date.now().toString(36);
const ns = `bench-scale-${stamp}`;
const dest = `bench-scale-dest-${stamp}`;
const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** Restarts the local control plane with its data, so the next round starts on a fresh apiserver. */
async function restartControlPlane(): Promise<void> {
  if (resolve(kubeconfig) !== join(ROOT, '.flotilla', 'kubeconfig')) {
    console.error(
      '--fresh-apiserver restarts the local control plane only (npx flotilla dev cluster up)',
    );
    process.exit(2);
  }
  const started = performance.now();
  await clusterDown({ root: ROOT });
  await clusterUp({ root: ROOT, cacheDir: userCacheDir(process.env), env: process.env });
  log(`control plane restarted in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
// The roles run dist/ only while it is newer than every source (cli/bin/flotilla.mjs);
// otherwise through tsx, which is slower and would make the numbers worthless.
const { buildIsFresh } = (await import(
  new URL('../../cli/bin/fresh.mjs', import.meta.url).href
)) as {
  buildIsFresh: (root: URL) => boolean;
};
if (
  !buildIsFresh(new URL('../../', import.meta.url)) &&
  process.env['FLOTILLA_FROM_SOURCE'] !== '1'
) {
  console.error(
    'dist/ is missing or older than the sources: run npm run build first ' +
      '(or set FLOTILLA_FROM_SOURCE=1 to measure the sources through tsx)',
  );
  process.exit(2);
}
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  loadAvgStart: loadavg(),
};
log(`case ${label}; load average ${machine.loadAvgStart.map((x) => x.toFixed(2)).join(' ')}`);

// An earlier run's namespaces are deleted by the namespace controller after it ends:
// tens of thousands of deletes that would compete with this run for the apiserver.
for (const started = Date.now(); ;) {
  const list = await rawRequest<{ items: { metadata: { name: string } }[] }>(kc, {
    method: 'GET',
    path: '/api/v1/namespaces',
  });
  const left = list.items.filter((n) => n.metadata.name.startsWith('bench-scale-')).length;
  if (left === 0) break;
  if (Date.now() - started > 900_000) {
    console.error(`${left} namespaces of earlier runs are still being deleted after 15 min`);
    process.exit(2);
  }
  log(`waiting for ${left} namespaces of an earlier run to be deleted`);
  await new Promise((r) => setTimeout(r, 10_000));
}

if (o['fresh-apiserver']) await restartControlPlane();
await installCrds(kc);
await createNamespace(kc, ns);
await createNamespace(kc, dest);
const tmp = await mkdtemp(join(tmpdir(), 'bench-scale-'));
await using _cleanup = {
  [Symbol.asyncDispose]: async () => {
    for (const n of [ns, `${ns}-floor`, dest, `${dest}-app`, `${dest}-ssa`, `${dest}-kubectl`]) {
      await rawRequest(kc, { method: 'DELETE', path: `/api/v1/namespaces/${n}` }).catch(
        () => undefined,
      );
    }
    await rm(tmp, { recursive: true, force: true });
  },
};
await using nats = await startNatsServer();
await using redis = await startRedisServer();
await using git = await startGitHttpServer(join(tmp, 'git', 'repos'));

// Git: app i lives in app-<i>/ of repo i % REPOS.
const repoOf = (i: number) => i % REPOS;
const appName = (i: number) => `app-${i}`;
const repos = await Promise.all(
  Array.from({ length: REPOS }, (_, r) => createGitFixtureRepo(join(tmp, 'git'), `fleet-${r}`)),
);
const commitRound = async (round: number) => {
  const heads: string[] = [];
  for (let r = 0; r < REPOS; r++) {
    const files: Record<string, string> = {};
    for (let i = r; i < N; i += REPOS) {
      const docs = Array.from({ length: OBJECTS }, (_, k) => stringify(configMap(i, round, k)));
      files[`${appName(i)}/cm.yaml`] = docs.join('---\n');
    }
    heads.push(await repos[r]!.commit(files, `round ${round}`));
  }
  return heads;
};
let heads = await commitRound(0);
log(`${N} app directories committed to ${REPOS} repositor${REPOS === 1 ? 'y' : 'ies'}`);

// Roles, one process each so CPU and memory are per role.
const profDir = o['prof-dir'] ? resolve(o['prof-dir']) : join(tmp, 'prof');
await mkdir(profDir, { recursive: true });
// The commit round is announced as a Git host would: a push webhook per repository.
const webhookPort = await freePort();
const WEBHOOK_SECRET = 'bench-webhook-secret';
const announcePush = async (r: number) => {
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    repository: { clone_url: `${git.baseUrl}/fleet-${r}.git`, default_branch: 'main' },
  });
  const res = await fetch(`http://127.0.0.1:${webhookPort}/api/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-hub-signature-256': `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`,
    },
    body,
  });
  if (!res.ok) throw new Error(`push webhook for fleet-${r}: HTTP ${res.status}`);
};
const roleEnv = (name: string): Record<string, string> => ({
  FLOTILLA_NATS_URL: nats.url,
  FLOTILLA_REDIS_URL: redis.url,
  KUBECONFIG: kubeconfig,
  FLOTILLA_NAMESPACE: ns,
  FLOTILLA_LOG_LEVEL: 'warn',
  FLOTILLA_POLL_INTERVAL_SECONDS: String(POLL_S),
  FLOTILLA_POLL_JITTER_SECONDS: '0',
  FLOTILLA_WEBHOOK_ADDR: `127.0.0.1:${webhookPort}`,
  FLOTILLA_WEBHOOK_GITHUB_SECRET: WEBHOOK_SECRET,
  FLOTILLA_REPO_CACHE_DIR: join(tmp, `repos-${name}`),
  FLOTILLA_RENDER_WORK_DIR: join(tmp, `work-${name}`),
  ...extraEnv,
});
const nodeArgs = [
  ...(o['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${join(profDir, '%LABEL%')}`] : []),
  ...(o['heap-snapshot']
    ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${join(profDir, '%LABEL%')}`]
    : []),
];
const specs: [string, string][] = [['hook-runner', 'hook-runner']];
for (let p = 1; p <= P; p++) {
  specs.push([`applier-${p}`, 'applier'], [`differ-${p}`, 'differ'], [`renderer-${p}`, 'renderer']);
}
specs.push(['git-poller', 'git-poller']);
const procs: RoleProc[] = [];
await using _stopRoles = {
  [Symbol.asyncDispose]: async () => void (await Promise.all(procs.map(stopRole))),
};
// Ctrl-C: what the scopes above would undo, undone before exiting.
process.once('SIGINT', () => {
  log('interrupted: stopping the roles and the servers, deleting the namespaces');
  const undo = [_stopRoles, git, redis, nats, _cleanup];
  void undo
    .reduce<Promise<unknown>>(
      (p, d) => p.then(() => d[Symbol.asyncDispose]()).catch(() => undefined),
      Promise.resolve(),
    )
    .finally(() => process.exit(130));
});
for (const [name, role] of specs) {
  const args = nodeArgs.map((a) => a.replace('%LABEL%', name));
  if (o.logs) await mkdir(o.logs, { recursive: true });
  const logFile = o.logs ? join(o.logs, `${name}.log`) : undefined;
  procs.push(await startRole(name, [role], roleEnv(name), args, logFile, memoryLimits[role]));
}
log(`roles up: ${procs.map((p) => p.label).join(', ')}`);

// Watches: the event stream for stages, the Applications for Synced/Healthy.
const nc = await connectBus({ servers: nats.url, name: 'bench' });
const clock = new StageClock();
clock.listen(nc, ns);
let target = new Map<string, string>(); // app -> revision it must be Synced at
const done = new Set<string>();
const informer = customResourceInformer<Application>(
  kc,
  { group: GROUP, version: VERSION, plural: APPLICATION.plural },
  ns,
);
const look = (a: Application) => {
  const name = a.metadata?.name ?? '';
  const s = a.status;
  const want = target.get(name);
  if (
    want &&
    !done.has(name) &&
    s?.sync?.status === 'Synced' &&
    s.sync.revision === want &&
    s.health?.status === 'Healthy' &&
    s.operationState?.phase === 'Succeeded' &&
    a.operation === undefined
  ) {
    done.add(name);
    clock.mark(name, 'done');
  }
};
informer.on('add', look);
informer.on('update', look);
informer.on('error', () => setTimeout(() => void informer.start().catch(() => undefined), 1000));
await informer.start();

const waitAll = async (what: string) => {
  const t0 = performance.now();
  let last = 0;
  while (done.size < N) {
    if (performance.now() - t0 > timeoutMs) {
      const behind = [...target.keys()].filter((a) => !done.has(a)).slice(0, 5);
      // Where each stands, so a stall says which stage holds it.
      const where = behind.map((name) => {
        const a = informer.get(name, ns);
        const s = a?.status;
        return `${name}: sync ${s?.sync?.status} at ${s?.sync?.revision?.slice(0, 8)}, health ${s?.health?.status}, operation ${a?.operation ? 'set' : 'none'}, last ${s?.operationState?.phase} "${s?.operationState?.message ?? ''}", conditions ${JSON.stringify(s?.conditions ?? [])}`;
      });
      throw new Error(
        `${what}: ${done.size}/${N} after ${timeoutMs / 1000} s; behind:\n${where.join('\n')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
    if (performance.now() - last > 10_000) {
      last = performance.now();
      log(`${what}: ${done.size}/${N} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  }
};

/** Per-app latency (created → done) and throughput of the round just finished. */
const roundResult = () => {
  const lat: number[] = [];
  let first = Infinity;
  let lastDone = 0;
  for (const m of clock.times.values()) {
    const c = m.get('created');
    const d = m.get('done');
    if (c === undefined || d === undefined) continue;
    lat.push((d - c) / 1000);
    first = Math.min(first, c);
    lastDone = Math.max(lastDone, d);
  }
  const wallSeconds = (lastDone - first) / 1000;
  return {
    apps: lat.length,
    wallSeconds: Number(wallSeconds.toFixed(2)),
    appsPerSecond: Number((lat.length / wallSeconds).toFixed(2)),
    latency: percentiles(lat),
    stages: clock.summary(),
  };
};

const redisClient = new Redis(redis.url);
const controlPlane = await controlPlanePids(kc.getCurrentCluster()?.server);
// What the apiserver carries from earlier work: its RSS and CPU seconds so far (high after
// earlier runs on the same process, which cost more CPU per request; see --fresh-apiserver).
const apiserverAtStart = controlPlane['kube-apiserver']
  ? await sample(controlPlane['kube-apiserver']).then((x) => ({
      rssMiB: Math.round(x.rssMiB),
      cpuSeconds: Math.round(x.cpuSeconds),
    }))
  : undefined;
if (apiserverAtStart)
  log(
    `kube-apiserver at start: ${apiserverAtStart.rssMiB} MiB RSS, ${apiserverAtStart.cpuSeconds} CPU s so far`,
  );
const busServers = await busPids(nats.port, redis.port);
const cpuOf = async (pids: Record<string, number>) =>
  Object.fromEntries(
    await Promise.all(
      Object.entries(pids).map(async ([k, pid]) => [k, (await sample(pid)).cpuSeconds]),
    ),
  ) as Record<string, number>;
const snapshot = async () => ({
  at: performance.now(),
  procs: await sampleAll(procs),
  controlPlane: await cpuOf(controlPlane),
  bus: await cpuOf(busServers),
  // This process: the Git server's HTTP side, the creates, the watches of the stages.
  bench: ((u) => (u.user + u.system) / 1e6)(process.cpuUsage()),
  counters: Object.fromEntries(
    await Promise.all(procs.map(async (p) => [p.label, await counters(p)])),
  ),
  apiserver: await apiserverRequests(kc),
  git: { ...git.requests },
  redisCommands: Number(
    /total_commands_processed:(\d+)/.exec(await redisClient.info('stats'))?.[1],
  ),
  redisCalls: Object.fromEntries(
    [...(await redisClient.info('commandstats')).matchAll(/^cmdstat_([\w|]+):calls=(\d+)/gm)].map(
      (m) => [m[1]!, Number(m[2])],
    ),
  ) as Record<string, number>,
  loadAvg: loadavg(),
});
type Snapshot = Awaited<ReturnType<typeof snapshot>>;
const cpuDelta = (a: Record<string, number>, b: Record<string, number>) =>
  Object.fromEntries(
    Object.keys(b).map((k) => [k, Number(((b[k] ?? 0) - (a[k] ?? 0)).toFixed(2))]),
  );
const between = (a: Snapshot, b: Snapshot) => ({
  seconds: Number(((b.at - a.at) / 1000).toFixed(1)),
  cpuSeconds: Object.fromEntries(
    procs.map((p) => [
      p.label,
      Number((b.procs[p.label]!.cpuSeconds - a.procs[p.label]!.cpuSeconds).toFixed(2)),
    ]),
  ),
  // The apiserver and etcd, when they run on this machine (shared with other work).
  controlPlaneCpuSeconds: cpuDelta(a.controlPlane, b.controlPlane),
  // The run's own nats-server and redis-server.
  busCpuSeconds: cpuDelta(a.bus, b.bus),
  benchCpuSeconds: Number((b.bench - a.bench).toFixed(2)),
  flotillaCounters: Object.fromEntries(
    procs.map((p) => [p.label, requestDelta(a.counters[p.label]!, b.counters[p.label]!)]),
  ),
  // Shared apiserver: other clients' requests are counted too.
  apiserverRequests: requestDelta(a.apiserver, b.apiserver),
  gitRequests: {
    infoRefs: b.git.infoRefs - a.git.infoRefs,
    uploadPack: b.git.uploadPack - a.git.uploadPack,
  },
  redisCommands: b.redisCommands - a.redisCommands,
  redisCalls: requestDelta(a.redisCalls, b.redisCalls),
  loadAvgEnd: b.loadAvg,
});

const results: Record<string, unknown> = {
  label,
  date: new Date().toISOString(),
  machine: { ...machine, apiserverAtStart },
  options: {
    apps: N,
    objects: OBJECTS,
    repos: REPOS,
    processes: P,
    pollIntervalSeconds: POLL_S,
    roleEnv: extraEnv,
    memoryLimitsMiB: Object.fromEntries(
      Object.entries(memoryLimits).map(([k, v]) => [k, v / 2 ** 20]),
    ),
    floorConcurrency,
    freshApiserver: o['fresh-apiserver'],
  },
};

// Round 1: create every Application at once.
target = new Map(Array.from({ length: N }, (_, i) => [appName(i), heads[repoOf(i)]!]));
const before = await snapshot();
// Each role's memory with no app yet: what grows from here is the apps' cost.
const rssAtStart = Object.fromEntries(
  Object.entries(before.procs).map(([k, v]) => [k, Number(v.rssMiB.toFixed(1))]),
);
const apiserverProfile =
  APISERVER_PROF_S > 0
    ? apiserverProf(kubeconfig, APISERVER_PROF_S, o.logs ?? tmpdir())
    : undefined;
/** Creates app `i` in `namespace` (deploying to `destination`); returns its path. */
const createApp = async (i: number, namespace: string, destination: string) => {
  const path = `/apis/${API_VERSION}/namespaces/${namespace}/${APPLICATION.plural}`;
  await rawRequest(kc, {
    method: 'POST',
    path,
    body: {
      apiVersion: API_VERSION,
      kind: APPLICATION.kind,
      metadata: { name: appName(i), namespace },
      spec: {
        project: 'default',
        source: {
          repoURL: `${git.baseUrl}/fleet-${repoOf(i)}.git`,
          targetRevision: 'main',
          path: appName(i),
        },
        destination: { server: 'https://kubernetes.default.svc', namespace: destination },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    },
  });
  return `${path}/${appName(i)}`;
};
await parallel(N, Number(o['create-concurrency']), async (i) => {
  clock.mark(appName(i), 'created');
  await createApp(i, ns, dest);
});
log(`${N} Applications created`);
await waitAll('create → Synced/Healthy');
const created = { ...roundResult(), usage: between(before, await snapshot()) };
results['create'] = created;
log(
  `create: ${created.apps} apps in ${created.wallSeconds} s = ${created.appsPerSecond} apps/s; ` +
    `latency p50 ${created.latency.p50.toFixed(2)} s, p99 ${created.latency.p99.toFixed(2)} s`,
);
for (const [stage, s] of Object.entries(created.stages)) {
  log(`  ${stage.padEnd(34)} p50 ${s.p50.toFixed(2)} s  p99 ${s.p99.toFixed(2)} s  (n=${s.n})`);
}
logUsage(created.usage);

/** CPU per process and Flotilla's apiserver requests per app (with their mean time) of a round. */
function logUsage(u: ReturnType<typeof between>): void {
  log(
    `  CPU s: ${JSON.stringify({ ...u.cpuSeconds, ...u.busCpuSeconds, ...u.controlPlaneCpuSeconds, bench: u.benchCpuSeconds })}`,
  );
  const redis = Object.entries(u.redisCalls)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${(v / N).toFixed(2)}`);
  log(`  Redis commands per app: ${redis.join(', ')}`);
  const apiserver = Object.entries(u.apiserverRequests)
    .filter(([, v]) => v >= N / 100)
    .map(([k, v]) => `${k} ${(v / N).toFixed(2)}`);
  log(`  apiserver requests per app (all its clients): ${apiserver.join(', ')}`);
  for (const [role, c] of Object.entries(u.flotillaCounters)) {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(c)) {
      const m = /^flotilla_kube_requests_total\{method="(\w+)",resource="([^"]+)"\}$/.exec(k);
      if (!m) continue;
      const sum = c[`flotilla_kube_request_seconds_sum{method="${m[1]}",resource="${m[2]}"}`] ?? 0;
      parts.push(`${m[1]} ${m[2]} ${(v / N).toFixed(2)} (${((sum / v) * 1000).toFixed(0)} ms)`);
    }
    const work = Object.entries(c)
      .filter(([k]) => k.startsWith('flotilla_work_messages_total'))
      .map(([k, v]) => `${/outcome="(\w+)"/.exec(k)?.[1]} ${(v / N).toFixed(2)}`);
    if (parts.length || work.length)
      log(
        `  ${role} per app: ${[...parts, ...(work.length ? [`work ${work.join(', ')}`] : [])].join('; ')}`,
      );
  }
}

if (apiserverProfile) {
  const top = await apiserverProfile;
  results['apiserverProfile'] = top;
  log(`top functions of kube-apiserver over ${APISERVER_PROF_S} s (flat, cumulative):`);
  for (const line of top) log(`  ${line}`);
}

if (o['commit-all']) {
  clock.reset();
  done.clear();
  // Counted from before the commits: the pushes start work at once.
  const b0 = await snapshot();
  const t = performance.now();
  heads = await commitRound(1);
  await parallel(REPOS, 8, announcePush);
  target = new Map(Array.from({ length: N }, (_, i) => [appName(i), heads[repoOf(i)]!]));
  for (const name of target.keys()) clock.mark(name, 'created', t);
  for (const a of informer.list()) look(a);
  await waitAll('commit → Synced');
  const c = { ...roundResult(), usage: between(b0, await snapshot()) };
  results['commitAll'] = c;
  log(
    `commit-all: ${c.apps} apps in ${c.wallSeconds} s = ${c.appsPerSecond} apps/s; ` +
      `latency p50 ${c.latency.p50.toFixed(2)} s, p99 ${c.latency.p99.toFixed(2)} s`,
  );
  for (const [stage, s] of Object.entries(c.stages)) {
    log(`  ${stage.padEnd(34)} p50 ${s.p50.toFixed(2)} s  p99 ${s.p99.toFixed(2)} s  (n=${s.n})`);
  }
  logUsage(c.usage);
}

if (IDLE_S > 0) {
  log(`idle for ${IDLE_S} s`);
  const i0 = await snapshot();
  await new Promise((r) => setTimeout(r, IDLE_S * 1000));
  const idle = between(i0, await snapshot());
  results['idle'] = idle;
  log(`idle: CPU s ${JSON.stringify(idle.cpuSeconds)}`);
  log(`idle: git ${JSON.stringify(idle.gitRequests)}, redis commands ${idle.redisCommands}`);
  log(`idle: Flotilla's apiserver requests ${JSON.stringify(idle.flotillaCounters)}`);
}

// Memory at the end.
const jsm = await jetstreamManager(nc);
const streams: Record<string, { messages: number; bytes: number }> = {};
for await (const s of jsm.streams.list()) {
  streams[s.config.name] = { messages: s.state.messages, bytes: s.state.bytes };
}
const memInfo = await redisClient.info('memory');
const rssAtEnd = Object.fromEntries(
  Object.entries(await sampleAll(procs)).map(([k, v]) => [k, Number(v.rssMiB.toFixed(1))]),
);
results['memory'] = {
  rssMiB: rssAtEnd,
  rssAtStartMiB: rssAtStart,
  rssGrowthMiB: Object.fromEntries(
    Object.entries(rssAtEnd).map(([k, v]) => [k, Number((v - (rssAtStart[k] ?? 0)).toFixed(1))]),
  ),
  breakdownMiB: Object.fromEntries(
    await Promise.all(
      procs
        .filter((p) => /^(differ|applier)-/.test(p.label))
        .map(async (p) => [p.label, await memoryBreakdown(p)] as const),
    ),
  ),
  redisUsedMemoryBytes: Number(/used_memory:(\d+)/.exec(memInfo)?.[1]),
  redisKeys: await redisClient.dbsize(),
  jetstream: streams,
};
log(`memory: ${JSON.stringify(results['memory'])}`);

if (o['heap-snapshot']) {
  const heaps: Record<string, string[]> = {};
  for (const p of procs.filter((p) => /^(differ|applier)-/.test(p.label))) {
    const dir = join(profDir, p.label);
    await mkdir(dir, { recursive: true });
    process.kill(p.pid, 'SIGUSR2');
    // The file appears when the snapshot starts; its size settles when it is written.
    let file = '';
    let size = -1;
    for (let tries = 0; tries < 600; tries++) {
      await new Promise((r) => setTimeout(r, 1000));
      const name = (await readdir(dir)).find((f) => f.endsWith('.heapsnapshot'));
      if (!name) continue;
      const now = (await stat(join(dir, name))).size;
      if (now > 0 && now === size) {
        file = join(dir, name);
        break;
      }
      size = now;
    }
    if (!file) throw new Error(`no heap snapshot from ${p.label}`);
    const summary = summarizeHeap(JSON.parse(await readFile(file, 'utf8')));
    const lines = formatHeap(summary, 25);
    heaps[p.label] = lines;
    // Kept for a closer look (retained sizes, in Chrome's DevTools or memlab).
    const kept = join(tmpdir(), `flotilla-heap-${label}-${p.label}.heapsnapshot`);
    await rename(file, kept).catch(() => copyFile(file, kept));
    lines.push(`snapshot: ${kept}`);
  }
  results['heaps'] = heaps;
  for (const [label, lines] of Object.entries(heaps)) {
    log(`heap of ${label}:`);
    for (const line of lines) log(`  ${line}`);
  }
}

await informer.stop();
clock.stop();
await nc.close();
redisClient.disconnect();
await Promise.all(procs.map(stopRole));

if (o['cpu-prof']) {
  const profiles: Record<string, unknown> = {};
  for (const p of procs) {
    const dir = join(profDir, p.label);
    const files = await readdir(dir).catch(() => []);
    if (files[0]) profiles[p.label] = await topFrames(join(dir, files[0]));
  }
  results['cpuProfiles'] = profiles;
  for (const [k, prof] of Object.entries(profiles)) {
    const { busyPercent, frames } = prof as Awaited<ReturnType<typeof topFrames>>;
    log(`top frames of ${k} (busy ${busyPercent} % of the run; shares of the busy time):`);
    for (const f of frames) {
      log(`  ${String(f.percent).padStart(5)} %  ${f.frame}`);
    }
  }
}

if (!o['no-floor']) {
  // The same Applications in a namespace no role watches (the roles are stopped too).
  if (o['fresh-apiserver']) await restartControlPlane();
  const floorNs = `${ns}-floor`;
  await createNamespace(kc, floorNs);
  const apps = await appFloor(
    kc,
    `${dest}-app`,
    N,
    floorConcurrency,
    (i) => createApp(i, floorNs, `${dest}-app`),
    (i) => syncedStatus(i, heads[repoOf(i)]!, `${dest}-app`),
  );
  const ssa = await ssaFloor(kc, `${dest}-ssa`, N, floorConcurrency);
  const kubectl = await resolveTool('kubectl', { cacheDir: userCacheDir(process.env) });
  const one = await kubectlFloor(kc, kubectl, kubeconfig, `${dest}-kubectl`, N, tmp);
  results['floor'] = {
    appSeconds: Number(apps.toFixed(2)),
    appPerSecond: Number((N / apps).toFixed(1)),
    ssaSeconds: Number(ssa.toFixed(2)),
    ssaPerSecond: Number((N / ssa).toFixed(1)),
    ssaConcurrency: floorConcurrency,
    kubectlSeconds: Number(one.toFixed(2)),
    kubectlPerSecond: Number((N / one).toFixed(1)),
  };
  log(
    `floor: plain SSA x${floorConcurrency}: ${N} in ${ssa.toFixed(2)} s = ${(N / ssa).toFixed(1)}/s; ` +
      `kubectl apply --server-side (one call): ${one.toFixed(2)} s = ${(N / one).toFixed(1)}/s`,
  );
  log(
    `floor: the whole job by a plain client x${floorConcurrency} (Application created, ConfigMap ` +
      `applied, one status write): ${N} in ${apps.toFixed(2)} s = ${(N / apps).toFixed(1)}/s`,
  );
  log(
    `Flotilla ${created.appsPerSecond} apps/s = ${(N / apps / created.appsPerSecond || 0).toFixed(1)}x below ` +
      `the whole-job floor, ${(N / ssa / created.appsPerSecond || 0).toFixed(1)}x below the ConfigMap SSA floor. ` +
      'Anchors: Argo CD 10,000 apps ~3 apps/s (defaults), ~21 apps/s (10 shards); Flux 1,000 Kustomizations ~4/s.',
  );
}
results['loadAvgEnd'] = loadavg();

/** A status of the shape Flotilla's end write records for app `i` synced at `revision`. */
function syncedStatus(i: number, revision: string, destination: string) {
  const at = new Date().toISOString();
  const source = {
    repoURL: `${git.baseUrl}/fleet-${repoOf(i)}.git`,
    targetRevision: 'main',
    path: appName(i),
  };
  const resource = {
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    namespace: destination,
    name: `cm-${i}`,
    status: 'Synced',
  };
  return {
    sync: { status: 'Synced', revision },
    health: { status: 'Healthy', lastTransitionTime: at },
    reconciledAt: at,
    resources: [resource],
    history: [
      {
        id: 0,
        revision,
        source,
        deployStartedAt: at,
        deployedAt: at,
        initiatedBy: { automated: true },
      },
    ],
    operationState: {
      phase: 'Succeeded',
      message: 'successfully synced (all tasks run)',
      startedAt: at,
      finishedAt: at,
      operation: {
        initiatedBy: { automated: true },
        retry: { limit: 5 },
        sync: { prune: true, revision },
      },
      syncResult: {
        revision,
        source,
        resources: [{ ...resource, hookPhase: 'Running', syncPhase: 'Sync', message: 'applied' }],
      },
    },
  };
}

const out = join(import.meta.dirname, 'results', `${label}.json`);
await mkdir(join(import.meta.dirname, 'results'), { recursive: true });
await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
log(`results: ${out}`);
// Leftover keep-alive sockets must not hold the process once everything is disposed.
setTimeout(() => process.exit(0), 30_000).unref();
