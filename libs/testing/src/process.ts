import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { waitFor } from '@flotilla/runtime';
import type { TestEnv } from './env.js';

const root = resolve(import.meta.dirname, '..', '..', '..');

/** One service run as its own process, as in production. */
export interface ServiceProcess extends AsyncDisposable {
  readonly service: string;
  readonly pid: number;
  /** Its JSON log lines so far, oldest first. */
  readonly lines: readonly Record<string, unknown>[];
  /** Lines of its stdout that were not JSON (also copied to the test's stderr). */
  readonly unparsed: readonly string[];
  /**
   * Sends `signal` (SIGKILL for a crash), waits until the process is gone with
   * all its output read, and returns its exit code (null when a signal ended it).
   */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * The environment a service process gets in a test: the env's private NATS
 * and Redis, its cluster, the Applications namespace, an ops port of its own,
 * and `extra` (role knobs such as short leases).
 */
export function serviceEnv(
  env: TestEnv,
  namespace: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    FLOTILLA_NATS_URL: env.nats.url,
    FLOTILLA_REDIS_URL: env.redis.url,
    KUBECONFIG: env.kube.kubeconfigPath,
    FLOTILLA_NAMESPACE: namespace,
    FLOTILLA_OPS_ADDR: '127.0.0.1:0',
    FLOTILLA_LOG_LEVEL: 'info',
    ...extra,
  };
}

/**
 * Starts `services/<service>/src/main.ts` in a child process and waits for
 * its "role started" line. Dispose (or `kill`) stops it; stderr and
 * unparsable output go to the test's stderr. With `command` (e.g. the role
 * inside an unpacked image, behind unshare and chroot) it runs that instead,
 * in a process group of its own that every signal goes to, as a terminal's
 * Ctrl-C or a container runtime would send it.
 */
export async function startServiceProcess(
  service: string,
  env: NodeJS.ProcessEnv,
  command?: readonly [string, ...string[]],
): Promise<ServiceProcess> {
  const [file, ...args] = command ?? [
    process.execPath,
    '--import',
    'tsx',
    join(root, 'services', service, 'src', 'main.ts'),
  ];
  const group = command !== undefined;
  const child = spawn(file, args, {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: group,
  });
  const signal = (sig: NodeJS.Signals) => {
    if (group && child.pid) process.kill(-child.pid, sig);
    else child.kill(sig);
  };
  const lines: Record<string, unknown>[] = [];
  const unparsed: string[] = [];
  let buf = '';
  child.stdout.on('data', (c: Buffer) => {
    buf += c.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const text = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(text) as Record<string, unknown>);
      } catch {
        unparsed.push(text);
        process.stderr.write(`[${service}] ${text}\n`);
      }
    }
  });
  let failure: Error | undefined;
  child.once('error', (e) => (failure = e));
  const closed = new Promise<number | null>((done) =>
    child.once('close', (code, signal) => {
      // Its last log lines say why (they are JSON on stdout, not shown otherwise).
      const last = lines.slice(-5).map((l) => JSON.stringify(l));
      failure ??= new Error(
        `${service} exited (${signal ?? code}) before it started${last.length ? `; last log lines:\n${last.join('\n')}` : ''}`,
      );
      done(code);
    }),
  );
  const kill = async (sig: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) {
      signal(sig);
      const force = setTimeout(() => signal('SIGKILL'), 15_000);
      await closed;
      clearTimeout(force);
    }
    return closed;
  };
  try {
    await waitFor(
      `${service} to start`,
      () => {
        if (failure) throw failure;
        return lines.some((l) => l['msg'] === 'role started');
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );
  } catch (err) {
    await kill('SIGKILL');
    throw err;
  }
  return {
    service,
    pid: child.pid ?? 0,
    lines,
    unparsed,
    kill,
    [Symbol.asyncDispose]: async () => void (await kill('SIGTERM')),
  };
}
