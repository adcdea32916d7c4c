import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Application, ApplicationSource } from '@flotilla/api';
import type { RenderCommand } from '@flotilla/contracts';
import type { GitClient } from '@flotilla/git';
import {
  isCommitSha,
  pushTouchesApp,
  resolveRevision,
  stripCredentials,
  type RemoteRefs,
} from '@flotilla/git';
import {
  isDigest,
  isOciArtifactSource,
  mergeManifestSets,
  RenderError,
  type ChartClient,
  type Renderer,
  type SourceManifests,
} from '@flotilla/render';

/** The outcome of rendering one app. */
export interface AppRender {
  readonly revisions: string[];
  readonly hash: string;
  readonly objects: readonly Record<string, unknown>[];
  readonly warnings: readonly string[];
  /** How the set was obtained: memo (no Git or Helm work), reused (push did not touch the app), or rendered. */
  readonly via: 'memo' | 'reused' | 'rendered';
}

type Memo = Omit<AppRender, 'via' | 'revisions'>;

/** The sources of an app as Argo CD reads them: `sources` wins over `source`. */
export function sourcesOf(app: Application): ApplicationSource[] {
  return app.spec?.sources?.length
    ? [...app.spec.sources]
    : app.spec?.source
      ? [app.spec.source]
      : [];
}

/** The sources a render command for an operation carries, checked enough to render them. */
export function operationSources(raw: readonly Record<string, unknown>[]): ApplicationSource[] {
  return raw.map((s, i) => {
    if (typeof s['repoURL'] !== 'string' || s['repoURL'] === '')
      throw new Error(`source ${i + 1} of the operation has no repoURL`);
    return s as unknown as ApplicationSource;
  });
}

/**
 * Renders an app at given (or freshly resolved) revisions. An app whose
 * sources and revisions were rendered before is served from the memo with no
 * Git or Helm work; a push that changed no file the app reads reuses the set
 * of the previous revisions; otherwise each source is rendered from the
 * shared read-only tree of its commit (each render itself may hit the
 * manifest cache).
 */
export class AppRenderer {
  constructor(
    private readonly deps: {
      git: Pick<GitClient, 'lsRemote' | 'tree'>;
      renderer: Renderer;
      /** Pulls chart sources (Helm repositories, OCI registries); chart sources fail without one. */
      charts?: ChartClient;
      /** The memo; without one (the CLI renders once) nothing is memoised. */
      redis?: Redis;
      memoTtlMs: number;
      /** Part of the memo key: tool paths (versions) and renderer format. */
      toolKey: string;
    },
  ) {}

  private readonly listings = new Map<string, Promise<RemoteRefs>>();

  /**
   * Lists a repository's refs; renders asking at the same time share one
   * call. Nothing is kept after the call, so no answer is older than a call
   * already in flight when the render asked.
   */
  private listRefs(repoURL: string): Promise<RemoteRefs> {
    let listing = this.listings.get(repoURL);
    if (!listing) {
      const started = this.deps.git.lsRemote(repoURL);
      const clear = () => this.listings.delete(repoURL);
      started.then(clear, clear);
      this.listings.set(repoURL, started);
      listing = started;
    }
    return listing;
  }

  private memoKey(
    app: Application,
    sources: ApplicationSource[],
    revisions: readonly string[],
    pins: readonly (string | undefined)[],
  ): string {
    const digest = createHash('sha256')
      .update(
        JSON.stringify([
          this.deps.toolKey,
          app.metadata?.name,
          app.spec?.destination?.namespace ?? '',
          sources,
          revisions,
          // Only when a source has one, so other apps keep their memo keys.
          ...(pins.some(Boolean) ? [pins.map((p) => p ?? '')] : []),
        ]),
      )
      .digest('hex');
    return `flotilla:render-memo:${digest}`;
  }

  private async memoGet(key: string): Promise<Memo | undefined> {
    const raw = (await this.deps.redis?.get(key).catch(() => null)) ?? null;
    return raw ? (JSON.parse(raw) as Memo) : undefined;
  }

  private async memoSet(key: string, memo: Memo): Promise<void> {
    await this.deps.redis
      ?.set(key, JSON.stringify(memo), 'PX', this.deps.memoTtlMs)
      .catch(() => undefined);
  }

