import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, waitFor } from '@flotilla/runtime';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CLI = join(ROOT, 'cli', 'bin', 'flotilla.mjs');

/** One `flotilla run <roles...>` child process. */
export interface RoleProcess {
  readonly label: string;
  readonly child: ChildProcess;
  readonly opsPort: number;
  /** The last lines it wrote (JSON logs on stdout, anything on stderr), for failure messages. */
  readonly output: string[];
  /** Resolves with the exit code or signal once the process has ended. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  /** Sends a signal and waits for the process to end. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

const KEEP_LINES = 200;

/**
 * Starts `flotilla run <roles...>` as a child process with `env` on top of
 * this process's environment and its own ops port, and waits until /readyz
 * says every role started (not at all with `readyTimeoutMs` 0).
 */
export async function startRoleProcess(
  label: string,
  roles: readonly string[],
  env: Record<string, string>,
  readyTimeoutMs = 120_000,
): Promise<RoleProcess> {
  const opsPort = await freePort();
  const child = spawn(process.execPath, [CLI, 'run', ...roles], {
    cwd: ROOT,
    env: { ...process.env, ...env, FLOTILLA_OPS_ADDR: `127.0.0.1:${opsPort}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() === '') continue;
      output.push(line);
      if (output.length > KEEP_LINES) output.shift();
    }
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  let ended = false;
  void exited.then(() => (ended = true));
  const proc: RoleProcess = {
    label,
    child,
    opsPort,
    output,
    exited,
    async kill(signal) {
      if (!ended) child.kill(signal);
      await exited;
    },
  };
  if (readyTimeoutMs === 0) return proc;
  try {
    await waitFor(
      `${label} ready`,
      async () => {
        if (ended) throw new Error(`${label} exited early:\n${output.join('\n')}`);
        const res = await fetch(`http://127.0.0.1:${opsPort}/readyz`).catch(() => undefined);
        return res?.status === 200;
      },
      { timeoutMs: readyTimeoutMs, intervalMs: 250 },
    );
  } catch (err) {
    await proc.kill('SIGKILL');
    throw err;
  }
  return proc;
}
