import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { manifestCacheKey, type CachedRender } from './cache.js';
import { planDependencies, type PlannedDependency } from './charts/dependencies.js';
import { canonicalSet } from './canonical.js';
import { detectSourceType } from './detect.js';
import { renderDirectory } from './directory.js';
import { buildEnv, type BuildEnv } from './envsubst.js';
import { RenderError } from './errors.js';
import { renderHelm } from './helm.js';
import { refValueFilesDigest } from './helm-values.js';
import { renderKustomize } from './kustomize.js';
import { convertArgoObjects } from './objects.js';
import { compileRenderOptions, type CompiledRenderOptions, type RenderOptions } from './options.js';
import { checkSymlinks, resolveAppDir, type AppDir } from './paths.js';
import type { SourceRender, SourceRenderContext } from './render-context.js';
import { redactMessage } from './sanitize.js';
import { Slots } from './slots.js';
import { probeVersion, toolEnv } from './tools.js';
import type { RenderRequest, RenderResult, SourceType } from './types.js';

// Verdicts of whole-tree checks kept, oldest dropped first.
const TREE_CHECKS_KEPT = 1000;

/**
 * Renders Application sources into canonical manifest sets with the real
 * helm and kubectl, safely, and caches the results. Tool versions are asked
 * for once per renderer and are part of the cache key. Create one per
 * process and share it.
 */
export class Renderer {
  private readonly o: CompiledRenderOptions;
  private readonly versions = new Map<'helm' | 'kubectl', Promise<string>>();
  private readonly tools: Slots;
  private readonly treeChecks = new Map<string, Promise<void>>();

  constructor(options: RenderOptions) {
    this.o = compileRenderOptions(options);
    this.tools = new Slots(this.o.toolConcurrency);
  }

  /**
   * Renders one source of one Application. A cache hit does no Helm,
   * Kustomize or directory work; `refresh: 'hard'` skips the cache read. Any
   * failure is a {@link RenderError}; the cache's own failures are logged and
   * cost only the cache.
   */
  async render(request: RenderRequest): Promise<RenderResult> {
    if (!request.appName) throw new RenderError('InvalidSource', 'the application name is empty');
    const app = await resolveAppDir(
      request.repoDir,
      request.source.chart ? '.' : request.source.path,
    );
    const sourceType = await detectSourceType(request.source, app.dir);
    const env = buildEnv(request);
    const cached = this.o.cache && (this.o.cacheDirectories || sourceType !== 'Directory');
    // Dependencies a chart does not vendor are resolved before the cache is asked: a
    // constraint that a newly published dependency matches must not hit an old render.
    const dependencies =
      cached && sourceType === 'Helm' && this.o.charts
        ? await this.planDependencies(request, app)
        : undefined;
    const key = cached
      ? await this.cacheKey(request, app, sourceType, env, dependencies)
      : undefined;
    if (key !== undefined && request.refresh !== 'hard') {
      const hit = await this.cacheGet(key);
      if (hit) return { ...hit, cached: true };
    }
    const fresh = await this.renderFresh(request, app, sourceType, env, dependencies);
    if (key !== undefined) await this.cacheSet(key, fresh);
    return { ...fresh, cached: false };
  }

  /** The version of a tool, as it goes into cache keys. */
  toolVersion(tool: 'helm' | 'kubectl'): Promise<string> {
    const given = this.o.toolVersions[tool];
    if (given) return Promise.resolve(given);
    let version = this.versions.get(tool);
    if (!version) {
      version = probeVersion(tool, tool === 'helm' ? this.o.helmPath : this.o.kubectlPath);
      this.versions.set(tool, version);
      version.catch(() => this.versions.delete(tool));
    }
    return version;
  }

  private async planDependencies(
    request: RenderRequest,
    app: AppDir,
  ): Promise<PlannedDependency[]> {
    // The chart's files are read only once nothing in it leads out of the tree.
    await checkSymlinks(app.root, app.dir);
    return planDependencies({
      chartDir: app.dir,
      root: app.root,
      charts: this.o.charts!,
      maxAliasCount: this.o.maxAliasCount,
      ...(request.signal ? { signal: request.signal } : {}),
    });
  }

