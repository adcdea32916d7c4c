// Measures how long `flotilla dev cluster up` takes once the binaries are
// built: a cold start (processes stopped, data kept) and an idempotent `up`
// on a running cluster, repeated, with the median and worst case.
//   npx tsx bench/cluster/up.ts [runs]
import { resolve } from 'node:path';
import { clusterDown, clusterUp } from '@flotilla/devcluster';
import { userCacheDir } from '@flotilla/runtime';

const runs = Number(process.argv[2] ?? 5);
const root = resolve(import.meta.dirname, '..', '..');
const cacheDir = userCacheDir(process.env);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const cold: number[] = [];
const warm: number[] = [];
for (let i = 0; i < runs; i++) {
  await clusterDown({ root });
  let t = performance.now();
  await clusterUp({ root, cacheDir });
  cold.push(performance.now() - t);
  t = performance.now();
  await clusterUp({ root, cacheDir });
  warm.push(performance.now() - t);
}
const fmt = (xs: number[]) =>
  `median ${(median(xs) / 1000).toFixed(2)} s, max ${(Math.max(...xs) / 1000).toFixed(2)} s`;
console.log(`cluster up from stopped (n=${runs}): ${fmt(cold)}`);
console.log(`cluster up when already running (n=${runs}): ${fmt(warm)}`);
