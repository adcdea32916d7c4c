import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request as httpRequest } from 'node:http';
import { freePort, isListening, waitFor } from '@flotilla/runtime';
import { VERSIONS, provisionControlPlane, type ControlPlaneBinaries } from '@flotilla/toolchain';
import { apiRequest, type ApiTarget } from './api.js';
import { ClusterError } from './errors.js';
import { renderKubeconfig } from './kubeconfig.js';
import { clusterLayout, type ClusterLayout } from './layout.js';
import { ADMIN_USER, ensureCredentials, type ClusterCredentials } from './pki.js';
import { findProcesses, isAliveWith, spawnDetached, stopProcesses } from './processes.js';
import { COMPONENTS, readState, writeState, type ClusterState, type Component } from './state.js';

/** Name of the single simulated node. */
export const NODE_NAME = 'kwok-node-0';
/** Pod annotation that makes the pod end Failed (see stages/pod-stages.yaml). */
export const TEST_FAIL_ANNOTATION = 'flotilla.dev/test-fail';
/** Pod annotation holding a Go duration a pod stays Running before it finishes. */
export const TEST_DURATION_ANNOTATION = 'flotilla.dev/test-duration';

/** Options shared by {@link clusterUp}, {@link clusterDown} and {@link clusterStatus}. */
export interface ClusterOptions {
  /** Workspace root; state goes to `<root>/.flotilla`. */
  readonly root: string;
  /** User cache dir holding the built binaries. */
  readonly cacheDir: string;
  /** Environment passed to the Go toolchain when binaries must be built. */
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (msg: string) => void;
}

/** What a running cluster looks like from outside. */
export interface ClusterInfo {
  readonly kubeconfig: string;
  readonly server: string;
  readonly version: string;
  readonly pids: Partial<Record<Component, number>>;
  /** How long `up` took, when it started anything. */
  readonly startMs?: number;
}

/** Status of the cluster: which components run and whether the apiserver answers. */
export interface ClusterStatus {
  readonly running: boolean;
  readonly healthy: boolean;
  readonly components: Partial<Record<Component, { pid: number; alive: boolean }>>;
  readonly server?: string;
  readonly kubeconfig: string;
}

const stagesFile = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'stages',
  'pod-stages.yaml',
);

function target(state: ClusterState, creds: ClusterCredentials, ca: string): ApiTarget {
  return { server: `https://127.0.0.1:${state.ports.apiserver}`, ca, token: creds.adminToken };
}

async function readyz(t: ApiTarget): Promise<boolean> {
  try {
    return (await apiRequest(t, 'GET', '/readyz', undefined, 2_000)).status === 200;
  } catch {
    return false;
  }
}

