// Role processes for the scale bench: `flotilla run <role>` children, each
// with its own ops port, sampled for CPU seconds and RSS from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { freePort, waitFor } from '@flotilla/runtime';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'cli', 'bin', 'flotilla.mjs');
const TICKS = 100; // USER_HZ on Linux

/** One running role process. */
export interface RoleProc {
  readonly label: string;
  readonly pid: number;
  readonly opsPort: number;
  readonly child: ChildProcess;
  /** The last lines it wrote, for failure messages. */
  readonly tail: string[];
}

/** CPU seconds (user + system) and resident memory of a process. */
export interface ProcSample {
  readonly cpuSeconds: number;
  readonly rssMiB: number;
}

/** Starts `flotilla run <roles...>` with `env` and waits for /readyz. */
export async function startRole(
  label: string,
  roles: readonly string[],
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
  /** A file that gets the role's whole log (stdout and stderr). */
  logFile?: string,
  /** A memory limit (bytes) in a cgroup of its own, as a container's: node sizes its heap from it. */
  memoryLimit?: number,
): Promise<RoleProc> {
  const opsPort = await freePort();
  const argv = [...nodeArgs, CLI, 'run', ...roles];
  const cgroup = memoryLimit ? await memoryCgroup(label, memoryLimit) : undefined;
  // The shell joins the cgroup, then becomes node (same pid), so node starts inside it.
  const child = spawn(
    cgroup ? '/bin/sh' : process.execPath,
    cgroup ? ['-c', 'echo $$ > "$0" && exec "$@"', cgroup.procs, process.execPath, ...argv] : argv,
    {
      cwd: ROOT,
      env: { ...process.env, ...env, FLOTILLA_OPS_ADDR: `127.0.0.1:${opsPort}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  if (cgroup) child.once('exit', () => void rmdir(cgroup.dir).catch(() => undefined));
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (tail.length > 50) tail.shift();
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  if (logFile) {
    const out = createWriteStream(logFile);
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.once('exit', () => out.end());
  }
  await waitFor(
    `${label} ready`,
    async () => {
      if (child.exitCode !== null) throw new Error(`${label} exited:\n${tail.join('\n')}`);
      const res = await fetch(`http://127.0.0.1:${opsPort}/readyz`).catch(() => undefined);
      return res?.status === 200;
    },
    { timeoutMs: 120_000, intervalMs: 250 },
  );
  return { label, pid: child.pid ?? 0, opsPort, child, tail };
}

/** Stops a role process with SIGTERM (so a CPU profile is written) and waits for it. */
export async function stopRole(p: RoleProc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  const force = setTimeout(() => p.child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(force);
}

/** CPU seconds and RSS of `pid` now (zeros once it is gone). */
export async function sample(pid: number): Promise<ProcSample> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { cpuSeconds, rssMiB: rssKiB / 1024 };
  } catch {
    return { cpuSeconds: 0, rssMiB: 0 };
  }
}

/** Samples every process, by label. */
export async function sampleAll(procs: readonly RoleProc[]): Promise<Record<string, ProcSample>> {
  const out: Record<string, ProcSample> = {};
  for (const p of procs) out[p.label] = await sample(p.pid);
  return out;
}

/**
 * Where a role's resident memory is, in MiB: anonymous pages (the V8 heap,
 * malloc) against file pages (the node binary and libraries, shared), and
 * what V8 says of its heap (committed, used) and of memory outside it.
 */
export async function memoryBreakdown(p: RoleProc): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const status = await readFile(`/proc/${p.pid}/status`, 'utf8').catch(() => '');
  for (const field of ['VmRSS', 'RssAnon', 'RssFile']) {
    const kib = new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1];
    if (kib) out[field] = Number((Number(kib) / 1024).toFixed(1));
  }
  const res = await fetch(`http://127.0.0.1:${p.opsPort}/metrics`).catch(() => undefined);
  const text = res?.ok ? await res.text() : '';
  const gauges: [string, string][] = [
    ['heapTotal', 'flotilla_nodejs_heap_size_total_bytes'],
    ['heapUsed', 'flotilla_nodejs_heap_size_used_bytes'],
    ['external', 'flotilla_nodejs_external_memory_bytes'],
  ];
  for (const [k, metric] of gauges) {
    const v = new RegExp(`^${metric} ([0-9.e+-]+)$`, 'm').exec(text)?.[1];
    if (v) out[k] = Number((Number(v) / 1048576).toFixed(1));
  }
  for (const m of text.matchAll(
    /^flotilla_nodejs_heap_space_size_total_bytes\{space="(\w+)"\} ([0-9.e+-]+)$/gm,
  )) {
    out[`space ${m[1]}`] = Number((Number(m[2]) / 1048576).toFixed(1));
  }
  return out;
}