  private async cacheKey(
    request: RenderRequest,
    app: AppDir,
    sourceType: SourceType,
    env: BuildEnv,
    dependencies: readonly PlannedDependency[] | undefined,
  ): Promise<string> {
    // Only what changes the output: not the source's name, ref or URL/path (those are keyed apart).
    const { helm: h, kustomize, directory, chart, targetRevision } = request.source;
    const source = { helm: h, kustomize, directory, chart, targetRevision };
    const helm = sourceType === 'Helm';
    const tool =
      sourceType === 'Directory' ? null : await this.toolVersion(helm ? 'helm' : 'kubectl');
    const refValues = helm
      ? await refValueFilesDigest(request.source.helm, {
          root: app.root,
          chartDir: app.dir,
          refSources: request.refSources ?? {},
          env,
        })
      : undefined;
    return manifestCacheKey({
      repoURL: request.source.repoURL,
      revision: request.revision,
      path: app.path,
      options: {
        sourceType,
        source,
        appName: request.appName,
        namespace: request.namespace ?? '',
        kubeVersion: request.kubeVersion ?? '',
        apiVersions: request.apiVersions ?? [],
        tool,
        kustomizeArgs: sourceType === 'Kustomize' ? this.o.kustomizeArgs : [],
        refValues: refValues ?? null,
        ...(dependencies?.length
          ? {
              dependencies: dependencies.map((d) =>
                d.kind === 'chart'
                  ? [d.name, d.repository, d.version, ...(d.digest ? [d.digest] : [])]
                  : [d.name, d.repository],
              ),
            }
          : {}),
        convert: this.o.convert,
      },
    });
  }

  private async cacheGet(key: string): Promise<CachedRender | undefined> {
    try {
      return await this.o.cache!.get(key);
    } catch (err) {
      this.o.logger.warn(
        { err: redactMessage((err as Error).message), key },
        'manifest cache read failed; rendering without it',
      );
      return undefined;
    }
  }

  private async cacheSet(key: string, value: CachedRender): Promise<void> {
    try {
      await this.o.cache!.set(key, value);
    } catch (err) {
      this.o.logger.warn(
        { err: redactMessage((err as Error).message), key },
        'manifest cache write failed',
      );
    }
  }

  private async renderFresh(
    request: RenderRequest,
    app: AppDir,
    sourceType: SourceType,
    env: BuildEnv,
    dependencies?: readonly PlannedDependency[],
  ): Promise<CachedRender> {
    // A directory is read in-process straight from the (shared, read-only)
    // tree: no private directory, no subprocess.
    const raw =
      sourceType === 'Directory'
        ? await renderDirectory({ options: this.o, request, app })
        : await this.tools.run(() =>
            this.renderWithTool(request, app, sourceType, env, dependencies),
          );
    const converted = convertArgoObjects(raw.objects, this.o.convert);
    const { set, warnings, bytes } = canonicalSet(converted.objects);
    if (bytes > this.o.maxOutputBytes) {
      throw new RenderError(
        'TooLarge',
        `the rendered manifests are larger than ${this.o.maxOutputBytes} bytes`,
      );
    }
    return {
      sourceType,
      objects: set.objects,
      hash: set.hash,
      warnings: [...raw.warnings, ...converted.warnings, ...warnings],
    };
  }

  // A whole-tree walk per render would make a monorepo of N apps cost O(N²):
  // an immutable tree is walked once (its verdict, good or bad, stays true).
  private checkTree(root: string, immutable: boolean): Promise<void> {
    if (!immutable) return checkSymlinks(root, root);
    let check = this.treeChecks.get(root);
    if (!check) {
      check = checkSymlinks(root, root);
      check.catch(() => undefined);
      if (this.treeChecks.size >= TREE_CHECKS_KEPT) {
        this.treeChecks.delete(this.treeChecks.keys().next().value!);
      }
      this.treeChecks.set(root, check);
    }
    return check;
  }

  private async renderWithTool(
    request: RenderRequest,
    app: AppDir,
    sourceType: 'Helm' | 'Kustomize',
    env: BuildEnv,
    dependencies?: readonly PlannedDependency[],
  ): Promise<SourceRender> {
    const workDir = await mkdtemp(join(this.o.tmpDir, 'flotilla-render-'));
    try {
      const ctx: SourceRenderContext = {
        options: this.o,
        request,
        app,
        env,
        workDir,
        toolEnv: await toolEnv(workDir, this.o.toolSearchPath),
        checkTree: () => this.checkTree(app.root, request.immutable ?? false),
        ...(dependencies ? { dependencies } : {}),
      };
      return await (sourceType === 'Helm' ? renderHelm(ctx) : renderKustomize(ctx));
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }
}
