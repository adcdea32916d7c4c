// How long `flotilla` takes to start: the build (dist/) against the sources
// run through tsx, with bare `node` as the floor, each command run N times
// interleaved so machine load hits every case alike.
//
//   npx tsx bench/cli/startup.ts [runs] [other-bin.mjs...]
//
// Extra bins (say, an older checkout's cli/bin/flotilla.mjs) are measured
// alongside. `app list` needs a reachable cluster (KUBECONFIG, or the local
// control plane); without one that case is skipped.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const runs = Number(process.argv[2] ?? 20);
const extraBins = process.argv.slice(3);
const bin = join(root, 'cli', 'bin', 'flotilla.mjs');

interface Case {
  readonly name: string;
  readonly args: string[];
  readonly env?: NodeJS.ProcessEnv;
}

const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], {
  stdio: 'inherit',
});
if (build.status !== 0) throw new Error('npm run build failed');

const clusterUp =
  spawnSync(process.execPath, [bin, 'app', 'list'], { encoding: 'utf8' }).status === 0;
const commands = [['--help'], ...(clusterUp ? [['app', 'list']] : [])];
const cases: Case[] = [{ name: 'node -e "" (floor)', args: ['-e', ''] }];
for (const cmd of commands) {
  cases.push({ name: `flotilla ${cmd.join(' ')} (dist/)`, args: [bin, ...cmd] });
  cases.push({
    name: `flotilla ${cmd.join(' ')} (sources, tsx)`,
    args: [bin, ...cmd],
    env: { FLOTILLA_FROM_SOURCE: '1' },
  });
  for (const other of extraBins)
    cases.push({ name: `flotilla ${cmd.join(' ')} (${other})`, args: [other, ...cmd] });
}

const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (let i = 0; i < runs + 1; i++) {
  for (const c of cases) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, c.args, {
      env: { ...process.env, ...c.env },
      stdio: 'ignore',
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${c.name} exited with ${r.status}`);
    // The first round warms the disk cache and V8's compile cache; it is not counted.
    if (i > 0) times.get(c.name)!.push(ms);
  }
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))]!;
const rows = cases.map((c) => {
  const xs = times.get(c.name)!;
  return [c.name, pct(xs, 0), pct(xs, 0.5), pct(xs, 0.9)];
});
process.stdout.write(
  `${runs} runs each, ms\n| case | min | median | p90 |\n| --- | --- | --- | --- |\n`,
);
for (const [name, ...ms] of rows)
  process.stdout.write(`| ${name} | ${ms.map((m) => (m as number).toFixed(0)).join(' | ')} |\n`);
