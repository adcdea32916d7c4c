import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isListening, waitFor } from '@flotilla/runtime';
import type { TlsPair } from './tls.js';

/** A server process owned by a test suite. */
export interface TestServer extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  /** Stops the process, keeping its data dir (for restart tests). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir. */
  restart(): Promise<void>;
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  });
}

/** Starts `bin` on a free port (or `port`) with a private data dir, stopped on dispose. */
export async function ownedServer(opts: {
  name: string;
  bin: string;
  scheme: string;
  port?: number;
  args: (port: number, dir: string) => string[];
}): Promise<TestServer> {
  const port = opts.port ?? (await freePort());
  const dir = await mkdtemp(join(tmpdir(), `flotilla-${opts.name}-`));
  let child: ChildProcess | undefined;
  let stderr = '';
  const start = async () => {
    stderr = '';
    const c = spawn(opts.bin, opts.args(port, dir), { stdio: ['ignore', 'ignore', 'pipe'] });
    c.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    let failure: Error | undefined;
    c.once('error', (e) => (failure = e));
    c.once('exit', (code) => (failure ??= new Error(`${opts.bin} exited with ${code}: ${stderr}`)));
    child = c;
    await waitFor(
      `${opts.name} on :${port}`,
      () => {
        if (failure) throw failure;
        return isListening(port);
      },
      { timeoutMs: 15_000, intervalMs: 25 },
    );
  };
  await start();
  const stop = async () => {
    await stopChild(child);
    child = undefined;
  };
  return {
    url: `${opts.scheme}://127.0.0.1:${port}`,
    port,
    stop,
    restart: start,
    async [Symbol.asyncDispose]() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Who may connect to a private nats-server, and how. */
export interface NatsServerOptions {
  /** Every client must log in as this user. */
  readonly auth?: { readonly user: string; readonly password: string };
  /** Clients must speak TLS to this certificate (its CA is the client's trust). */
  readonly tls?: TlsPair;
  /** Serve the monitoring endpoints (`/connz`, `/varz`) on a port of their own. */
  readonly monitor?: boolean;
}

/** A private nats-server; `monitorUrl` is set when monitoring was asked for. */
export interface NatsTestServer extends TestServer {
  readonly monitorUrl?: string;
}

/**
 * A private nats-server with JetStream on a free port and its own store dir,
 * in the manner of the nats.js test server. Never the machine's own NATS.
 * Without options it is open and plain, as most suites want.
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsTestServer> {
  const monitorPort = options.monitor ? await freePort() : undefined;
  const server = await ownedServer({
    name: 'nats',
    bin: 'nats-server',
    scheme: options.tls ? 'tls' : 'nats',
    args: (port, dir) => [
      ...['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir],
      ...(options.auth ? ['--user', options.auth.user, '--pass', options.auth.password] : []),
      ...(options.tls
        ? ['--tls', '--tlscert', options.tls.certFile, '--tlskey', options.tls.keyFile]
        : []),
      ...(monitorPort === undefined ? [] : ['-m', String(monitorPort)]),
    ],
  });
  if (monitorPort === undefined) return server;
  return Object.assign(server, { monitorUrl: `http://127.0.0.1:${monitorPort}` });
}

/** Who may connect to a private redis-server, and how. */
export interface RedisServerOptions {
  /** The default user needs this password (`requirepass`). */
  readonly password?: string;
  /** Further ACL users, name to password, each allowed every command and key. */
  readonly users?: Readonly<Record<string, string>>;
  /** Serve TLS only (no plain port) with this certificate; clients are not asked for one. */
  readonly tls?: TlsPair;
}

/**
 * A private redis-server on a free port, keeping nothing on disk. Never the
 * machine's own Redis. Without options it is open and plain.
 */
export function startRedisServer(options: RedisServerOptions = {}): Promise<TestServer> {
  const users = Object.entries(options.users ?? {}).flatMap(([name, password]) => [
    '--user',
    name,
    'on',
    `>${password}`,
    '~*',
    '&*',
    '+@all',
  ]);
  return ownedServer({
    name: 'redis',
    bin: 'redis-server',
    scheme: options.tls ? 'rediss' : 'redis',
    args: (port, dir) => [
      ...['--bind', '127.0.0.1'],
      ...(options.tls
        ? [
            ...['--port', '0', '--tls-port', String(port)],
            ...['--tls-cert-file', options.tls.certFile, '--tls-key-file', options.tls.keyFile],
            '--tls-auth-clients',
            'no',
          ]
        : ['--port', String(port)]),
      ...['--save', '', '--appendonly', 'no', '--dir', dir],
      ...(options.password === undefined ? [] : ['--requirepass', options.password]),
      ...users,
    ],
  });
}