function etcdHealthy(port: number): Promise<boolean> {
  return new Promise((res) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/health', timeout: 1_000 }, (r) => {
      let body = '';
      r.on('data', (c: Buffer) => (body += c.toString()));
      r.on('end', () => res(r.statusCode === 200 && body.includes('true')));
    });
    req.on('error', () => res(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function pickPort(previous: number | undefined): Promise<number> {
  if (previous && !(await isListening(previous))) return previous;
  return freePort();
}

/** Reports which components run and whether the apiserver is ready. */
export async function clusterStatus(options: Pick<ClusterOptions, 'root'>): Promise<ClusterStatus> {
  const layout = clusterLayout(options.root);
  const state = await readState(layout.stateFile);
  if (!state)
    return { running: false, healthy: false, components: {}, kubeconfig: layout.kubeconfig };
  const components: Partial<Record<Component, { pid: number; alive: boolean }>> = {};
  for (const c of COMPONENTS) {
    const pid = state.pids[c];
    if (pid) components[c] = { pid, alive: await isAliveWith(pid, layout.dir) };
  }
  const running = COMPONENTS.every((c) => components[c]?.alive);
  let healthy = false;
  if (running) {
    const creds = await ensureCredentials(layout.pki);
    const ca = await readFile(creds.servingCert, 'utf8').catch(() => '');
    healthy = ca !== '' && (await readyz(target(state, creds, ca)));
  }
  return {
    running,
    healthy,
    components,
    server: `https://127.0.0.1:${state.ports.apiserver}`,
    kubeconfig: layout.kubeconfig,
  };
}

/** Stops every process of the cluster (found by state and by command line), keeping its data unless `purge`. */
export async function clusterDown(
  options: Pick<ClusterOptions, 'root'> & { purge?: boolean },
): Promise<number> {
  const layout = clusterLayout(options.root);
  const state = await readState(layout.stateFile);
  const pids = new Set<number>(await findProcesses(layout.dir));
  for (const c of COMPONENTS) {
    const pid = state?.pids[c];
    if (pid && (await isAliveWith(pid, layout.dir))) pids.add(pid);
  }
  // Stop in reverse start order so etcd goes last.
  const ordered = [...pids].sort((a, b) => b - a);
  await stopProcesses(ordered);
  if (state) await writeState(layout.stateFile, { ...state, pids: {} });
  if (options.purge) await rm(layout.dir, { recursive: true, force: true });
  return ordered.length;
}

function componentArgs(
  c: Component,
  layout: ClusterLayout,
  ports: ClusterState['ports'],
  creds: ClusterCredentials,
): string[] {
  switch (c) {
    case 'etcd':
      return [
        '--name=flotilla-dev',
        `--data-dir=${layout.etcdData}`,
        `--listen-client-urls=http://127.0.0.1:${ports.etcd}`,
        `--advertise-client-urls=http://127.0.0.1:${ports.etcd}`,
        `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
        `--initial-cluster=flotilla-dev=http://127.0.0.1:${ports.etcdPeer}`,
        '--unsafe-no-fsync=true',
        '--quota-backend-bytes=4294967296',
        '--log-level=warn',
      ];
    case 'kube-apiserver':
      return [
        `--etcd-servers=http://127.0.0.1:${ports.etcd}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${ports.apiserver}`,
        `--cert-dir=${layout.pki}`,
        `--token-auth-file=${creds.tokenFile}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${creds.saPub}`,
        `--service-account-signing-key-file=${creds.saKey}`,
        '--service-cluster-ip-range=10.96.0.0/16',
        '--authorization-mode=RBAC',
        '--allow-privileged=true',
        '--enable-priority-and-fairness=false',
        // /debug/pprof, behind RBAC, for `bench/scale --apiserver-prof`: idle unless asked.
        '--profiling=true',
        '--watch-cache=true',
        '--v=0',
      ];
    case 'kube-controller-manager':
      return [
        `--kubeconfig=${layout.componentKubeconfig}`,
        `--authentication-kubeconfig=${layout.componentKubeconfig}`,
        `--authorization-kubeconfig=${layout.componentKubeconfig}`,
        `--service-account-private-key-file=${creds.saKey}`,
        `--root-ca-file=${creds.servingCert}`,
        '--use-service-account-credentials=false',
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        '--secure-port=0',
        '--controllers=*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller,-persistentvolume-expander',
        '--concurrent-deployment-syncs=10',
        '--concurrent-replicaset-syncs=10',
        '--concurrent-job-syncs=10',
        '--profiling=false',
        '--v=0',
      ];
    case 'kube-scheduler':
      return [
        `--kubeconfig=${layout.componentKubeconfig}`,
        `--authentication-kubeconfig=${layout.componentKubeconfig}`,
        `--authorization-kubeconfig=${layout.componentKubeconfig}`,
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        '--secure-port=0',
        '--profiling=false',
        '--v=0',
      ];
    case 'kwok':
      return [
        `--kubeconfig=${layout.componentKubeconfig}`,
        '--manage-all-nodes=false',
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        `--config=${stagesFile}`,
        '--cidr=10.244.0.1/16',
        '--node-ip=10.0.0.1',
        // Keep the node's Lease renewed: without it the node lifecycle controller marks
        // the node, and every pod on it, NotReady about 40 s after start.
        '--node-lease-duration-seconds=40',
      ];
  }
}

function spawnComponent(
  binaries: ControlPlaneBinaries,
  c: Component,
  layout: ClusterLayout,
  ports: ClusterState['ports'],
  creds: ClusterCredentials,
): number {
  return spawnDetached(
    binaries[c],
    componentArgs(c, layout, ports, creds),
    join(layout.logs, `${c}.log`),
    layout.dir,
  );
}

async function expectComponentAlive(
  layout: ClusterLayout,
  c: Component,
  pid: number | undefined,
): Promise<void> {
  if (!pid || !(await isAliveWith(pid, layout.dir))) {
    const logFile = join(layout.logs, `${c}.log`);
    const tail = (await readFile(logFile, 'utf8').catch(() => ''))
      .trim()
      .split('\n')
      .slice(-15)
      .join('\n');
    throw new ClusterError(`${c} exited during start-up; last log lines:\n${tail}`, logFile);
  }
}

const nodeManifest = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name: NODE_NAME,
    annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    labels: {
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/hostname': NODE_NAME,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/role': 'agent',
      'node-role.kubernetes.io/agent': '',
      type: 'kwok',
    },
  },
  spec: {},
};

