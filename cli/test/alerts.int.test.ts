// The chart's alerting rules and Grafana dashboard, with the real promtool
// (built from the Prometheus Go module on first use) and a real role's /metrics.
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { installCrds } from '@flotilla/kube';
import { userCacheDir } from '@flotilla/runtime';
import { provisionPromtool, resolveTool } from '@flotilla/toolchain';
import {
  serviceEnv,
  startEnv,
  startServiceProcess,
  type ServiceProcess,
  type TestEnv,
} from '@flotilla/testing';
import { chartDir } from '../src/install/chart.js';
import { helmTemplate } from './helm-template.js';

const chart = chartDir(resolve(import.meta.dirname, '..', '..'));
const unitTests = join(import.meta.dirname, 'promtool', 'alerts.test.yaml');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}
interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: { groups: { name: string; rules: Rule[] }[] };
  data?: Record<string, string>;
}
interface Dashboard {
  panels: { title: string; targets?: { expr: string }[] }[];
}

let helm: string;
let promtool: string;
let dir: string;

/** `helm template` of the chart as release `rel` in `ns1` (what the unit tests expect). */
function template(...set: string[]): Promise<Doc[]> {
  return helmTemplate<Doc>(helm, chart, set);
}

async function rulesOf(...set: string[]): Promise<Doc['spec'] & object> {
  const rule = (await template('metrics.prometheusRule.enabled=true', ...set)).find(
    (d) => d.kind === 'PrometheusRule',
  );
  if (!rule?.spec) throw new Error('the chart rendered no PrometheusRule');
  return rule.spec;
}

async function dashboard(): Promise<Dashboard> {
  return JSON.parse(
    await readFile(join(chart, 'dashboards', 'flotilla.json'), 'utf8'),
  ) as Dashboard;
}

/** Runs promtool; its exit code and output (stdout then stderr), whatever the code. */
function promtoolRun(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((done) =>
    execFile(promtool, args, { cwd: dir }, (err, stdout, stderr) =>
      done({ code: err ? Number(err.code ?? -1) : 0, out: stdout + stderr }),
    ),
  );
}

beforeAll(async () => {
  const cacheDir = userCacheDir(process.env);
  helm = await resolveTool('helm', { cacheDir, path: process.env['PATH'] });
  promtool = await provisionPromtool({
    cacheDir,
    log: (m) => process.stderr.write(`[promtool] ${m}\n`),
  });
  dir = await mkdtemp(join(tmpdir(), 'flotilla-alerts-'));
  await copyFile(unitTests, join(dir, 'alerts.test.yaml'));
  // The first run on a machine builds promtool from its Go modules: about 15 min on 2 cores.
}, 30 * 60_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the chart’s alerting rules', () => {
  it('are valid rules that fire, and stay quiet, as promtool unit tests expect', async () => {
    const spec = await rulesOf();
    await writeFile(join(dir, 'rules.yaml'), stringify({ groups: spec.groups }));
    const check = await promtoolRun('check', 'rules', 'rules.yaml');
    expect(check.out).toContain('SUCCESS: 12 rules found');
    expect(check.code).toBe(0);
    const test = await promtoolRun('test', 'rules', 'alerts.test.yaml');
    expect(test.out).toContain('SUCCESS');
    expect(test.code).toBe(0);
    // Every alert has unit tests.
    const tested = await readFile(unitTests, 'utf8');
    for (const r of spec.groups.flatMap((g) => g.rules))
      expect(tested, r.alert).toContain(`alertname: ${r.alert ?? ''}\n`);
  });

  it('follow their values, so the unit tests catch a changed threshold', async () => {
    const spec = await rulesOf('metrics.prometheusRule.outOfSyncFor=45m');
    await writeFile(join(dir, 'rules.yaml'), stringify({ groups: spec.groups }));
    const test = await promtoolRun('test', 'rules', 'alerts.test.yaml');
    expect(test.code).not.toBe(0);
    expect(test.out).toContain('alertname: FlotillaAppOutOfSync');
  });

  it('and the dashboard are rendered only when asked for', async () => {
    const kinds = (docs: Doc[]) => docs.map((d) => `${d.kind}/${d.metadata.name}`);
    expect(kinds(await template())).not.toContain('PrometheusRule/rel-flotilla');
    expect(kinds(await template())).not.toContain('ConfigMap/rel-flotilla-dashboard');
    const docs = await template(
      'metrics.grafanaDashboard.enabled=true',
      'metrics.grafanaDashboard.namespace=monitoring',
    );
    const cm = docs.find((d) => d.metadata.name === 'rel-flotilla-dashboard');
    expect(cm?.metadata).toMatchObject({
      namespace: 'monitoring',
      labels: { grafana_dashboard: '1' },
    });
    expect(JSON.parse(cm?.data?.['flotilla.json'] ?? '')).toEqual(await dashboard());
  });

  it('dashboard queries are valid PromQL', async () => {
    const rules = (await dashboard()).panels
      .flatMap((p) => p.targets ?? [])
      .map((t, i) => ({
        record: `flotilla:dashboard_query_${i}`,
        expr: t.expr
          .replaceAll('$__rate_interval', '5m')
          .replaceAll('$job', '.*')
          .replaceAll('$namespace', '.*'),
      }));
    expect(rules.length).toBeGreaterThan(20);
    await writeFile(
      join(dir, 'dashboard-queries.yaml'),
      stringify({ groups: [{ name: 'dashboard', rules }] }),
    );
    const check = await promtoolRun('check', 'rules', 'dashboard-queries.yaml');
    expect(check.out).toContain(`SUCCESS: ${rules.length} rules found`);
  });
});

describe('metric names in the rules and the dashboard', () => {
  let env: TestEnv;
  let differ: ServiceProcess | undefined;
  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true });
    await installCrds(env.kube.kc);
  });
  afterAll(async () => {
    await differ?.kill('SIGTERM');
    await env[Symbol.asyncDispose]();
  });

  it('are all exported by a role process', async () => {
    differ = await startServiceProcess('differ', serviceEnv(env, await env.kube.namespace()));
    const port = differ.lines.find((l) => l['msg'] === 'serving /healthz, /readyz and /metrics')?.[
      'port'
    ];
    const text = await (await fetch(`http://127.0.0.1:${String(port)}/metrics`)).text();
    const exported = new Map(
      [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => [name!, type!]),
    );
    const exprs = [
      ...(await rulesOf()).groups.flatMap((g) => g.rules.map((r) => r.expr)),
      ...(await dashboard()).panels.flatMap((p) => p.targets ?? []).map((t) => t.expr),
    ];
    const used = new Set(
      exprs.flatMap((e) => [...e.matchAll(/\bflotilla_[a-z0-9_]+/g)].map((m) => m[0])),
    );
    expect(used.size).toBeGreaterThan(20);
    const missing = [...used].filter((name) => {
      if (exported.has(name)) return false;
      // A histogram's series: <name>_bucket, _sum and _count.
      const base = name.replace(/_(bucket|sum|count)$/, '');
      return exported.get(base) !== 'histogram';
    });
    expect(missing).toEqual([]);
    // The only other series used is the one Prometheus makes itself.
    const others = new Set(
      exprs.flatMap((e) =>
        [...e.matchAll(/\b([a-z_][a-z0-9_]*)\s*\{/g)]
          .map((m) => m[1]!)
          .filter((n) => !n.startsWith('flotilla_')),
      ),
    );
    expect([...others]).toEqual(['up']);
  });
});
