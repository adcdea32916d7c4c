// Top self-time frames of a V8 `.cpuprofile` (written by `node --cpu-prof`).
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  hitCount?: number;
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
    const { functionName, url, lineNumber } = n.callFrame;
    const where = url
      ? `${url.replace(/^.*\/(node_modules|libs|services)\//, '$1/')}:${lineNumber + 1}`
      : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
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
