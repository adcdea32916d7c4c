import { spawn } from 'node:child_process';
import { CommandError } from './errors.js';

/** Options for {@link run}. */
export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Kill the process after this long; no limit unless set. */
  readonly timeoutMs?: number;
  /** Bytes of stdout kept; 64 MiB unless set. Output past it fails the command. */
  readonly maxOutputBytes?: number;
  readonly input?: string | Buffer;
  readonly signal?: AbortSignal;
  /** Streams stderr lines as they come (for progress display). */
  readonly onStderr?: (chunk: string) => void;
}

/** Result of a finished command. */
export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

const STDERR_KEEP = 64 * 1024;

/**
 * Runs a program with arguments passed as data (never through a shell) and
 * resolves with its output, or rejects with a {@link CommandError}.
 */
export function run(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const maxOut = options.maxOutputBytes ?? 64 * 1024 * 1024;
  const display = [file, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: options.signal,
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let timedOut = false;
    let overflow = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > maxOut) {
        overflow = true;
        child.kill('SIGKILL');
        return;
      }
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      options.onStderr?.(text);
      err = (err + text).slice(-STDERR_KEEP);
    });
    child.on('error', (cause) => {
      if (timer) clearTimeout(timer);
      reject(new CommandError(`${file}: ${cause.message}`, display, null, err, false, { cause }));
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      if (timedOut) {
        reject(
          new CommandError(
            `${file} timed out after ${options.timeoutMs} ms`,
            display,
            code,
            err,
            true,
          ),
        );
      } else if (overflow) {
        reject(
          new CommandError(`${file} wrote more than ${maxOut} bytes`, display, code, err, false),
        );
      } else if (code !== 0) {
        const detail = err.trim().split('\n').slice(-20).join('\n');
        reject(
          new CommandError(`${file} exited with ${code}: ${detail}`, display, code, err, false),
        );
      } else {
        resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: err });
      }
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/** True while a process with this pid exists (signal 0 checks without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
