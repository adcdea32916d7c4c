import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isListening, waitFor } from '@flotilla/runtime';

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

/**
 * A private nats-server with JetStream on a free port and its own store dir,
 * in the manner of the nats.js test server. Never the machine's own NATS.
 */
export function startNatsServer(): Promise<TestServer> {
  return ownedServer({
    name: 'nats',
    bin: 'nats-server',
    scheme: 'nats',
    args: (port, dir) => ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir],
  });
}

/** A private redis-server on a free port, keeping nothing on disk. Never the machine's own Redis. */
export function startRedisServer(): Promise<TestServer> {
  return ownedServer({
    name: 'redis',
    bin: 'redis-server',
    scheme: 'redis',
    args: (port, dir) => [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
  });
}
