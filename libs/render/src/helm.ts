import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { envsubst } from './envsubst.js';
import { isRenderError, RenderError } from './errors.js';
import {
  checkKubeVersion,
  checkNamespace,
  checkParameterName,
  checkReleaseName,
  helmTemplateArgs,
  type HelmSetting,
  type HelmTemplatePlan,
} from './helm-args.js';
import { prepareHelmInputs } from './helm-values.js';
import { toManifests } from './objects.js';
import { checkSymlinks } from './paths.js';
import { vendorDependencies } from './charts/dependencies.js';
import { redactMessage, warningLines } from './sanitize.js';
import { runTool } from './tools.js';
import type { SourceRender, SourceRenderContext } from './render-context.js';
import { parseYamlStream } from './yaml.js';

/** The plan for `helm template`, minus the files; checks every name and version. */
export function planHelmSettings(ctx: SourceRenderContext): {
  releaseName: string;
  namespace?: string;
  kubeVersion?: string;
  apiVersions: string[];
  set: HelmSetting[];
  setString: HelmSetting[];
} {
  const helm = ctx.request.source.helm;
  const releaseName = helm?.releaseName || ctx.request.appName;
  checkReleaseName(releaseName);
  const namespace = helm?.namespace || ctx.request.namespace || undefined;
  if (namespace) checkNamespace(namespace);
  const kubeVersion = helm?.kubeVersion || ctx.request.kubeVersion || undefined;
  if (kubeVersion) checkKubeVersion(kubeVersion);
  const apiVersions = [
    ...(helm?.apiVersions?.length ? helm.apiVersions : (ctx.request.apiVersions ?? [])),
  ];
  const set: HelmSetting[] = [];
  const setString: HelmSetting[] = [];
  for (const p of helm?.parameters ?? []) {
    const name = checkParameterName(p.name, 'helm.parameters');
    const value = envsubst(p.value ?? '', ctx.env);
    (p.forceString ? setString : set).push({ name, value });
  }
  return {
    releaseName,
    ...(namespace ? { namespace } : {}),
    ...(kubeVersion ? { kubeVersion } : {}),
    apiVersions,
    set,
    setString,
  };
}

const MISSING_DEPS = /missing in charts\/ directory: ([^\n]+)/;

interface Dependency {
  readonly name?: string;
  readonly version?: string;
  readonly repository?: string;
}

async function declaredDependencies(
  chartDir: string,
  maxAliasCount: number,
): Promise<Dependency[]> {
  const out: Dependency[] = [];
  for (const file of ['Chart.yaml', 'requirements.yaml']) {
    const text = await readFile(join(chartDir, file), 'utf8').catch(() => '');
    const doc = parseYamlStream(text, file, maxAliasCount).documents[0]?.value as
      { dependencies?: Dependency[] } | undefined;
    if (Array.isArray(doc?.dependencies)) out.push(...doc.dependencies);
  }
  return out;
}

async function dependencyError(err: RenderError, ctx: SourceRenderContext): Promise<RenderError> {
  const names = (MISSING_DEPS.exec(err.message)?.[1] ?? '').split(/,\s*/).filter(Boolean);
  const declared = await declaredDependencies(ctx.app.dir, ctx.options.maxAliasCount);
  const described = names.map((name) => {
    const dep = declared.find((d) => d.name === name);
    const version = dep?.version ? ` ${dep.version}` : '';
    const repo = dep?.repository ? ` from ${redactMessage(dep.repository)}` : '';
    return `${name}${version}${repo}`;
  });
  return new RenderError(
    'DependencyMissing',
    `chart ${ctx.app.path} declares dependencies that are not vendored under charts/: ${described.join(', ')}. ` +
      'This renderer fetches no dependencies and `helm dependency build` is never run; build the dependencies and commit charts/.',
    { dependencies: names, cause: err },
  );
}

/**
 * Renders a Helm chart with `helm template`, as Argo CD does: value files,
 * then `values`/`valuesObject`, then parameters, each later one winning; CRDs
 * included unless `skipCrds`; hooks kept as ordinary objects with their
 * annotations. Dependencies not vendored under `charts/` are fetched when
 * the renderer has a chart client (see `vendorDependencies`).
 */
export async function renderHelm(ctx: SourceRenderContext): Promise<SourceRender> {
  const { options, request, app, workDir } = ctx;
  await checkSymlinks(app.root, app.dir);
  const settings = planHelmSettings(ctx);
  const inputs = await prepareHelmInputs(
    request.source.helm,
    { root: app.root, chartDir: app.dir, refSources: request.refSources ?? {}, env: ctx.env },
    { workDir, maxBytes: options.maxOutputBytes, maxAliasCount: options.maxAliasCount },
  );
  const helm = request.source.helm;
  const chart = options.charts
    ? await vendorDependencies({
        chartDir: app.dir,
        root: app.root,
        workDir,
        charts: options.charts,
        maxAliasCount: options.maxAliasCount,
        ...(request.signal ? { signal: request.signal } : {}),
        ...(ctx.dependencies ? { plan: ctx.dependencies } : {}),
      })
    : { dir: app.dir, fetched: [] };
  const plan: HelmTemplatePlan = {
    ...settings,
    valueFiles: inputs.valueFiles,
    ...(inputs.inlineValuesFile ? { inlineValuesFile: inputs.inlineValuesFile } : {}),
    setFile: inputs.setFile,
    skipCrds: helm?.skipCrds ?? false,
    skipTests: helm?.skipTests ?? false,
    skipSchemaValidation: helm?.skipSchemaValidation ?? false,
  };
  let result;
  try {
    result = await runTool({
      tool: 'helm',
      path: options.helmPath,
      args: helmTemplateArgs(plan),
      cwd: chart.dir,
      env: ctx.toolEnv,
      timeoutMs: options.timeoutMs,
      maxOutputBytes: options.maxOutputBytes,
      ...(request.signal ? { signal: request.signal } : {}),
      failure: 'HelmError',
      dirs: {
        '<render>': workDir,
        [`<${app.path}>`]: app.dir,
        '<checkout>': app.root,
        [`<${app.path} with dependencies>`]: chart.dir === app.dir ? undefined : chart.dir,
      },
      what: 'helm template',
    });
  } catch (err) {
    if (isRenderError(err, 'HelmError') && MISSING_DEPS.test(err.message)) {
      throw await dependencyError(err, ctx);
    }
    throw err;
  }
  const { documents, error } = parseYamlStream(
    result.stdout,
    'helm template output',
    options.maxAliasCount,
  );
  if (error) throw error;
  return {
    objects: toManifests(documents, 'helm template output'),
    warnings: [...inputs.warnings, ...warningLines(result.stderr)],
  };
}