  /**
   * Resolves each source's revision: the command's when it has one per
   * source, else `wanted` (per source; empty for its targetRevision) or the
   * targetRevision, resolved against the remote. A chart version the
   * git-poller picked from a constraint is taken as it is; a chart source
   * without one (an exact version, or a command that carries none) is
   * resolved against its repository, one index or tag-list call, whose
   * entry the pull then reuses.
   */
  async resolve(
    sources: ApplicationSource[],
    cmd: RenderCommand,
    wanted?: readonly string[],
  ): Promise<string[]> {
    if (
      !wanted &&
      cmd.revisions &&
      cmd.revisions.length === sources.length &&
      cmd.refresh !== 'hard'
    ) {
      const given = cmd.revisions;
      return Promise.all(
        sources.map((s, i) => {
          const revision = given[i] ?? '';
          // An OCI artifact's revision is its manifest digest; a tag is looked up.
          if (isOciArtifactSource(s))
            return isDigest(revision)
              ? Promise.resolve(revision)
              : this.charts().resolveArtifact({
                  repoURL: s.repoURL,
                  targetRevision: revision || (s.targetRevision ?? ''),
                });
          if (!s.chart) return Promise.resolve(revision);
          const picked = revision !== '' && revision !== (s.targetRevision ?? '').trim();
          return picked || isDigest(revision)
            ? Promise.resolve(revision)
            : this.charts().resolve({ ...s, chart: s.chart, targetRevision: revision });
        }),
      );
    }
    return Promise.all(
      sources.map(async (s, i) => {
        const target = wanted?.[i] || s.targetRevision;
        if (isOciArtifactSource(s))
          return this.charts().resolveArtifact({
            repoURL: s.repoURL,
            targetRevision: target ?? '',
          });
        if (s.chart)
          return this.charts().resolve({ ...s, chart: s.chart, targetRevision: target ?? '' });
        if (target && isCommitSha(target)) return target.toLowerCase();
        return resolveRevision(await this.listRefs(s.repoURL), target, stripCredentials(s.repoURL));
      }),
    );
  }

  /**
   * Renders the app's sources, or with `override` the given sources at the
   * given revisions (what a sync operation asks for).
   */
  async render(
    app: Application,
    cmd: RenderCommand,
    override?: { readonly sources: ApplicationSource[]; readonly revisions: readonly string[] },
  ): Promise<AppRender> {
    // A chart's version (an artifact's digest) is its targetRevision: an asked-for one replaces it.
    const sources =
      override?.sources.map((s, i) =>
        (s.chart || isOciArtifactSource(s)) && override.revisions[i]
          ? { ...s, targetRevision: override.revisions[i] }
          : s,
      ) ?? sourcesOf(app);
    if (sources.length === 0) throw new Error('the Application has no source');
    const revisions = await this.resolve(sources, cmd, override?.revisions);
    const pins = await this.chartPins(sources, revisions, cmd);
    const key = this.memoKey(app, sources, revisions, pins);
    if (cmd.refresh !== 'hard') {
      const memo = await this.memoGet(key);
      if (memo) return { ...memo, revisions, via: 'memo' };
      if (!override && cmd.changedFiles && cmd.previousRevisions?.length === sources.length) {
        const polled = {
          ref: { namespace: app.metadata?.namespace ?? '', name: app.metadata?.name ?? '' },
          sources: sources.map((s) => ({
            repoURL: s.repoURL,
            ...(s.path ? { path: s.path } : {}),
          })),
          manifestGeneratePaths:
            app.metadata?.annotations?.['flotilla.dev/manifest-generate-paths'] ??
            app.metadata?.annotations?.['argocd.argoproj.io/manifest-generate-paths'],
        };
        const previous = polled.manifestGeneratePaths
          ? await this.memoGet(this.memoKey(app, sources, cmd.previousRevisions, pins))
          : undefined;
        if (previous && !pushTouchesApp(polled, cmd.changedFiles)) {
          await this.memoSet(key, previous);
          return { ...previous, revisions, via: 'reused' };
        }
      }
    }
    const rendered = await this.renderSources(app, sources, revisions, pins, cmd.refresh);
    await this.memoSet(key, rendered);
    return { ...rendered, revisions, via: 'rendered' };
  }

