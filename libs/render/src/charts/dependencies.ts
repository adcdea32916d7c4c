import { copyFile, cp, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RenderError } from '../errors.js';
import { isInside } from '../paths.js';
import { parseYamlStream } from '../yaml.js';
import type { ChartClient } from './client.js';

/** A dependency as `Chart.yaml` (or `requirements.yaml`) declares it. */
export interface ChartDependency {
  readonly name: string;
  readonly version?: string;
  readonly repository?: string;
}

async function readYaml(
  file: string,
  maxAliasCount: number,
): Promise<Record<string, unknown> | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const { documents, error } = parseYamlStream(
    text,
    file.slice(file.lastIndexOf('/') + 1),
    maxAliasCount,
  );
  if (error) throw error;
  const doc = documents[0]?.value;
  return doc && typeof doc === 'object' ? (doc as Record<string, unknown>) : undefined;
}

function dependencyList(doc: Record<string, unknown> | undefined): ChartDependency[] {
  const list = doc?.['dependencies'];
  if (!Array.isArray(list)) return [];
  return list.flatMap((d: unknown) => {
    const x = d as Record<string, unknown> | null;
    if (typeof x?.['name'] !== 'string') return [];
    return [
      {
        name: x['name'],
        ...(typeof x['version'] === 'string' ? { version: x['version'] } : {}),
        ...(typeof x['repository'] === 'string' ? { repository: x['repository'] } : {}),
      },
    ];
  });
}

/** The dependencies a chart declares (Chart.yaml, or Helm 2's requirements.yaml) and those its lock pins. */
export async function chartDependencies(
  chartDir: string,
  maxAliasCount: number,
): Promise<{ declared: ChartDependency[]; locked: ChartDependency[] }> {
  const [chart, requirements, lock, requirementsLock] = await Promise.all(
    ['Chart.yaml', 'requirements.yaml', 'Chart.lock', 'requirements.lock'].map((f) =>
      readYaml(join(chartDir, f), maxAliasCount),
    ),
  );
  return {
    declared: [...dependencyList(chart), ...dependencyList(requirements)],
    locked: [...dependencyList(lock), ...dependencyList(requirementsLock)],
  };
}

