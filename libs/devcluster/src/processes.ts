import { processAlive } from '@flotilla/runtime';
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';

/** Starts a long-running process detached from this one, logging to `logFile`. */
export function spawnDetached(
  bin: string,
  args: readonly string[],
  logFile: string,
  cwd: string,
): number {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(bin, args, { cwd, detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${bin}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

async function cmdline(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

/** True when `pid` is alive and its command line mentions `marker` (guards against pid reuse). */
export async function isAliveWith(pid: number, marker: string): Promise<boolean> {
  const cmd = await cmdline(pid);
  return cmd !== undefined && cmd.includes(marker);
}

/** Every live process whose command line mentions `marker`. */
export async function findProcesses(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const cmd = await cmdline(pid);
    if (cmd?.includes(marker)) found.push(pid);
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once every pid is gone. */
export async function stopProcesses(pids: readonly number[], graceMs = 5_000): Promise<void> {
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(processAlive) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  for (const pid of pids.filter(processAlive)) signal(pid, 'SIGKILL');
  while (pids.some(processAlive)) await new Promise((r) => setTimeout(r, 20));
}