async function nodeReady(t: ApiTarget): Promise<boolean> {
  const res = await apiRequest(t, 'GET', `/api/v1/nodes/${NODE_NAME}`).catch(() => undefined);
  if (res?.status !== 200) return false;
  const node = JSON.parse(res.body) as {
    status?: { conditions?: { type: string; status: string }[] };
  };
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

async function defaultServiceAccount(t: ApiTarget): Promise<boolean> {
  const res = await apiRequest(
    t,
    'GET',
    '/api/v1/namespaces/default/serviceaccounts/default',
  ).catch(() => undefined);
  return res?.status === 200;
}

/**
 * Brings the development control plane up: builds the binaries on first use,
 * then starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
 * KWOK with one simulated node, and writes `.flotilla/kubeconfig`. Idempotent:
 * a healthy cluster is left as it is; leftovers of a crashed one are stopped
 * and the cluster is started again on its existing data.
 */
export async function clusterUp(options: ClusterOptions): Promise<ClusterInfo> {
  const log = options.log ?? (() => undefined);
  const layout = clusterLayout(options.root);
  const binaries = await provisionControlPlane({
    cacheDir: options.cacheDir,
    env: options.env,
    log,
  });
  const status = await clusterStatus(options);
  const previous = await readState(layout.stateFile);
  if (status.healthy && previous) {
    return {
      kubeconfig: layout.kubeconfig,
      server: status.server ?? '',
      version: previous.version,
      pids: previous.pids,
    };
  }
  const started = Date.now();
  const stale = await clusterDown(options);
  if (stale > 0) log(`stopped ${stale} leftover process(es) of a previous run`);
  await mkdir(layout.logs, { recursive: true });
  await mkdir(layout.etcdData, { recursive: true, mode: 0o700 });
  const creds = await ensureCredentials(layout.pki);
  const ports = {
    etcd: await pickPort(previous?.ports.etcd),
    etcdPeer: await pickPort(previous?.ports.etcdPeer),
    apiserver: await pickPort(previous?.ports.apiserver),
  };
  const pids: Partial<Record<Component, number>> = {};
  const state = (): ClusterState => ({
    version: VERSIONS.kubernetes,
    ports,
    pids,
    startedAt: new Date(started).toISOString(),
  });
  const start = async (c: Component) => {
    pids[c] = spawnComponent(binaries, c, layout, ports, creds);
    await writeState(layout.stateFile, state());
  };
  const expectAlive = (c: Component) => expectComponentAlive(layout, c, pids[c]);

  try {
    await start('etcd');
    await waitFor('etcd', async () => (await expectAlive('etcd'), etcdHealthy(ports.etcd)), {
      timeoutMs: 30_000,
    });
    log(`etcd ${VERSIONS.etcd} ready on 127.0.0.1:${ports.etcd}`);

    await start('kube-apiserver');
    let t: ApiTarget | undefined;
    await waitFor(
      'kube-apiserver /readyz',
      async () => {
        await expectAlive('kube-apiserver');
        const ca = await readFile(creds.servingCert, 'utf8').catch(() => '');
        if (!ca) return false;
        t = target(state(), creds, ca);
        return readyz(t);
      },
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    if (!t) throw new ClusterError('kube-apiserver never wrote its serving certificate');
    const api = t;
    log(`kube-apiserver ${VERSIONS.kubernetes} ready on ${api.server}`);

    const kubeconfig = renderKubeconfig({
      name: 'flotilla-dev',
      server: api.server,
      caPem: api.ca,
      user: ADMIN_USER,
      token: creds.adminToken,
    });
    await writeFile(layout.componentKubeconfig, kubeconfig, { mode: 0o600 });
    await mkdir(dirname(layout.kubeconfig), { recursive: true });
    await writeFile(layout.kubeconfig, kubeconfig, { mode: 0o600 });

    for (const c of ['kube-controller-manager', 'kube-scheduler', 'kwok'] as const) await start(c);

    const created = await apiRequest(api, 'POST', '/api/v1/nodes', nodeManifest);
    if (created.status !== 201 && created.status !== 409) {
      throw new ClusterError(
        `creating node ${NODE_NAME} failed: HTTP ${created.status} ${created.body}`,
      );
    }
    await waitFor(
      `node ${NODE_NAME} Ready and the default ServiceAccount`,
      async () => {
        for (const c of ['kube-controller-manager', 'kube-scheduler', 'kwok'] as const)
          await expectAlive(c);
        return (await nodeReady(api)) && (await defaultServiceAccount(api));
      },
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    const startMs = Date.now() - started;
    log(`cluster ready in ${(startMs / 1000).toFixed(1)} s; kubeconfig: ${layout.kubeconfig}`);
    return {
      kubeconfig: layout.kubeconfig,
      server: api.server,
      version: VERSIONS.kubernetes,
      pids,
      startMs,
    };
  } catch (err) {
    await clusterDown(options);
    throw err instanceof ClusterError
      ? err
      : new ClusterError((err as Error).message, undefined, { cause: err });
  }
}

/**
 * Stops one component of the cluster and keeps the others and all data, e.g.
 * the kube-apiserver to see how clients live through its restart. Resolves
 * once the process is gone; a component that is not running is left alone.
 */
export async function stopComponent(
  options: Pick<ClusterOptions, 'root'>,
  component: Component,
): Promise<void> {
  const layout = clusterLayout(options.root);
  const state = await readState(layout.stateFile);
  if (!state) throw new ClusterError(`no cluster state under ${layout.dir}`);
  const pid = state.pids[component];
  if (pid && (await isAliveWith(pid, layout.dir))) await stopProcesses([pid]);
  const { [component]: _stopped, ...pids } = state.pids;
  await writeState(layout.stateFile, { ...state, pids });
}

/**
 * Starts one stopped component again with the cluster's recorded ports and
 * credentials. Resolves when it is ready: etcd healthy, the apiserver's
 * `/readyz` answering, the other components alive.
 */
export async function startComponent(options: ClusterOptions, component: Component): Promise<void> {
  const layout = clusterLayout(options.root);
  const state = await readState(layout.stateFile);
  if (!state) throw new ClusterError(`no cluster state under ${layout.dir}`);
  const running = state.pids[component];
  if (running && (await isAliveWith(running, layout.dir))) return;
  const binaries = await provisionControlPlane({
    cacheDir: options.cacheDir,
    env: options.env,
    ...(options.log ? { log: options.log } : {}),
  });
  const creds = await ensureCredentials(layout.pki);
  const pid = spawnComponent(binaries, component, layout, state.ports, creds);
  await writeState(layout.stateFile, { ...state, pids: { ...state.pids, [component]: pid } });
  const alive = () => expectComponentAlive(layout, component, pid);
  if (component === 'etcd') {
    await waitFor('etcd', async () => (await alive(), etcdHealthy(state.ports.etcd)), {
      timeoutMs: 30_000,
    });
  } else if (component === 'kube-apiserver') {
    const ca = await readFile(creds.servingCert, 'utf8');
    await waitFor(
      'kube-apiserver /readyz',
      async () => (await alive(), readyz(target(state, creds, ca))),
      {
        timeoutMs: 90_000,
        intervalMs: 200,
      },
    );
  } else {
    await alive();
  }
}

/** A control plane of its own under a temporary root; see {@link temporaryCluster}. */
export interface TemporaryCluster extends AsyncDisposable {
  readonly root: string;
  readonly kubeconfig: string;
  readonly server: string;
  stop(component: Component): Promise<void>;
  start(component: Component): Promise<void>;
}

/**
 * Brings up a private control plane under a fresh temporary root (free ports,
 * its own etcd), for tests that must stop or restart parts of a cluster
 * without disturbing a shared one. Disposing it stops every process and
 * removes the root.
 */
export async function temporaryCluster(
  options: Omit<ClusterOptions, 'root'>,
): Promise<TemporaryCluster> {
  const root = await mkdtemp(join(tmpdir(), 'flotilla-cluster-'));
  const full = { ...options, root };
  try {
    const info = await clusterUp(full);
    return {
      root,
      kubeconfig: info.kubeconfig,
      server: info.server,
      stop: (c) => stopComponent(full, c),
      start: (c) => startComponent(full, c),
      async [Symbol.asyncDispose]() {
        await clusterDown({ root, purge: true });
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
}
