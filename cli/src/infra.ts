import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, isListening, waitFor } from '@flotilla/runtime';

/** A server this process started and must stop. */
export interface OwnedServer {
  readonly url: string;
  stop(): Promise<void>;
}

function hostPort(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port) || defaultPort };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  });
}

async function startServer(
  name: string,
  bin: string,
  args: (port: number) => string[],
  scheme: string,
): Promise<OwnedServer> {
  const port = await freePort();
  const child = spawn(bin, args(port), { stdio: 'ignore' });
  let failed: Error | undefined;
  child.once('error', (err) => (failed = err));
  await waitFor(
    `${name} on port ${port}`,
    async () => {
      if (failed) throw new Error(`could not start ${bin}: ${failed.message}`);
      return isListening(port);
    },
    { timeoutMs: 15_000 },
  );
  return { url: `${scheme}://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

/**
 * Uses the NATS server at `url` when it answers, otherwise starts
 * `nats-server -js` on a free port with its store under `stateDir`.
 */
export async function ensureNats(
  url: string,
  stateDir: string,
): Promise<{ url: string; owned?: OwnedServer }> {
  const { host, port } = hostPort(url, 4222);
  if (await isListening(port, host)) return { url };
  const store = join(stateDir, 'nats');
  await mkdir(store, { recursive: true });
  const owned = await startServer(
    'nats-server',
    'nats-server',
    (p) => ['-a', '127.0.0.1', '-p', String(p), '-js', '-sd', store],
    'nats',
  );
  return { url: owned.url, owned };
}

/** Uses the Redis at `url` when it answers, otherwise starts a private `redis-server` on a free port. */
export async function ensureRedis(url: string): Promise<{ url: string; owned?: OwnedServer }> {
  const { host, port } = hostPort(url, 6379);
  if (await isListening(port, host)) return { url };
  const owned = await startServer(
    'redis-server',
    'redis-server',
    (p) => ['--bind', '127.0.0.1', '--port', String(p), '--save', '', '--appendonly', 'no'],
    'redis',
  );
  return { url: owned.url, owned };
}