/** Counters of a role process's /metrics, by metric name and labels. */
export async function counters(p: RoleProc): Promise<Record<string, number>> {
  const res = await fetch(`http://127.0.0.1:${p.opsPort}/metrics`).catch(() => undefined);
  const out: Record<string, number> = {};
  if (!res?.ok) return out;
  for (const line of (await res.text()).split('\n')) {
    const m = /^(flotilla_[a-z_]+_(?:total|sum|count))(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    // Per-app series (flotilla_app_*) would be N keys each; the role totals say enough.
    if (!m || m[1]!.startsWith('flotilla_app_')) continue;
    const key = `${m[1]}${m[2] ?? ''}`;
    out[key] = (out[key] ?? 0) + Number(m[3]);
  }
  return out;
}

/**
 * The control plane's processes on this machine (kube-apiserver, etcd, and the local
 * control plane's controller manager, scheduler and KWOK), found
 * by command name; empty when the cluster runs elsewhere. With `server` (the
 * kubeconfig's URL), the apiserver listening on its port and the etcd it
 * uses, when other control planes run beside it. Other work on a shared
 * cluster counts in their CPU too.
 */
export async function controlPlanePids(server?: string): Promise<Record<string, number>> {
  const components = {
    'kube-controller': 'kube-controller-manager',
    'kube-scheduler': 'kube-scheduler',
    kwok: 'kwok',
  };
  const procs = await processes(['kube-apiserver', 'etcd', ...Object.keys(components)]);
  const port = server ? new URL(server).port : undefined;
  const apiserver = procs.find(
    (p) => p.comm === 'kube-apiserver' && (!port || p.args.includes(`--secure-port=${port}`)),
  );
  const etcdUrl = /--etcd-servers=(\S+)/.exec(apiserver?.args ?? '')?.[1]?.split(',')[0];
  const etcd = procs.find(
    (p) =>
      p.comm === 'etcd' &&
      (!etcdUrl || new RegExp(`--listen-client-urls=\\S*${etcdUrl}`).test(p.args)),
  );
  // The local control plane's other processes (`flotilla dev cluster`), which read the
  // files of the apiserver's directory: the namespace controller's deletes, KWOK's nodes.
  const dir = /--cert-dir=(\S+)\/pki\b/.exec(apiserver?.args ?? '')?.[1];
  const others = dir ? procs.filter((p) => p.comm in components && p.args.includes(`${dir}/`)) : [];
  return {
    ...(apiserver ? { 'kube-apiserver': apiserver.pid } : {}),
    ...(etcd ? { etcd: etcd.pid } : {}),
    ...Object.fromEntries(
      others.map((p) => [components[p.comm as keyof typeof components], p.pid]),
    ),
  };
}

/** This machine's processes of the given command names, with their arguments. */
async function processes(names: readonly string[]) {
  const procs: { pid: number; comm: string; args: string }[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = (await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '')).trim();
    if (!names.includes(comm)) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).replaceAll(
      '\0',
      ' ',
    );
    procs.push({ pid: Number(entry), comm, args });
  }
  return procs;
}

/**
 * The run's own nats-server and redis-server (found by the port each listens
 * on): their CPU is Flotilla's cost as much as the roles' is.
 */
export async function busPids(natsPort: number, redisPort: number) {
  const procs = await processes(['nats-server', 'redis-server']);
  const nats = procs.find((p) => p.comm === 'nats-server' && p.args.includes(` -p ${natsPort} `));
  const redis = procs.find(
    (p) =>
      p.comm === 'redis-server' &&
      new RegExp(`(--port ${redisPort}|:${redisPort})\\b`).test(p.args),
  );
  return {
    ...(nats ? { 'nats-server': nats.pid } : {}),
    ...(redis ? { 'redis-server': redis.pid } : {}),
  };
}

/**
 * A memory cgroup below this process's own, limited to `bytes` (cgroup v1's
 * memory controller, or v2 where this process's cgroup may have children
 * with the memory controller). Throws, saying why, where neither is possible.
 */
async function memoryCgroup(label: string, bytes: number) {
  const lines = (await readFile('/proc/self/cgroup', 'utf8')).split('\n');
  const name = `flotilla-bench-${label}-${process.pid}`;
  const v1 = lines.map((l) => /^\d+:memory:(.*)$/.exec(l)?.[1]).find((p) => p !== undefined);
  const v2 = lines.map((l) => /^0::(.*)$/.exec(l)?.[1]).find((p) => p !== undefined);
  const attempts: [string, string][] = [];
  if (v1 !== undefined)
    attempts.push([join('/sys/fs/cgroup/memory', v1, name), 'memory.limit_in_bytes']);
  if (v2 !== undefined) attempts.push([join('/sys/fs/cgroup', v2, name), 'memory.max']);
  const problems: string[] = [];
  for (const [dir, file] of attempts) {
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, file), String(bytes));
      return { dir, procs: join(dir, 'cgroup.procs') };
    } catch (err) {
      problems.push(`${dir}: ${(err as Error).message}`);
      await rmdir(dir).catch(() => undefined);
    }
  }
  throw new Error(
    `cannot make a memory cgroup for ${label}: ${problems.join('; ') || 'no memory controller'}`,
  );
}
