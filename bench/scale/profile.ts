// Top self-time frames of a V8 `.cpuprofile` (written by `node --cpu-prof`).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { userCacheDir } from '@flotilla/runtime';
import { resolveTool } from '@flotilla/toolchain';

const run = promisify(execFile);

interface ProfileNode {
  id: number;
  hitCount?: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

/** One frame's share of the samples. */
export interface Frame {
  readonly frame: string;
  readonly selfSeconds: number;
  readonly percent: number;
}

/**
 * The `top` frames by self time, as shares of the time the process was busy
 * (the idle frame left out); `busyPercent` of the wall time it was busy at all.
 */
export async function topFrames(
  file: string,
  top = 15,
): Promise<{ busyPercent: number; frames: Frame[] }> {
  const p = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const all = p.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0) || 1;
  const idle = p.nodes
    .filter((n) => n.callFrame.functionName === '(idle)')
    .reduce((s, n) => s + (n.hitCount ?? 0), 0);
  const total = all - idle || 1;
  const seconds = ((p.endTime - p.startTime) / 1e6) * (total / all);
  const byFrame = new Map<string, number>();
  for (const n of p.nodes) {
    const key = frameName(n);
    byFrame.set(key, (byFrame.get(key) ?? 0) + (n.hitCount ?? 0));
  }
  byFrame.delete('(idle)');
  const frames = [...byFrame.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([frame, hits]) => ({
      frame,
      selfSeconds: Number(((hits / total) * seconds).toFixed(2)),
      percent: Number(((hits / total) * 100).toFixed(1)),
    }));
  return { busyPercent: Number(((total / all) * 100).toFixed(1)), frames };
}

/**
 * An S-second CPU profile of kube-apiserver through its `/debug/pprof` (the local
 * control plane turns profiling on), as the top lines of `go tool pprof -top`.
 */
export async function apiserverProf(kubeconfig: string, seconds: number, dir: string) {
  const kubectl = await resolveTool('kubectl', { cacheDir: userCacheDir(process.env) });
  const file = join(dir, `kube-apiserver-${Date.now().toString(36)}.pprof`);
  const { stdout } = await run(
    kubectl,
    ['--kubeconfig', kubeconfig, 'get', '--raw', `/debug/pprof/profile?seconds=${seconds}`],
    { encoding: 'buffer', maxBuffer: 256 * 2 ** 20, timeout: (seconds + 60) * 1000 },
  );
  await writeFile(file, stdout);
  const go = existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
  const top = await run(go, ['tool', 'pprof', '-top', '-cum', '-nodecount=60', file], {
    maxBuffer: 16 * 2 ** 20,
  }).catch((e: Error) => ({ stdout: `go tool pprof failed (${e.message})` }));
  return [`profile: ${file}`, ...String(top.stdout).trim().split('\n')];
}

function frameName(n: ProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame;
  const where = url
    ? `${url.replace(/^.*\/(node_modules|libs|services)\//, '$1/')}:${lineNumber + 1}`
    : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
}

/**
 * Where the time of the frames whose name contains `frame` comes from: their
 * heaviest call stacks (`depth` callers each), as shares of the busy time.
 * Without `frame`, the functions with the most time including what they call.
 */
export async function callers(file: string, frame?: string, depth = 8, top = 12) {
  const p = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const parent = new Map<number, ProfileNode>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const busy = p.nodes
    .filter((n) => n.callFrame.functionName !== '(idle)')
    .reduce((s, n) => s + (n.hitCount ?? 0), 0);
  const share = (hits: number) => `${((hits / (busy || 1)) * 100).toFixed(1).padStart(5)} %`;
  const sums = new Map<string, number>();
  for (const n of p.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0) continue;
    if (frame === undefined) {
      // Each function once per stack, however often it recurses.
      const seen = new Set<string>();
      for (let m: ProfileNode | undefined = n; m; m = parent.get(m.id)) seen.add(frameName(m));
      for (const f of seen) sums.set(f, (sums.get(f) ?? 0) + hits);
      continue;
    }
    if (!frameName(n).includes(frame)) continue;
    const stack: string[] = [];
    for (let m = parent.get(n.id); m && stack.length < depth; m = parent.get(m.id))
      stack.push(frameName(m));
    const key = [frameName(n), ...stack].join('\n      < ');
    sums.set(key, (sums.get(key) ?? 0) + hits);
  }
  sums.delete('(root)');
  sums.delete('(idle)');
  return [...sums.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, hits]) => `${share(hits)}  ${k}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, frame] = process.argv.slice(2);
  if (!file) {
    console.error('Usage: npx tsx bench/scale/profile.ts FILE.cpuprofile [FRAME]');
    process.exit(2);
  }
  for (const line of await callers(file, frame, 8, frame ? 12 : 40)) console.log(line);
}