// What `charts/` already holds: unpacked chart dirs by their Chart.yaml name, archives by file name.
async function vendored(
  chartDir: string,
  maxAliasCount: number,
): Promise<{ dirs: Set<string>; archives: string[] }> {
  const dirs = new Set<string>();
  const archives: string[] = [];
  const entries = await readdir(join(chartDir, 'charts'), { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (e.isDirectory()) {
      const meta = await readYaml(join(chartDir, 'charts', e.name, 'Chart.yaml'), maxAliasCount);
      if (typeof meta?.['name'] === 'string') dirs.add(meta['name']);
    } else if (e.name.endsWith('.tgz')) archives.push(e.name);
  }
  return { dirs, archives };
}

function isVendored(d: ChartDependency, v: { dirs: Set<string>; archives: string[] }): boolean {
  return (
    v.dirs.has(d.name) ||
    v.archives.some((a) => a.startsWith(`${d.name}-`) && /^\d/.test(a.slice(d.name.length + 1)))
  );
}

/** One dependency a chart needs fetched, with the version it resolves to now. */
export type PlannedDependency =
  | {
      readonly name: string;
      readonly kind: 'file';
      readonly repository: string;
      readonly from: string;
    }
  | {
      readonly name: string;
      readonly kind: 'chart';
      readonly repository: string;
      /** The exact version: `Chart.lock`'s pin, else the highest matching the constraint. */
      readonly version: string;
      /**
       * What the version holds now: for OCI the manifest digest its tag names
       * (a tag pushed again is another dependency), for a Helm repository the
       * archive digest the index announced when the constraint was resolved.
       */
      readonly digest?: string;
    };

/** What dependency vendoring did. */
export interface VendoredChart {
  /** The chart directory to render: the original, or a private copy with `charts/` filled. */
  readonly dir: string;
  /** Dependencies fetched, as `name version` (for logs). */
  readonly fetched: readonly string[];
}

/**
 * The dependencies a chart declares but does not vendor, each resolved to
 * what would be fetched now: a `file://` chart inside the same source, or a
 * chart of an HTTP(S) repository or OCI registry at the version
 * `Chart.lock` pins, else the highest matching the declared constraint (one
 * index or tag-list call). The versions are part of the manifest cache key:
 * a constraint that a newly published dependency matches renders again.
 */
export async function planDependencies(opts: {
  readonly chartDir: string;
  /** The checkout (or unpacked chart) `file://` dependencies must stay inside. */
  readonly root: string;
  readonly charts: ChartClient;
  readonly maxAliasCount: number;
  readonly signal?: AbortSignal;
}): Promise<PlannedDependency[]> {
  const { declared, locked } = await chartDependencies(opts.chartDir, opts.maxAliasCount);
  if (declared.length === 0) return [];
  const have = await vendored(opts.chartDir, opts.maxAliasCount);
  const planned: PlannedDependency[] = [];
  for (const dep of declared.filter((d) => !isVendored(d, have))) {
    const repo = (dep.repository ?? '').trim();
    if (repo.startsWith('file://')) {
      const from = resolve(opts.chartDir, repo.slice('file://'.length));
      if (!isInside(opts.root, from)) {
        throw new RenderError(
          'PathEscape',
          `dependency ${dep.name} (${repo}) is outside the source`,
        );
      }
      planned.push({ name: dep.name, kind: 'file', repository: repo, from });
      continue;
    }
    if (!/^(oci|https?):\/\//i.test(repo)) {
      throw new RenderError(
        'DependencyMissing',
        `dependency ${dep.name} names repository ${JSON.stringify(repo)}; only https://, oci:// and file:// repositories are fetched (write the URL, not a repository alias)`,
        { dependencies: [dep.name] },
      );
    }
    const pin = locked.find((l) => l.name === dep.name && (l.repository ?? '') === repo)?.version;
    const spec = { repoURL: repo, chart: dep.name };
    const version =
      pin ??
      (await opts.charts.resolve({ ...spec, targetRevision: dep.version ?? '' }, opts.signal));
    // One HEAD for OCI; free for a Helm repository whose index the resolve just read.
    const digest = /^oci:/i.test(repo)
      ? await opts.charts.chartDigest(spec, version, opts.signal)
      : pin === undefined
        ? opts.charts.announcedDigest(spec, version)
        : undefined;
    planned.push({
      name: dep.name,
      kind: 'chart',
      repository: repo,
      version,
      ...(digest ? { digest } : {}),
    });
  }
  return planned;
}

/**
 * Fills in the dependencies a chart declares but does not vendor, as
 * `helm dependency build` would, without running it: `file://` charts from
 * inside the same source are copied, charts from HTTP(S) repositories and
 * OCI registries are pulled through `charts` (same credentials and cache as
 * the chart sources), as {@link planDependencies} resolves them (or as
 * `plan` says, when the caller planned already). The original tree is never
 * written; a private copy under `workDir` is.
 */
export async function vendorDependencies(opts: {
  readonly chartDir: string;
  /** The checkout (or unpacked chart) `file://` dependencies must stay inside. */
  readonly root: string;
  readonly workDir: string;
  readonly charts: ChartClient;
  readonly maxAliasCount: number;
  readonly signal?: AbortSignal;
  readonly plan?: readonly PlannedDependency[];
}): Promise<VendoredChart> {
  const plan = opts.plan ?? (await planDependencies(opts));
  if (plan.length === 0) return { dir: opts.chartDir, fetched: [] };
  const copy = join(opts.workDir, 'chart');
  await cp(opts.chartDir, copy, { recursive: true });
  await mkdir(join(copy, 'charts'), { recursive: true });
  const fetched: string[] = [];
  for (const dep of plan) {
    if (dep.kind === 'file') {
      if (!(await stat(dep.from).catch(() => undefined))?.isDirectory()) {
        throw new RenderError(
          'DependencyMissing',
          `dependency ${dep.name}: ${dep.repository} is not a chart directory`,
          { dependencies: [dep.name] },
        );
      }
      await cp(dep.from, join(copy, 'charts', dep.name), { recursive: true });
      fetched.push(`${dep.name} (${dep.repository})`);
      continue;
    }
    const spec = { repoURL: dep.repository, chart: dep.name };
    const pulled = await opts.charts.pull(spec, dep.version, opts.signal, dep.digest);
    try {
      await copyFile(pulled.archive, join(copy, 'charts', `${dep.name}-${dep.version}.tgz`));
    } finally {
      pulled.release();
    }
    fetched.push(`${dep.name} ${dep.version}`);
  }
  return { dir: copy, fetched };
}