  private charts(): ChartClient {
    if (!this.deps.charts) {
      throw new RenderError('Unsupported', 'this renderer was started without a chart client');
    }
    return this.deps.charts;
  }

  /**
   * Per source, what a chart's version holds now: the digest the git-poller
   * read with the revisions it sent, else for OCI the manifest digest its tag
   * names (one HEAD) and for a Helm repository the archive digest the index
   * announced (read by the resolve just before: no call). A version pushed
   * again then misses the memo and the store, as it must.
   */
  private async chartPins(
    sources: readonly ApplicationSource[],
    revisions: readonly string[],
    cmd: RenderCommand,
  ): Promise<(string | undefined)[]> {
    const given =
      cmd.digests?.length === sources.length &&
      cmd.revisions?.length === sources.length &&
      cmd.revisions.every((r, i) => r === revisions[i])
        ? cmd.digests
        : undefined;
    return Promise.all(
      sources.map((s, i) => {
        if (!s.chart) return undefined;
        if (given?.[i]) return given[i];
        const spec = { ...s, chart: s.chart };
        return (
          this.charts().announcedDigest(spec, revisions[i] ?? '') ??
          this.charts().chartDigest(spec, revisions[i] ?? '')
        );
      }),
    );
  }

  // A chart source's files: the chart pulled into the content-addressed store, held until rendered.
  private async chartDir(source: ApplicationSource, revision: string, pin?: string) {
    const pulled = await this.charts().pull(
      { ...source, chart: source.chart ?? '' },
      revision,
      undefined,
      pin,
    );
    return { dir: pulled.dir, digest: pulled.digest, release: pulled.release };
  }

  // An OCI artifact's tree, pulled at its manifest digest into the same store.
  private async artifactDir(source: ApplicationSource, revision: string) {
    const pulled = await this.charts().pullArtifact({ repoURL: source.repoURL }, revision);
    return { dir: pulled.dir, digest: pulled.digest, release: pulled.release };
  }

  private async renderSources(
    app: Application,
    sources: ApplicationSource[],
    revisions: string[],
    pins: readonly (string | undefined)[],
    refresh: RenderCommand['refresh'],
  ): Promise<Memo> {
    // Shared, read-only trees: no copy per app; only what a render edits is copied.
    const leases = await Promise.allSettled(
      sources.map((s, i) =>
        s.chart
          ? this.chartDir(s, revisions[i] ?? '', pins[i])
          : isOciArtifactSource(s)
            ? this.artifactDir(s, revisions[i] ?? '')
            : this.deps.git.tree(s.repoURL, revisions[i] ?? ''),
      ),
    );
    try {
      const failed = leases.find((l) => l.status === 'rejected');
      if (failed) throw failed.reason;
      const dirs = leases.map((l) => (l.status === 'fulfilled' ? l.value.dir : ''));
      // A chart's cache key is its archive's digest: a version pushed again renders again.
      const keys = leases.map((l, i): string =>
        l.status === 'fulfilled' && 'digest' in l.value
          ? String(l.value.digest)
          : (revisions[i] ?? ''),
      );
      const refSources: Record<string, string> = {};
      sources.forEach((s, i) => {
        if (s.ref) refSources[s.ref] = dirs[i] ?? '';
      });
      const parts: SourceManifests[] = [];
      for (const [i, source] of sources.entries()) {
        // A source that only provides value files (`ref` without a path) renders nothing.
        if (source.ref && !source.path && !source.chart) continue;
        const result = await this.deps.renderer.render({
          appName: app.metadata?.name ?? '',
          ...(app.spec?.destination?.namespace
            ? { namespace: app.spec.destination.namespace }
            : {}),
          source,
          repoDir: dirs[i] ?? '',
          immutable: true,
          revision: keys[i] ?? '',
          refSources,
          ...(refresh ? { refresh } : {}),
        });
        parts.push({
          objects: result.objects,
          warnings: result.warnings,
          label: `source ${i + 1} (${stripCredentials(source.repoURL)})`,
        });
      }
      const merged = mergeManifestSets(parts);
      return { hash: merged.hash, objects: merged.objects, warnings: merged.warnings };
    } finally {
      for (const l of leases) if (l.status === 'fulfilled') l.value.release();
    }
  }
}
